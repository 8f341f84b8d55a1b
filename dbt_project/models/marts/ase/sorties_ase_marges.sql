-- Exits by situation, one dimension at a time (marts.md 1.1): for each department and year with
-- an ASE delivery, and for the region, the exits by age band, housing, activity and resources
-- at exit. Every modality of the code list appears, zeros included, so that each dimension's
-- rows add up to `sorties_ase_synthese.nb_sorties` and the table keeps the same grid every year.
{%- set dimensions = {
    'tranche_age_sortie': ['18', '19', '20', '21_PLUS'],
    'logement_sortie': contract_codes('ase_sorties', 'logement_sortie'),
    'activite_sortie': contract_codes('ase_sorties', 'activite_sortie'),
    'ressources_sortie': contract_codes('ase_sorties', 'ressources_sortie'),
} %}

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

    -- Each dimension's modalities in the order of the code list (age bands in age order).
    {%- for dimension, codes in dimensions.items() %}
    {%- set outer_loop = loop %}
    {%- for code in codes %}
    select
        '{{ dimension }}' as dimension,
        '{{ code }}' as modalite,
        {{ outer_loop.index }} as rang_dimension,
        {{ loop.index }} as rang_modalite
    {%- if not (outer_loop.last and loop.last) %}
    union all
    {%- endif %}
    {%- endfor %}
    {%- endfor %}

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

    {%- for dimension in dimensions %}
    select
        annee,
        dept,
        '{{ dimension }}' as dimension,
        {{ dimension }} as modalite
    from counted_exits
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}

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

per_territory as (

    -- The departments' rows, and the region's: their sums.
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
