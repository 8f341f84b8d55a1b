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

exits as (

    select * from {{ ref('int_sorties_matched') }}

),

conventions as (

    select * from {{ ref('int_conventions_annualised') }}

),

sejours as (

    select * from {{ ref('stg_hj__sejours') }}

),

personnes as (

    select * from {{ ref('int_personnes_linked') }}

),

residences as (

    select * from {{ ref('stg_hj__residences') }}

),

populations as (

    select 'JEUNES_MAJEURS' as population
    union all
    select 'SORTIES'
    union all
    select 'HJ_CONVENTION_CD'

),

ase_persons as (

    select distinct
        annee,
        dept,
        'JEUNES_MAJEURS' as population,
        dept_service,
        id_jeune,
        mna
    from jeunes_majeurs
    union all
    -- a service's exits of year Y count only when it delivered Y
    select distinct
        exits.annee,
        exits.dept,
        'SORTIES' as population,
        exits.dept_service,
        exits.id_jeune,
        exits.mna
    from exits
    inner join delivered
    on
        exits.dept_service = delivered.dept_service
        and exits.annee = delivered.annee

),

hj_persons as (

    -- Persons with a stay active in the year under a convention financed by a CD; their ex-MNA
    -- status comes from any ASE delivery that knows them; the others are left out of both counts.
    select distinct
        conventions.annee,
        conventions.dept,
        'HJ_CONVENTION_CD' as population,
        sejours.id_jeune,
        personnes.mna
    from conventions
    inner join sejours
    on
        conventions.dept_service = sejours.dept_service
        and conventions.producteur = sejours.producteur
        and conventions.id_convention = sejours.id_convention
        and {{ active_in_year('sejours.date_entree', 'sejours.date_sortie', 'conventions.annee') }}
    inner join personnes
    on
        sejours.id_jeune = personnes.id_jeune
        and personnes.connu_ase
    where conventions.financeur = 'CD'

),

grid as (

    select distinct
        delivered.annee,
        delivered.dept,
        populations.population
    from delivered
    cross join populations
    where populations.population in ('JEUNES_MAJEURS', 'SORTIES')
    union all
    -- HJ rows: every department with a residence in the year's HJ deliveries.
    select distinct
        residences.annee_livraison as annee,
        residences.dept,
        'HJ_CONVENTION_CD' as population
    from residences

),

counted as (

    select
        annee,
        dept,
        population,
        count(*) as nb_jeunes,
        count(*) filter (where mna) as nb_ex_mna
    from (
        -- a person counted once per department, year and population
        select
            annee,
            dept,
            population,
            id_jeune,
            bool_or(mna) as mna
        from ase_persons
        group by annee, dept, population, id_jeune
        union all
        select
            annee,
            dept,
            population,
            id_jeune,
            bool_or(mna) as mna
        from hj_persons
        group by annee, dept, population, id_jeune
    ) as persons
    group by annee, dept, population

),

per_department as (

    select
        grid.annee,
        grid.dept,
        grid.population,
        coalesce(counted.nb_jeunes, 0) as nb_jeunes,
        coalesce(counted.nb_ex_mna, 0) as nb_ex_mna
    from grid
    left join counted
    on
        grid.annee = counted.annee
        and grid.dept = counted.dept
        and grid.population = counted.population

),

-- The departments' rows, and the region's: their sums (a person known to two departments
-- counts in each, as in the department rows).
per_territory as (

    {{ territory_rollup(
        'per_department',
        keys=['annee', 'population'],
        counts=['nb_jeunes', 'nb_ex_mna'],
    ) }}

),

final as (

    select
        annee,
        dept,
        nom_territoire,
        population,
        nb_jeunes,
        nb_ex_mna,
        nb_ex_mna / nullif(nb_jeunes, 0) as part_ex_mna
    from per_territory

)

select * from final
order by annee, dept, population
