with

departements as (

    select * from {{ ref('cog_departements') }}

),

livraisons as (

    select * from {{ ref('stg_audit__livraisons_acceptees') }}

),

structures_ml as (

    select * from {{ ref('stg_ml__missions_locales') }}

),

places as (

    select * from {{ ref('places_par_departement') }}

),

bilan as (

    select * from {{ ref('bilan_odpe') }}

),

years as (

    select distinct annee from livraisons

),

grid as (

    select
        years.annee,
        departements.code as dept
    from departements
    cross join years
    where departements.region = '{{ var("region") }}'

),

missions_locales as (

    -- Missions Locales of the year's ML deliveries, by their department.
    select
        annee_livraison as annee,
        dept,
        count(distinct code_ml) as nb_missions_locales
    from structures_ml
    group by annee_livraison, dept

),

accompanied as (

    -- Young adults accompanied: the ODPE report's count, for the years with an ASE delivery.
    select
        annee,
        dept,
        nb_jeunes_majeurs_accompagnes
    from bilan

),

delivered as (

    select distinct
        source,
        dept,
        annee
    from livraisons

),

final as (

    select
        grid.annee,
        grid.dept,
        coalesce(missions_locales.nb_missions_locales, 0) as nb_missions_locales,
        coalesce(places.nb_residences, 0) as nb_residences_hj,
        coalesce(places.capacite_places, 0) as capacite_hj,
        coalesce(places.places_conventionnees_cd, 0) as places_conventionnees_cd,
        accompanied.nb_jeunes_majeurs_accompagnes,
        100.0 * coalesce(places.places_conventionnees_cd, 0)
        / nullif(accompanied.nb_jeunes_majeurs_accompagnes, 0) as places_cd_pour_100_jeunes_majeurs,
        case when places.annee is null then null else coalesce(places.nb_residences, 0) = 0 end
            as sans_offre_hj,
        exists(
            select 1
            from delivered
            where
                delivered.source = 'ase'
                and delivered.dept = grid.dept and delivered.annee = grid.annee
        ) as livraison_ase,
        exists(
            select 1
            from delivered
            where
                delivered.source = 'ml'
                and delivered.dept = grid.dept and delivered.annee = grid.annee
        ) as livraison_ml
    from grid
    left join missions_locales
    on
        grid.annee = missions_locales.annee
        and grid.dept = missions_locales.dept
    left join places
    on
        grid.annee = places.annee
        and grid.dept = places.dept
    left join accompanied
    on
        grid.annee = accompanied.annee
        and grid.dept = accompanied.dept

)

select * from final
order by annee, dept
