-- Young adults accompanied (marts.md): a person with an APJM or CJM measure active in the
-- year, for every department and year with an ASE delivery.

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
        mesures.dept = delivered.dept
        and {{ active_in_year('mesures.date_debut', 'mesures.date_fin', 'delivered.annee') }}
    where mesures.type_mesure in ('APJM', 'CJM')

)

select
    young_adult_measures.*,
    jeunes.mna
from young_adult_measures
left join jeunes
on
    young_adult_measures.dept_service = jeunes.dept_service
    and young_adult_measures.id_jeune = jeunes.id_jeune
