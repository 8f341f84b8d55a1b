with

delivered as (

    select * from {{ ref('int_livraisons_ase_listed') }}

),

exits as (

    select * from {{ ref('int_sorties_linked') }}

),

categories as (

    select 'ML_ET_HJ' as parcours
    union all
    select 'ML_SEUL'
    union all
    select 'HJ_SEUL'
    union all
    select 'AUCUN'

),

grid as (

    select distinct
        dept,
        annee
    from delivered

),

counted as (

    -- a service's exits of year Y count only when it delivered Y
    select
        exits.annee,
        exits.dept,
        exits.parcours,
        count(*) as nb_sorties
    from exits
    inner join delivered
    on
        exits.dept_service = delivered.dept_service
        and exits.annee = delivered.annee
    group by exits.annee, exits.dept, exits.parcours

),

final as (

    select
        grid.annee as annee_sortie,
        grid.dept,
        categories.parcours,
        coalesce(counted.nb_sorties, 0) as nb_sorties
    from grid
    cross join categories
    left join counted
    on
        grid.annee = counted.annee
        and grid.dept = counted.dept
        and categories.parcours = counted.parcours

)

select * from final
order by annee_sortie, dept, parcours
