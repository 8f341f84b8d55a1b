with

territoires as (

    select * from {{ ref('territoires') }}

),

delivered as (

    select * from {{ ref('int_livraisons_ase_listed') }}

),

exits as (

    select * from {{ ref('int_sorties_matched') }}

),

spells as (

    select * from {{ ref('int_prises_en_charge_aggregated') }}

),

grid as (

    -- one row per displayed department (69D and 69M count as 69) and delivered year
    select distinct
        dept,
        annee
    from delivered

),

exits_per_year as (

    -- a service's exits of year Y count only when it delivered Y
    select
        exits.annee,
        exits.dept,
        count(*) as nb_sorties,
        count(*) filter (where exits.est_sortie_seche) as nb_sorties_seches,
        count(*) filter (where exits.est_situation_inconnue) as nb_situation_inconnue
    from exits
    inner join delivered
    on
        exits.dept_service = delivered.dept_service
        and exits.annee = delivered.annee
    group by exits.annee, exits.dept

),

returns_per_year as (

    select
        delivered.annee,
        delivered.dept,
        count(*) as nb_retours
    from spells
    inner join delivered
    on
        spells.dept_service = delivered.dept_service
        and year(spells.date_debut) = delivered.annee
    where spells.est_retour
    group by delivered.annee, delivered.dept

),

per_department as (

    select
        grid.annee,
        grid.dept,
        coalesce(exits_per_year.nb_sorties, 0) as nb_sorties,
        coalesce(exits_per_year.nb_sorties_seches, 0) as nb_sorties_seches,
        coalesce(exits_per_year.nb_situation_inconnue, 0) as nb_situation_inconnue,
        coalesce(returns_per_year.nb_retours, 0) as nb_retours
    from grid
    left join exits_per_year
    on
        grid.annee = exits_per_year.annee
        and grid.dept = exits_per_year.dept
    left join returns_per_year
    on
        grid.annee = returns_per_year.annee
        and grid.dept = returns_per_year.dept

),

-- The departments' rows, and the region's: their sums (exits and returns counted each).
per_territory as (

    {{ territory_rollup(
        'per_department',
        keys=['annee'],
        counts=['nb_sorties', 'nb_sorties_seches', 'nb_situation_inconnue', 'nb_retours'],
    ) }}

),

final as (

    select
        annee,
        dept,
        nom_territoire,
        nb_sorties,
        nb_sorties_seches,
        nb_sorties_seches / nullif(nb_sorties - nb_situation_inconnue, 0) as part_sorties_seches,
        nb_situation_inconnue,
        nb_retours
    from per_territory

)

select * from final
order by annee, dept
