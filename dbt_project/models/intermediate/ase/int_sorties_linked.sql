-- Each exit linked through id_jeune to the other sources, in any department:
-- - the first CEJ entry (CEJ or CEJ_JR, any Mission Locale) dated on or after the person's 18th
--   birthday and no later than 365 days after the exit, and the delay from the exit to it;
-- - whether an ML accompaniment and/or an HJ stay is active at some time from 365 days before
--   to 365 days after the exit (both bounds included).

with

exits as (

    select * from {{ ref('int_sorties_matched') }}

),

accompagnements as (

    select * from {{ ref('stg_ml__accompagnements') }}

),

sejours as (

    select * from {{ ref('stg_hj__sejours') }}

),

first_cej as (

    select
        exits.dept_service,
        exits.id_jeune,
        exits.num_prise_en_charge,
        min(accompagnements.date_entree) as date_entree_cej
    from exits
    inner join accompagnements
    on
        exits.id_jeune = accompagnements.id_jeune
        and accompagnements.dispositif in ('CEJ', 'CEJ_JR')
        and accompagnements.date_entree >= {{ birthday('exits.annee_mois_naissance', 18) }}
        and accompagnements.date_entree <= exits.date_sortie + 365
    group by exits.dept_service, exits.id_jeune, exits.num_prise_en_charge

),

ml_window as (

    select distinct
        exits.dept_service,
        exits.id_jeune,
        exits.num_prise_en_charge
    from exits
    inner join accompagnements
    on
        exits.id_jeune = accompagnements.id_jeune
        and accompagnements.date_entree <= exits.date_sortie + 365
        and (
            accompagnements.date_sortie is null
            or accompagnements.date_sortie >= exits.date_sortie - 365
        )

),

hj_window as (

    select distinct
        exits.dept_service,
        exits.id_jeune,
        exits.num_prise_en_charge
    from exits
    inner join sejours
    on
        exits.id_jeune = sejours.id_jeune
        and sejours.date_entree <= exits.date_sortie + 365
        and (sejours.date_sortie is null or sejours.date_sortie >= exits.date_sortie - 365)

),

final as (

    select
        exits.*,
        first_cej.date_entree_cej,
        first_cej.date_entree_cej - exits.date_sortie as delai_cej_jours,
        ml_window.id_jeune is not null as avec_ml,
        hj_window.id_jeune is not null as avec_hj
    from exits
    left join first_cej
    on
        exits.dept_service = first_cej.dept_service
        and exits.id_jeune = first_cej.id_jeune
        and exits.num_prise_en_charge = first_cej.num_prise_en_charge
    left join ml_window
    on
        exits.dept_service = ml_window.dept_service
        and exits.id_jeune = ml_window.id_jeune
        and exits.num_prise_en_charge = ml_window.num_prise_en_charge
    left join hj_window
    on
        exits.dept_service = hj_window.dept_service
        and exits.id_jeune = hj_window.id_jeune
        and exits.num_prise_en_charge = hj_window.num_prise_en_charge

)

select
    *,
    case
        when avec_ml and avec_hj then 'ML_ET_HJ'
        when avec_ml then 'ML_SEUL'
        when avec_hj then 'HJ_SEUL'
        else 'AUCUN'
    end as parcours
from final
