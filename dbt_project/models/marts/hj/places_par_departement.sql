with

territoires as (

    select * from {{ ref('territoires') }}

),

departements as (

    select * from {{ ref('cog_departements') }}

),

annees as (

    select * from {{ ref('int_annees_hj_listed') }}

),

residences as (

    select * from {{ ref('stg_hj__residences') }}

),

conventions as (

    select * from {{ ref('int_conventions_annualised') }}

),

grid as (

    -- Every department of the region, every year with an HJ delivery: a department with no
    -- Habitat Jeunes offer is a finding, not a missing row.
    select
        annees.annee,
        departements.code as dept
    from departements
    cross join annees
    where departements.region = '{{ var("region") }}'

),

offer as (

    select
        annee_livraison as annee,
        dept,
        count(*) as nb_residences,
        cast(sum(capacite_places) as bigint) as capacite_places
    from residences
    group by annee_livraison, dept

),

conventions_in_year as (

    -- Conventions active at any time in the year.
    select
        annee,
        dept,
        count(*) as nb_conventions
    from conventions
    group by annee, dept

),

reserved as (

    -- Places are a stock: those of the conventions active on 31 December (successive
    -- conventions are not added up).
    select
        annee,
        dept,
        cast(sum(places_reservees) as bigint) as places_conventionnees,
        cast(sum(case when financeur = 'CD' then places_reservees else 0 end) as bigint) as places_conventionnees_cd,
        cast(sum(case when public = 'CJM' then places_reservees else 0 end) as bigint) as places_cjm,
        cast(sum(case when public = 'EX_MNA' then places_reservees else 0 end) as bigint) as places_ex_mna,
        cast(sum(case when public = 'MINEURS_PROTEGES' then places_reservees else 0 end) as bigint)
            as places_mineurs_proteges,
        cast(sum(case when public = 'ASE_TOUS' then places_reservees else 0 end) as bigint) as places_ase_tous,
        cast(sum(case when public = 'JEUNES_RUPTURE' then places_reservees else 0 end) as bigint)
            as places_jeunes_rupture
    from conventions
    where active_au_31_decembre
    group by annee, dept

),

per_department as (

    select
        grid.annee,
        grid.dept,
        coalesce(offer.nb_residences, 0) as nb_residences,
        coalesce(offer.capacite_places, 0) as capacite_places,
        coalesce(conventions_in_year.nb_conventions, 0) as nb_conventions,
        coalesce(reserved.places_conventionnees, 0) as places_conventionnees,
        coalesce(reserved.places_conventionnees_cd, 0) as places_conventionnees_cd,
        coalesce(reserved.places_cjm, 0) as places_cjm,
        coalesce(reserved.places_ex_mna, 0) as places_ex_mna,
        coalesce(reserved.places_mineurs_proteges, 0) as places_mineurs_proteges,
        coalesce(reserved.places_ase_tous, 0) as places_ase_tous,
        coalesce(reserved.places_jeunes_rupture, 0) as places_jeunes_rupture
    from grid
    left join offer
    on
        grid.annee = offer.annee
        and grid.dept = offer.dept
    left join conventions_in_year
    on
        grid.annee = conventions_in_year.annee
        and grid.dept = conventions_in_year.dept
    left join reserved
    on
        grid.annee = reserved.annee
        and grid.dept = reserved.dept

),

-- The departments' rows, and the region's: their sums.
per_territory as (

    {{ territory_rollup(
        'per_department',
        keys=['annee'],
        counts=[
            'nb_residences', 'capacite_places', 'nb_conventions', 'places_conventionnees',
            'places_conventionnees_cd', 'places_cjm', 'places_ex_mna', 'places_mineurs_proteges',
            'places_ase_tous', 'places_jeunes_rupture',
        ],
    ) }}

),

final as (

    select
        annee,
        dept,
        nom_territoire,
        nb_residences,
        capacite_places,
        nb_conventions,
        places_conventionnees,
        places_conventionnees_cd,
        places_cjm,
        places_ex_mna,
        places_mineurs_proteges,
        places_ase_tous,
        places_jeunes_rupture,
        places_conventionnees_cd / nullif(capacite_places, 0) as part_places_cd
    from per_territory

)

select * from final
order by annee, dept
