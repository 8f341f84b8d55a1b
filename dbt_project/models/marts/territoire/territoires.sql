-- The territories a department's figures count in (docs/marts.md, « Pour les lecteurs »): the
-- department itself and, for the departments of the region (var `region`), the whole region,
-- written `R<region code>` (R76 for Occitanie) as French public statistics write FE or FM for
-- national rows. Every published mart with one row per department rolls its department rows up
-- through this table (macro `territory_rollup`), so that regional rows are made once, the same way,
-- from exact values; and every published mart with a `dept` takes `nom_territoire` from it.

with

departements as (

    select * from {{ ref('cog_departements') }}

),

regions as (

    select * from {{ ref('cog_regions') }}

),

own as (

    select
        code as dept,
        code as territoire,
        nom as nom_territoire,
        false as est_region
    from departements

),

regional as (

    select
        departements.code as dept,
        'R' || regions.code as territoire,
        regions.nom as nom_territoire,
        true as est_region
    from departements
    inner join regions
    on departements.region = regions.code
    where regions.code = '{{ var("region") }}'

),

final as (

    select * from own
    union all
    select * from regional

)

select * from final
order by dept, territoire
