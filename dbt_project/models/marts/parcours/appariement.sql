-- Match rates of the pseudonymous key, per source, department and year. A sharp drop from one
-- year to the next is a sign that a producer changed its key or its secret (Dagster check
-- `appariement_stable`).

with

ml_persons as (

    select * from {{ ref('stg_ml__jeunes_annuels') }}

),

personnes as (

    select * from {{ ref('int_personnes_linked') }}

),

sejours as (

    select * from {{ ref('stg_hj__sejours') }}

),

hj_years as (

    select * from {{ ref('int_annees_hj_listed') }}

),

exits as (

    select * from {{ ref('int_sorties_matched') }}

),

delivered as (

    select * from {{ ref('int_livraisons_ase_listed') }}

),

ml_declared as (

    -- ML: young people who declared a child-protection past, found in an ASE delivery.
    select distinct
        'ml' as source,
        ml_persons.dept,
        ml_persons.annee_livraison as annee,
        'ML_PARCOURS_ASE_DECLARE' as population,
        ml_persons.id_jeune,
        coalesce(personnes.connu_ase, false) as apparie
    from ml_persons
    left join personnes on ml_persons.id_jeune = personnes.id_jeune
    where ml_persons.parcours_ase

),

hj_ase as (

    -- HJ: residents under an ASE measure on entry, found in an ASE delivery.
    select distinct
        'hj' as source,
        sejours.dept_service as dept,
        hj_years.annee,
        'HJ_PRIS_EN_CHARGE_ASE' as population,
        sejours.id_jeune,
        coalesce(personnes.connu_ase, false) as apparie
    from sejours
    inner join hj_years
    on {{ active_in_year('sejours.date_entree', 'sejours.date_sortie', 'hj_years.annee') }}
    left join personnes on sejours.id_jeune = personnes.id_jeune
    where sejours.prise_en_charge_ase

),

ase_exits as (

    -- ASE: young people leaving care, found in a Mission Locale delivery.
    select distinct
        'ase' as source,
        exits.dept,
        exits.annee,
        'ASE_SORTIES' as population,
        exits.id_jeune,
        coalesce(personnes.connu_ml, false) as apparie
    from exits
    inner join delivered
    on
        exits.dept_service = delivered.dept_service
        and exits.annee = delivered.annee
    left join personnes on exits.id_jeune = personnes.id_jeune

),

persons as (

    select * from ml_declared
    union all
    select * from hj_ase
    union all
    select * from ase_exits

),

final as (

    select
        annee,
        source,
        dept,
        population,
        count(distinct id_jeune) as nb_jeunes,
        count(distinct case when apparie then id_jeune end) as nb_apparies,
        count(distinct case when apparie then id_jeune end) / count(distinct id_jeune)
            as taux_appariement
    from persons
    group by annee, source, dept, population

)

select * from final
order by source, dept, annee
