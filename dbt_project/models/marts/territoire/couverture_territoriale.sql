with

territoires as (

    select * from {{ ref('territoires') }}

),

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

conventions as (

    select * from {{ ref('int_conventions_annualised') }}

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

financed as (

    -- Places financed by each department's CD, wherever the residence: conventions with
    -- `financeur` CD and `dept_financeur` the department, active on 31 December (a stock).
    select
        annee,
        {{ display_dept('dept_financeur') }} as dept,
        cast(sum(places_reservees) as bigint) as places_financees_cd
    from conventions
    where
        financeur = 'CD'
        and active_au_31_decembre
    group by annee, {{ display_dept('dept_financeur') }}

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

per_department as (

    select
        grid.annee,
        grid.dept,
        coalesce(missions_locales.nb_missions_locales, 0) as nb_missions_locales,
        coalesce(places.nb_residences, 0) as nb_residences_hj,
        coalesce(places.capacite_places, 0) as capacite_hj,
        coalesce(financed.places_financees_cd, 0) as places_financees_cd,
        accompanied.nb_jeunes_majeurs_accompagnes,
        -- the places the ratio is computed over: those of departments with young adults counted
        case
            when accompanied.nb_jeunes_majeurs_accompagnes is not null
                then coalesce(financed.places_financees_cd, 0)
        end as places_financees_cd_ratio,
        places.annee is not null as livraison_hj,
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
    left join financed
    on
        grid.annee = financed.annee
        and grid.dept = financed.dept
    left join accompanied
    on
        grid.annee = accompanied.annee
        and grid.dept = accompanied.dept

),

per_territory as (

    {{ territory_rollup(
        'per_department',
        keys=['annee'],
        counts=[
            'nb_missions_locales', 'nb_residences_hj', 'capacite_hj', 'places_financees_cd',
            'nb_jeunes_majeurs_accompagnes', 'places_financees_cd_ratio',
        ],
        flags=['livraison_hj', 'livraison_ase', 'livraison_ml'],
    ) }}

),

final as (

    select
        annee,
        dept,
        nom_territoire,
        nb_missions_locales,
        nb_residences_hj,
        capacite_hj,
        places_financees_cd,
        nb_jeunes_majeurs_accompagnes,
        100.0 * places_financees_cd_ratio / nullif(nb_jeunes_majeurs_accompagnes, 0)
            as places_cd_pour_100_jeunes_majeurs,
        case when livraison_hj then nb_residences_hj = 0 end as sans_offre_hj,
        livraison_ase,
        livraison_ml
    from per_territory

)

select * from final
order by annee, dept
