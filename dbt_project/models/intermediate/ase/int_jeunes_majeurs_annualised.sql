-- Young adults accompanied (docs/marts.md): a person with an APJM or CJM measure active in the
-- year, for every service and year with an ASE delivery (a service's facts of year Y count
-- only when it delivered Y). Marts count a person once per displayed department.

with

mesures as (

    select * from {{ ref('int_mesures_chained') }}

),

jeunes as (

    select * from {{ ref('stg_ase__jeunes') }}

),

delivered as (

    select * from {{ ref('int_livraisons_ase_listed') }}

),

young_adult_measures as (

    select distinct
        delivered.annee,
        mesures.dept,
        mesures.dept_service,
        mesures.id_jeune
    from mesures
    inner join delivered
    on
        mesures.dept_service = delivered.dept_service
        and {{ active_in_year('mesures.date_debut', 'mesures.date_fin', 'delivered.annee') }}
    where mesures.type_mesure in ('APJM', 'CJM')

),

status as (

    -- ex-MNA as the service describes the person (any of its producers saying so)
    select
        dept_service,
        id_jeune,
        bool_or(mna) as mna
    from jeunes
    group by dept_service, id_jeune

)

select
    young_adult_measures.*,
    status.mna
from young_adult_measures
left join status
on
    young_adult_measures.dept_service = status.dept_service
    and young_adult_measures.id_jeune = status.id_jeune
