{#- The combination of `columns` is unique in the model (dbt_utils is not a dependency: the
    platform installs nothing from the dbt hub at run time). -#}
{% test unique_combination(model, columns) %}
select {{ columns | join(', ') }}, count(*) as n
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}
