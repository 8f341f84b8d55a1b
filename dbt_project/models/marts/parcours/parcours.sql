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

counted as (

    select
        annee,
        dept,
        parcours,
        count(*) as nb_sorties
    from exits
    group by annee, dept, parcours

),

final as (

    select
        delivered.annee as annee_sortie,
        delivered.dept,
        categories.parcours,
        coalesce(counted.nb_sorties, 0) as nb_sorties
    from delivered
    cross join categories
    left join counted
    on
        delivered.annee = counted.annee
        and delivered.dept = counted.dept
        and categories.parcours = counted.parcours

)

select * from final
order by annee_sortie, dept, parcours
