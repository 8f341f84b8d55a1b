{#- GENERATED from pipelines/lib/contract/tables.py by `observatoire expectations`: do not edit
    by hand (tests/lib/contract/test_dbt_macros.py fails when this file and the contract differ).
    The code lists of contract v1.1, and the delivery department codes of the ASE services that
    count as another department (docs/contrat-echange.md §1: 69D and 69M count as 69). -#}

{% macro contract_codes(table, column) -%}
    {%- set codes = {
        'ase_entretiens.type_entretien': ['ENTRETIEN_17_ANS', 'ENTRETIEN_POST_SORTIE'],
        'ase_jeunes.sexe': ['F', 'M'],
        'ase_mesures.mode_accueil': ['DOMICILE', 'ASSISTANT_FAMILIAL', 'MECS', 'FOYER_ENFANCE', 'LIEU_DE_VIE', 'TIERS_DIGNE_DE_CONFIANCE', 'HABITAT_JEUNES', 'LOGEMENT_AUTONOME', 'HOTEL', 'AUTRE'],
        'ase_mesures.motif_fin': ['MAJORITE', 'FIN_CONTRAT_JEUNE_MAJEUR', 'DEMANDE_DU_JEUNE', 'RETOUR_EN_FAMILLE', 'RELAIS_AUTRE_MESURE', 'DEMENAGEMENT', 'AUTONOMIE', 'AUTRE'],
        'ase_mesures.type_mesure': ['AED', 'AEMO', 'ACCUEIL_PROVISOIRE', 'PLACEMENT_JUDICIAIRE', 'TUTELLE', 'APJM', 'CJM'],
        'ase_sorties.activite_sortie': ['EMPLOI', 'ALTERNANCE', 'FORMATION', 'ETUDES', 'CEJ', 'AUTRE_ACCOMPAGNEMENT', 'SANS_ACTIVITE', 'INCONNU'],
        'ase_sorties.logement_sortie': ['LOGEMENT_AUTONOME', 'LOGEMENT_SOCIAL', 'HABITAT_JEUNES', 'FAMILLE_PROCHES', 'HEBERGEMENT_INSERTION', 'HEBERGEMENT_URGENCE', 'SANS_SOLUTION', 'INCONNU'],
        'ase_sorties.ressources_sortie': ['SALAIRE', 'ALLOCATION_CEJ', 'BOURSE', 'AUTRES_AIDES', 'AUCUNE', 'INCONNU'],
        'hj_conventions.financeur': ['CD', 'ETAT', 'CAF', 'AUTRE'],
        'hj_conventions.modalite_financement': ['PRIX_DE_JOURNEE', 'SUBVENTION', 'DOTATION_GLOBALE'],
        'hj_conventions.public': ['CJM', 'EX_MNA', 'MINEURS_PROTEGES', 'ASE_TOUS', 'JEUNES_RUPTURE'],
        'hj_residences.type_offre': ['COLLECTIF', 'DIFFUS', 'IML', 'MIXTE'],
        'hj_sejours.logement_sortie': ['LOGEMENT_AUTONOME', 'LOGEMENT_SOCIAL', 'HABITAT_JEUNES', 'FAMILLE_PROCHES', 'HEBERGEMENT_INSERTION', 'HEBERGEMENT_URGENCE', 'SANS_SOLUTION', 'INCONNU'],
        'hj_sejours.orientation': ['ASE', 'ML', 'SIAO', 'SPONTANEE', 'AUTRE'],
        'hj_sejours.statut_entree': ['SALARIE', 'APPRENTI', 'FORMATION', 'DEMANDEUR_EMPLOI', 'ETUDIANT', 'AUTRE'],
        'ml_accompagnements.dispositif': ['PACEA', 'CEJ', 'CEJ_JR', 'OBLIGATION_FORMATION', 'AUTRE'],
        'ml_accompagnements.motif_sortie': ['EMPLOI_DURABLE', 'FORMATION_QUALIFIANTE', 'FIN_DE_DROITS', 'ABANDON', 'DEMENAGEMENT', 'AUTRE'],
        'ml_jeunes.niveau_formation': ['INFRA_3', '3', '4', '5', '6_PLUS'],
        'ml_jeunes.sexe': ['F', 'M'],
        'ml_situations.type_situation': ['EMPLOI_CDI', 'EMPLOI_CDD', 'ALTERNANCE', 'FORMATION', 'IMMERSION_PMSMP', 'SERVICE_CIVIQUE']
    } -%}
    {{ return(codes[table ~ '.' ~ column]) }}
{%- endmacro %}

{% macro contract_sources() -%}
    {{ return(['ase', 'ml', 'hj']) }}
{%- endmacro %}

{% macro ase_service_departments() -%}
    {{ return({'69D': '69', '69M': '69'}) }}
{%- endmacro %}
