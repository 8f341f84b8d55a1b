-- Exits from care (docs/marts.md), in each vintage (millésime): the end of a spell when the person
-- is 18 or older on the day after it ends — care ending on the eve of the 18th birthday, the
-- usual end of care at majority, is an exit at 18. The exit's date is the spell's end; its age
-- (and `tranche_age_sortie`) is the age on the day after. Its situation is the `ase_sorties`
-- review of the same person and service dated within 31 days of it, before or after (the
-- nearest; the earlier on a tie); without one every situation field is INCONNU.

with

spells as (

    select * from {{ ref('int_prises_en_charge_aggregated_by_vintage') }}

),

situations as (

    select * from {{ ref('int_bilans_sortie_known_by_vintage') }}

),

exits as (

    select
        millesime,
        dept_service,
        dept,
        id_jeune,
        num_prise_en_charge,
        date_fin as date_sortie,
        fin_estimee,
        year(date_fin) as annee,
        {{ age_at('annee_mois_naissance', 'date_fin + 1') }} as age_sortie,
        mna,
        annee_mois_naissance
    from spells
    where
        date_fin is not null
        and {{ age_at('annee_mois_naissance', 'date_fin + 1') }} >= 18

),

candidates as (

    select
        exits.millesime,
        exits.dept_service,
        exits.id_jeune,
        exits.num_prise_en_charge,
        situations.date_sortie as date_bilan,
        situations.logement_sortie,
        situations.activite_sortie,
        situations.ressources_sortie,
        row_number() over (
            partition by exits.millesime, exits.dept_service, exits.id_jeune, exits.num_prise_en_charge
            order by abs(situations.date_sortie - exits.date_sortie), situations.date_sortie
        ) as rang
    from exits
    inner join situations
    on
        exits.millesime = situations.millesime
        and exits.dept_service = situations.dept_service
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
        exits.millesime = candidates.millesime
        and exits.dept_service = candidates.dept_service
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
