-- One row per spell of care. A spell ends at the last end date of its chain; a spell with a
-- running measure has not ended (date_fin null). A return (droit au retour) is a spell that
-- starts when the person is 18, 19 or 20 and follows an earlier spell in the same department.

with

mesures as (

    select * from {{ ref('int_mesures_chained') }}

),

jeunes as (

    select * from {{ ref('stg_ase__jeunes') }}

),

spells as (

    select
        dept_service,
        dept,
        id_jeune,
        num_prise_en_charge,
        min(date_debut) as date_debut,
        case when bool_or(date_fin is null) then null else max(date_fin) end as date_fin,
        count(*) as nb_mesures,
        bool_or(type_mesure in ('APJM', 'CJM')) as avec_mesure_jeune_majeur
    from mesures
    group by dept_service, dept, id_jeune, num_prise_en_charge

),

with_person as (

    select
        spells.*,
        jeunes.annee_mois_naissance,
        jeunes.mna,
        {{ age_at('jeunes.annee_mois_naissance', 'spells.date_debut') }} as age_debut,
        {{ age_at('jeunes.annee_mois_naissance', 'spells.date_fin') }} as age_fin
    from spells
    left join jeunes
    on
        spells.dept_service = jeunes.dept_service
        and spells.id_jeune = jeunes.id_jeune

),

final as (

    select
        *,
        (num_prise_en_charge > 1 and age_debut between 18 and 20) as est_retour
    from with_person

)

select * from final
