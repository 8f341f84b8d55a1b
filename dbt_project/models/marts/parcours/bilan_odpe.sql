-- The annual report on young adults (décret n°2022-1125), per department and year with an ASE
-- delivery, and for the region: every count is first made per department, then rolled up to
-- the region (sums of the departments' counts), and every rate and share is computed once, from
-- the counts, for both kinds of rows. The rows of a department's latest delivered year are
-- provisional (interviews may still take place); the region's, when any of its departments' is.

with

territoires as (

    select * from {{ ref('territoires') }}

),

delivered as (

    select * from {{ ref('int_livraisons_ase_listed') }}

),

jeunes_majeurs as (

    select * from {{ ref('int_jeunes_majeurs_annualised') }}

),

mesures as (

    select * from {{ ref('int_mesures_chained') }}

),

spells as (

    select * from {{ ref('int_prises_en_charge_aggregated') }}

),

synthese as (

    select * from {{ ref('sorties_ase_synthese') }}

),

exits as (

    select * from {{ ref('int_sorties_linked') }}

),

entretiens as (

    select * from {{ ref('stg_ase__entretiens') }}

),

autonomie as (

    select * from {{ ref('stg_ase__autonomie') }}

),

grid as (

    -- one row per displayed department (69D and 69M count as 69) and delivered year
    select distinct
        dept,
        annee
    from delivered

),

accompanied as (

    select
        annee,
        dept,
        count(distinct id_jeune) as nb_jeunes_majeurs_accompagnes
    from jeunes_majeurs
    group by annee, dept

),

young_adult_entries as (

    -- The first APJM/CJM measure of each spell; a person counts once per year.
    select
        year(min(date_debut)) as annee,
        dept_service,
        dept,
        id_jeune
    from mesures
    where type_mesure in ('APJM', 'CJM')
    group by dept_service, dept, id_jeune, num_prise_en_charge

),

entries as (

    -- a service's facts of year Y count only when it delivered Y; a person once per department
    select
        young_adult_entries.annee,
        young_adult_entries.dept,
        count(distinct young_adult_entries.id_jeune) as nb_entrees_jeune_majeur
    from young_adult_entries
    inner join delivered
    on
        young_adult_entries.dept_service = delivered.dept_service
        and young_adult_entries.annee = delivered.annee
    group by young_adult_entries.annee, young_adult_entries.dept

),

eligible_17 as (

    -- Persons whose 17th birthday falls in the year and inside one of their spells.
    select distinct
        spells.dept_service,
        spells.dept,
        spells.id_jeune,
        year({{ birthday('spells.annee_mois_naissance', 17) }}) as annee,
        {{ birthday('spells.annee_mois_naissance', 17) }} as anniversaire_17,
        {{ birthday('spells.annee_mois_naissance', 18) }} as anniversaire_18
    from spells
    where
        spells.date_debut <= {{ birthday('spells.annee_mois_naissance', 17) }}
        and (spells.date_fin is null or spells.date_fin >= {{ birthday('spells.annee_mois_naissance', 17) }})

),

interview_17 as (

    -- A person once per displayed department; the interview counts whichever department held
    -- it (a young person who moved may be interviewed by the new one).
    select
        eligible_17.annee,
        eligible_17.dept,
        count(distinct eligible_17.id_jeune) as nb_eligibles_entretien_17_ans,
        count(distinct case
            when entretiens.id_jeune is not null
                then eligible_17.id_jeune
        end) as nb_entretiens_17_ans
    from eligible_17
    inner join delivered
    on
        eligible_17.dept_service = delivered.dept_service
        and eligible_17.annee = delivered.annee
    left join entretiens
    on
        eligible_17.id_jeune = entretiens.id_jeune
        and entretiens.type_entretien = 'ENTRETIEN_17_ANS'
        and eligible_17.anniversaire_17 <= entretiens.date_entretien
        and eligible_17.anniversaire_18 > entretiens.date_entretien
    group by eligible_17.annee, eligible_17.dept

),

post_exit as (

    -- Exits whose date + 183 days falls in the year, and those with a post-exit interview
    -- dated after the exit, held by any department.
    select
        year(exits.date_sortie + 183) as annee,
        exits.dept,
        count(*) as nb_eligibles_entretien_post_sortie,
        count(*) filter (where exists (
            select 1
            from entretiens
            where
                entretiens.id_jeune = exits.id_jeune
                and entretiens.type_entretien = 'ENTRETIEN_POST_SORTIE'
                and entretiens.date_entretien > exits.date_sortie
        )) as nb_entretiens_post_sortie
    from exits
    inner join delivered
    on
        exits.dept_service = delivered.dept_service
        and year(exits.date_sortie + 183) = delivered.annee
    group by year(exits.date_sortie + 183), exits.dept

),

delivered_projects as (

    -- a service's autonomy projects of year Y count only when it delivered Y
    select autonomie.*
    from autonomie
    inner join delivered
    on
        autonomie.dept_service = delivered.dept_service
        and year(autonomie.date_projet) = delivered.annee

),

projects as (

    -- The year's autonomy projects; a need's share is over the projects where it was assessed.
    select
        year(date_projet) as annee,
        dept,
        count(*) as nb_projets_autonomie,
        count(*) filter (where besoin_ressources) as nb_besoin_ressources_couvert,
        count(besoin_ressources) as nb_projets_besoin_ressources_evalue,
        count(*) filter (where besoin_logement) as nb_besoin_logement_couvert,
        count(besoin_logement) as nb_projets_besoin_logement_evalue,
        count(*) filter (where besoin_emploi_formation) as nb_besoin_emploi_formation_couvert,
        count(besoin_emploi_formation) as nb_projets_besoin_emploi_formation_evalue,
        count(*) filter (where besoin_soins) as nb_besoin_soins_couvert,
        count(besoin_soins) as nb_projets_besoin_soins_evalue,
        count(*) filter (where besoin_demarches) as nb_besoin_demarches_couvert,
        count(besoin_demarches) as nb_projets_besoin_demarches_evalue,
        count(*) filter (where besoin_socio_educatif) as nb_besoin_socio_educatif_couvert,
        count(besoin_socio_educatif) as nb_projets_besoin_socio_educatif_evalue
    from delivered_projects
    group by year(date_projet), dept

),

pathways as (

    select
        exits.annee,
        exits.dept,
        count(*) filter (where exits.avec_ml) as nb_sorties_suivies_ml,
        count(*) filter (where exits.avec_hj) as nb_sorties_hebergees_hj
    from exits
    inner join delivered
    on
        exits.dept_service = delivered.dept_service
        and exits.annee = delivered.annee
    group by exits.annee, exits.dept

),

latest_year as (

    -- the latest ASE year delivered for each displayed department (by any of its services)
    select
        dept,
        max(annee) as annee
    from delivered
    group by dept

),

per_department as (

    select
        grid.annee,
        grid.dept,
        grid.annee = latest_year.annee as provisoire,
        coalesce(accompanied.nb_jeunes_majeurs_accompagnes, 0) as nb_jeunes_majeurs_accompagnes,
        coalesce(entries.nb_entrees_jeune_majeur, 0) as nb_entrees_jeune_majeur,
        synthese.nb_sorties,
        synthese.nb_sorties_seches,
        synthese.nb_retours,
        coalesce(interview_17.nb_eligibles_entretien_17_ans, 0) as nb_eligibles_entretien_17_ans,
        coalesce(interview_17.nb_entretiens_17_ans, 0) as nb_entretiens_17_ans,
        coalesce(post_exit.nb_eligibles_entretien_post_sortie, 0) as nb_eligibles_entretien_post_sortie,
        coalesce(post_exit.nb_entretiens_post_sortie, 0) as nb_entretiens_post_sortie,
        coalesce(projects.nb_projets_autonomie, 0) as nb_projets_autonomie,
        coalesce(projects.nb_besoin_ressources_couvert, 0) as nb_besoin_ressources_couvert,
        coalesce(projects.nb_projets_besoin_ressources_evalue, 0) as nb_projets_besoin_ressources_evalue,
        coalesce(projects.nb_besoin_logement_couvert, 0) as nb_besoin_logement_couvert,
        coalesce(projects.nb_projets_besoin_logement_evalue, 0) as nb_projets_besoin_logement_evalue,
        coalesce(projects.nb_besoin_emploi_formation_couvert, 0) as nb_besoin_emploi_formation_couvert,
        coalesce(projects.nb_projets_besoin_emploi_formation_evalue, 0) as nb_projets_besoin_emploi_formation_evalue,
        coalesce(projects.nb_besoin_soins_couvert, 0) as nb_besoin_soins_couvert,
        coalesce(projects.nb_projets_besoin_soins_evalue, 0) as nb_projets_besoin_soins_evalue,
        coalesce(projects.nb_besoin_demarches_couvert, 0) as nb_besoin_demarches_couvert,
        coalesce(projects.nb_projets_besoin_demarches_evalue, 0) as nb_projets_besoin_demarches_evalue,
        coalesce(projects.nb_besoin_socio_educatif_couvert, 0) as nb_besoin_socio_educatif_couvert,
        coalesce(projects.nb_projets_besoin_socio_educatif_evalue, 0) as nb_projets_besoin_socio_educatif_evalue,
        coalesce(pathways.nb_sorties_suivies_ml, 0) as nb_sorties_suivies_ml,
        coalesce(pathways.nb_sorties_hebergees_hj, 0) as nb_sorties_hebergees_hj
    from grid
    inner join latest_year
    on grid.dept = latest_year.dept
    left join accompanied
    on
        grid.annee = accompanied.annee
        and grid.dept = accompanied.dept
    left join entries
    on
        grid.annee = entries.annee
        and grid.dept = entries.dept
    left join synthese
    on
        grid.annee = synthese.annee
        and grid.dept = synthese.dept
    left join interview_17
    on
        grid.annee = interview_17.annee
        and grid.dept = interview_17.dept
    left join post_exit
    on
        grid.annee = post_exit.annee
        and grid.dept = post_exit.dept
    left join projects
    on
        grid.annee = projects.annee
        and grid.dept = projects.dept
    left join pathways
    on
        grid.annee = pathways.annee
        and grid.dept = pathways.dept

),

-- The departments' rows, and the region's: their sums (a person counted in two departments
-- counts in each, as in the department rows).
per_territory as (

    {{ territory_rollup(
        'per_department',
        keys=['annee'],
        counts=[
            'nb_jeunes_majeurs_accompagnes', 'nb_entrees_jeune_majeur', 'nb_sorties',
            'nb_sorties_seches', 'nb_retours', 'nb_eligibles_entretien_17_ans',
            'nb_entretiens_17_ans', 'nb_eligibles_entretien_post_sortie',
            'nb_entretiens_post_sortie', 'nb_projets_autonomie', 'nb_sorties_suivies_ml',
            'nb_sorties_hebergees_hj',
            'nb_besoin_ressources_couvert', 'nb_projets_besoin_ressources_evalue',
            'nb_besoin_logement_couvert', 'nb_projets_besoin_logement_evalue',
            'nb_besoin_emploi_formation_couvert', 'nb_projets_besoin_emploi_formation_evalue',
            'nb_besoin_soins_couvert', 'nb_projets_besoin_soins_evalue',
            'nb_besoin_demarches_couvert', 'nb_projets_besoin_demarches_evalue',
            'nb_besoin_socio_educatif_couvert', 'nb_projets_besoin_socio_educatif_evalue',
        ],
        flags=['provisoire'],
    ) }}

),

final as (

    select
        annee,
        dept,
        nom_territoire,
        provisoire,
        nb_jeunes_majeurs_accompagnes,
        nb_entrees_jeune_majeur,
        nb_sorties,
        nb_sorties_seches,
        nb_retours,
        nb_eligibles_entretien_17_ans,
        nb_entretiens_17_ans,
        nb_entretiens_17_ans / nullif(nb_eligibles_entretien_17_ans, 0) as taux_entretien_17_ans,
        nb_eligibles_entretien_post_sortie,
        nb_entretiens_post_sortie,
        nb_entretiens_post_sortie / nullif(nb_eligibles_entretien_post_sortie, 0)
            as taux_entretien_post_sortie,
        nb_projets_autonomie,
        nb_besoin_ressources_couvert / nullif(nb_projets_besoin_ressources_evalue, 0)
            as part_besoin_ressources_couvert,
        nb_besoin_logement_couvert / nullif(nb_projets_besoin_logement_evalue, 0)
            as part_besoin_logement_couvert,
        nb_besoin_emploi_formation_couvert / nullif(nb_projets_besoin_emploi_formation_evalue, 0)
            as part_besoin_emploi_formation_couvert,
        nb_besoin_soins_couvert / nullif(nb_projets_besoin_soins_evalue, 0)
            as part_besoin_soins_couvert,
        nb_besoin_demarches_couvert / nullif(nb_projets_besoin_demarches_evalue, 0)
            as part_besoin_demarches_couvert,
        nb_besoin_socio_educatif_couvert / nullif(nb_projets_besoin_socio_educatif_evalue, 0)
            as part_besoin_socio_educatif_couvert,
        nb_sorties_suivies_ml / nullif(nb_sorties, 0) as part_sorties_suivies_ml,
        nb_sorties_hebergees_hj / nullif(nb_sorties, 0) as part_sorties_hebergees_hj,
        nb_projets_besoin_ressources_evalue,
        nb_projets_besoin_logement_evalue,
        nb_projets_besoin_emploi_formation_evalue,
        nb_projets_besoin_soins_evalue,
        nb_projets_besoin_demarches_evalue,
        nb_projets_besoin_socio_educatif_evalue
    from per_territory

)

select * from final
order by annee, dept
