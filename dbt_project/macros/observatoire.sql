{#- Ages are computed at month precision from `annee_mois_naissance` (docs/contrat-echange.md
    §3): a person born in 2006-03 is 18 from 2024-03-01. -#}

{% macro birth_month(annee_mois) -%}
    cast({{ annee_mois }} || '-01' as date)
{%- endmacro %}

{% macro birthday(annee_mois, years) -%}
    cast({{ birth_month(annee_mois) }} + to_years({{ years }}) as date)
{%- endmacro %}

{% macro age_at(annee_mois, day) -%}
    cast(floor(
        ((year({{ day }}) * 12 + month({{ day }}))
        - (year({{ birth_month(annee_mois) }}) * 12 + month({{ birth_month(annee_mois) }}))) / 12
    ) as integer)
{%- endmacro %}

{#- Active in year Y: starts on or before 31 December Y, and has no end or ends on or after
    1 January Y (docs/marts.md, « Définitions communes »). -#}
{% macro active_in_year(start, end, annee) -%}
    ({{ start }} <= make_date({{ annee }}, 12, 31)
     and ({{ end }} is null or {{ end }} >= make_date({{ annee }}, 1, 1)))
{%- endmacro %}

{% macro days_in_year(annee) -%}
    (make_date({{ annee }}, 12, 31) - make_date({{ annee }}, 1, 1) + 1)
{%- endmacro %}

{#- The department shown for a delivery's department code: the ASE services that count as
    another department (69D Rhône and 69M Métropole de Lyon count as 69,
    docs/contrat-echange.md §1), from the contract (`ase_service_departments`, generated in
    contract.sql). -#}
{% macro display_dept(code) -%}
    case {{ code }}
    {%- for service, dept in ase_service_departments().items() %} when '{{ service }}' then '{{ dept }}'{% endfor %}
    else {{ code }} end
{%- endmacro %}

{#- Today's view of a model computed per vintage (millésime): its latest vintage, which uses
    every accepted delivery. The vintaged models hold the logic; today's models are this filter,
    so that the PDALHPD backtest and every other mart share one definition. -#}
{% macro latest_vintage(relation) -%}
select * exclude (millesime)
from {{ relation }}
where millesime = (select max(millesime) from {{ relation }})
{%- endmacro %}

{#- Regional rows (docs/marts.md, « Pour les lecteurs »): a mart's department rows rolled up to
    their territories through the model `territoires` (imported as a CTE named `territoires`):
    each department row counts once for itself and, for a department of the region, once more for
    the region (`dept` = R<region code>, R76 for Occitanie). `relation` holds one row per
    department (`dept`) and values of `keys`; the result has `dept` (the territory),
    `nom_territoire`, `est_region`, the keys, `nb_departements` (the department rows it adds up),
    and:
    - `counts`: summed, as integers (a person counted in two departments counts in each, as in
      the department rows: the regional row is the total of its departments' rows, which is
      what disclosure control assumes);
    - `amounts`: summed as they are (expected exits, decimals);
    - `flags`: true when any department's row is (`provisoire`).
    Shares, rates and quantiles are never rolled up: each mart recomputes them from the rolled-up
    counts (or, for quantiles, from the region's exits), in one expression for both kinds of
    rows. -#}
{% macro territory_rollup(relation, keys, counts=[], amounts=[], flags=[]) -%}
    select
        territoires.territoire as dept,
        territoires.nom_territoire,
        territoires.est_region,
        {%- for key in keys %}
        {{ relation }}.{{ key }},
        {%- endfor %}
        {%- for column in counts %}
        cast(sum({{ relation }}.{{ column }}) as bigint) as {{ column }},
        {%- endfor %}
        {%- for column in amounts %}
        sum({{ relation }}.{{ column }}) as {{ column }},
        {%- endfor %}
        {%- for column in flags %}
        bool_or({{ relation }}.{{ column }}) as {{ column }},
        {%- endfor %}
        count(*) as nb_departements
    from {{ relation }}
    inner join territoires
    on {{ relation }}.dept = territoires.dept
    group by
        territoires.territoire,
        territoires.nom_territoire,
        territoires.est_region
        {%- for key in keys %},
        {{ relation }}.{{ key }}
        {%- endfor %}
{%- endmacro %}

{#- Data test: every regional row (`dept` = R<region>) holds, in each of `columns`, the sum of
    the rows of the region's departments with the same `keys` — what disclosure control assumes
    when it treats the department rows as the parts of the regional row. -#}
{% test regional_rows_add_up(model, keys, columns) %}
with

territoires as (

    select * from {{ ref('territoires') }}
    where est_region

),

departments as (

    select
        territoires.territoire as dept,
        {%- for key in keys %}
        rows_.{{ key }},
        {%- endfor %}
        {%- for column in columns %}
        sum(rows_.{{ column }}) as {{ column }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ model }} as rows_
    inner join territoires
    on rows_.dept = territoires.dept
    group by all

),

regions as (

    select * from {{ model }}
    where dept in (select territoire from territoires)

)

select
    coalesce(departments.dept, regions.dept) as dept
    {%- for key in keys %},
    coalesce(departments.{{ key }}, regions.{{ key }}) as {{ key }}
    {%- endfor %}
from departments
full outer join regions
on
    departments.dept = regions.dept
    {%- for key in keys %}
    and departments.{{ key }} is not distinct from regions.{{ key }}
    {%- endfor %}
where
    departments.dept is null
    or regions.dept is null
    {%- for column in columns %}
    or departments.{{ column }} is distinct from regions.{{ column }}
    {%- endfor %}
{% endtest %}

{#- Data test: the rows sharing `by` add up, in the tested column, to `total_column` of the
    `total` model's row matched by `matching` (column of the model → column of the total), e.g.
    each dimension of `sorties_ase_marges` to `sorties_ase_synthese.nb_sorties`: what disclosure
    control assumes of a `sommes_de_lignes` declaration. -#}
{% test rows_add_up_to(model, column_name, by, total, total_column, matching) %}
with

parts as (

    select
        {%- for column in by %}
        {{ column }},
        {%- endfor %}
        sum({{ column_name }}) as somme
    from {{ model }}
    group by all

),

totals as (

    select * from {{ total }}

)

select parts.*
from parts
left join totals
on
    {%- for column, other in matching.items() %}
    parts.{{ column }} = totals.{{ other }}{{ ' and' if not loop.last }}
    {%- endfor %}
where parts.somme is distinct from totals.{{ total_column }}
{% endtest %}
