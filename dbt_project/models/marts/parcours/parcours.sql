-- What exits lead to (docs/marts.md), per department and year of exit, and for the region (its
-- counts are the sums of its departments'). A department-year's four rows are provisional while
-- one of its exits is less than 365 days before the end of what the Missions Locales or the
-- Habitat Jeunes have delivered: its window (365 days after the exit) is not fully observed, so
-- an accompaniment or a stay may still appear with the next delivery.

with

territoires as (

    select * from {{ ref('territoires') }}

),

delivered as (

    select * from {{ ref('int_livraisons_ase_listed') }}

),

exits as (

    select * from {{ ref('int_sorties_linked') }}

),

observation_ml as (

    select * from {{ ref('int_observation_ended') }}

),

annees_hj as (

    select * from {{ ref('int_annees_hj_listed') }}

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

observation_hj as (

    select make_date(max(annee), 12, 31) as fin_observation
    from annees_hj

),

observation as (

    -- The pathways' observation end: 31 December of the latest year delivered by any Mission
    -- Locale, or by any Habitat Jeunes association, whichever comes first (a source that never
    -- delivered does not hold it back; null when neither has).
    select least(observation_ml.fin_observation, observation_hj.fin_observation) as fin_observation
    from observation_ml
    cross join observation_hj

),

grid as (

    -- every department and delivered year, and the region for the years of its departments
    select distinct
        territoires.territoire as dept,
        territoires.nom_territoire,
        delivered.annee
    from delivered
    inner join territoires
    on delivered.dept = territoires.dept

),

counted_exits as (

    -- a service's exits of year Y count only when it delivered Y; each exit counts for its
    -- department and, in the region, for the region
    select
        exits.annee,
        territoires.territoire as dept,
        exits.parcours,
        coalesce(exits.date_sortie + 365 > observation.fin_observation, true) as recul_insuffisant
    from exits
    inner join delivered
    on
        exits.dept_service = delivered.dept_service
        and exits.annee = delivered.annee
    inner join territoires
    on exits.dept = territoires.dept
    cross join observation

),

counted as (

    select
        annee,
        dept,
        parcours,
        count(*) as nb_sorties
    from counted_exits
    group by annee, dept, parcours

),

provisional as (

    select
        annee,
        dept,
        bool_or(recul_insuffisant) as provisoire
    from counted_exits
    group by annee, dept

),

final as (

    select
        grid.annee as annee_sortie,
        grid.dept,
        grid.nom_territoire,
        coalesce(provisional.provisoire, false) as provisoire,
        categories.parcours,
        coalesce(counted.nb_sorties, 0) as nb_sorties
    from grid
    cross join categories
    left join counted
    on
        grid.annee = counted.annee
        and grid.dept = counted.dept
        and categories.parcours = counted.parcours
    left join provisional
    on
        grid.annee = provisional.annee
        and grid.dept = provisional.dept

)

select * from final
order by annee_sortie, dept, parcours
