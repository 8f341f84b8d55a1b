-- Exits from care (marts.md): the end of a spell at which the person is 18 or older, with the
-- situation of the `ase_sorties` row of the same person and department dated within 31 days of
-- it, before or after (the nearest; the earlier on a tie). Without such a row every situation
-- field is INCONNU. A spell ending at 17 is not an exit.

with

spells as (

    select * from {{ ref('int_prises_en_charge_aggregated') }}

),

situations as (

    select * from {{ ref('stg_ase__sorties') }}

),

exits as (

    select
        dept_service,
        dept,
        id_jeune,
        num_prise_en_charge,
        date_fin as date_sortie,
        year(date_fin) as annee,
        age_fin as age_sortie,
        mna,
        annee_mois_naissance
    from spells
    where
        date_fin is not null
        and age_fin >= 18

),

candidates as (

    select
        exits.dept_service,
        exits.id_jeune,
        exits.num_prise_en_charge,
        situations.date_sortie as date_bilan,
        situations.logement_sortie,
        situations.activite_sortie,
        situations.ressources_sortie,
        row_number() over (
            partition by exits.dept_service, exits.id_jeune, exits.num_prise_en_charge
            order by abs(situations.date_sortie - exits.date_sortie), situations.date_sortie
        ) as rang
    from exits
    inner join situations
    on
        exits.dept_service = situations.dept_service
        and exits.id_jeune = situations.id_jeune
        and abs(situations.date_sortie - exits.date_sortie) <= 31

),

final as (

    select
        exits.*,
        case
            when exits.age_sortie >= 21 then '21_PLUS'
            else cast(exits.age_sortie as varchar)
        end as tranche_age_sortie,
        candidates.date_bilan,
        coalesce(candidates.logement_sortie, 'INCONNU') as logement_sortie,
        coalesce(candidates.activite_sortie, 'INCONNU') as activite_sortie,
        coalesce(candidates.ressources_sortie, 'INCONNU') as ressources_sortie
    from exits
    left join candidates
    on
        exits.dept_service = candidates.dept_service
        and exits.id_jeune = candidates.id_jeune
        and exits.num_prise_en_charge = candidates.num_prise_en_charge
        and candidates.rang = 1

)

select
    *,
    (
        logement_sortie in ('SANS_SOLUTION', 'HEBERGEMENT_URGENCE')
        or ressources_sortie = 'AUCUNE'
    ) as est_sortie_seche,
    (logement_sortie = 'INCONNU' and ressources_sortie = 'INCONNU') as est_situation_inconnue
from final
