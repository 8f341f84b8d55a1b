{#- Ages are computed at month precision from `annee_mois_naissance` (exports.md §3): a person
    born in 2006-03 is 18 from 2024-03-01. -#}

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
    1 January Y (marts.md, shared definitions). -#}
{% macro active_in_year(start, end, annee) -%}
    ({{ start }} <= make_date({{ annee }}, 12, 31)
     and ({{ end }} is null or {{ end }} >= make_date({{ annee }}, 1, 1)))
{%- endmacro %}

{% macro days_in_year(annee) -%}
    (make_date({{ annee }}, 12, 31) - make_date({{ annee }}, 1, 1) + 1)
{%- endmacro %}

{#- The department shown for a delivery's department code: the two child-protection services
    of department 69 (69D Rhône, 69M Métropole de Lyon) count as 69 (exports.md §1). -#}
{% macro display_dept(code) -%}
    case when {{ code }} in ('69D', '69M') then '69' else {{ code }} end
{%- endmacro %}

{#- Today's view of a model computed per vintage (millésime): its latest vintage, which uses
    every accepted delivery. The vintaged models hold the logic; today's models are this filter,
    so that the PDALHPD backtest and every other mart share one definition. -#}
{% macro latest_vintage(relation) -%}
select * exclude (millesime)
from {{ relation }}
where millesime = (select max(millesime) from {{ relation }})
{%- endmacro %}
