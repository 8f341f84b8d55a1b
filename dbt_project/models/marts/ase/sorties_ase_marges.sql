-- Exits by situation, one dimension at a time (docs/marts.md): for each department and year with
-- an ASE delivery, and for the region, the exits by age band, housing, activity and resources
-- at exit. Every modality of the code list appears, zeros included, so that each dimension's
-- rows add up to `sorties_ase_synthese.nb_sorties` and the table keeps the same grid every year.

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

modalities as (

    -- Each dimension's modalities in the order of its code list (ages in age order); the lists
    -- of the export contract (`contract_codes`) render as DuckDB lists.
    select
        dimension,
        rang_dimension,
        unnest(codes) as modalite,
        generate_subscripts(codes, 1) as rang_modalite
    from (
        select
            'tranche_age_sortie' as dimension,
            1 as rang_dimension,
            ['18', '19', '20', '21_PLUS'] as codes
        union all
        select
            'logement_sortie' as dimension,
            2 as rang_dimension,
            {{ contract_codes('ase_sorties', 'logement_sortie') }} as codes
        union all
        select
            'activite_sortie' as dimension,
            3 as rang_dimension,
            {{ contract_codes('ase_sorties', 'activite_sortie') }} as codes
        union all
        select
            'ressources_sortie' as dimension,
            4 as rang_dimension,
            {{ contract_codes('ase_sorties', 'ressources_sortie') }} as codes
    ) as code_lists

),

grid as (

    -- one row per displayed department (69D and 69M count as 69), delivered year and modality
    select distinct
        delivered.dept,
        delivered.annee,
        modalities.dimension,
        modalities.modalite,
        modalities.rang_dimension,
        modalities.rang_modalite
    from delivered
    cross join modalities

),

counted_exits as (

    -- a service's exits of year Y count only when it delivered Y
    select exits.*
    from exits
    inner join delivered
    on
        exits.dept_service = delivered.dept_service
        and exits.annee = delivered.annee

),

exit_modalities as (

    -- each exit once in each dimension
    select
        annee,
        dept,
        'tranche_age_sortie' as dimension,
        tranche_age_sortie as modalite
    from counted_exits
    union all
    select
        annee,
        dept,
        'logement_sortie' as dimension,
        logement_sortie as modalite
    from counted_exits
    union all
    select
        annee,
        dept,
        'activite_sortie' as dimension,
        activite_sortie as modalite
    from counted_exits
    union all
    select
        annee,
        dept,
        'ressources_sortie' as dimension,
        ressources_sortie as modalite
    from counted_exits

),

counted as (

    select
        annee,
        dept,
        dimension,
        modalite,
        count(*) as nb_sorties
    from exit_modalities
    group by annee, dept, dimension, modalite

),

per_department as (

    select
        grid.annee,
        grid.dept,
        grid.dimension,
        grid.modalite,
        grid.rang_dimension,
        grid.rang_modalite,
        coalesce(counted.nb_sorties, 0) as nb_sorties
    from grid
    left join counted
    on
        grid.annee = counted.annee
        and grid.dept = counted.dept
        and grid.dimension = counted.dimension
        and grid.modalite = counted.modalite

),

-- The departments' rows, and the region's: their sums.
per_territory as (

    {{ territory_rollup(
        'per_department',
        keys=['annee', 'dimension', 'modalite', 'rang_dimension', 'rang_modalite'],
        counts=['nb_sorties'],
    ) }}

),

final as (

    select
        annee,
        dept,
        nom_territoire,
        dimension,
        modalite,
        nb_sorties,
        rang_dimension,
        rang_modalite
    from per_territory

)

-- modalities in the order of the code list, not alphabetical
select
    annee,
    dept,
    nom_territoire,
    dimension,
    modalite,
    nb_sorties
from final
order by annee, dept, rang_dimension, rang_modalite
