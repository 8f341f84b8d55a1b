{#- The column holds only codes of its list in the export contract (`contract_codes`, generated
    from pipelines/lib/contract/tables.py): the code lists are written once, in the contract. -#}
{% test code_du_contrat(model, column_name, table) %}
select {{ column_name }}
from {{ model }}
where
    {{ column_name }} is not null
    and {{ column_name }} not in (
        {%- for code in contract_codes(table, column_name) %}'{{ code }}'{{ ', ' if not loop.last }}{% endfor -%}
    )
{% endtest %}

{#- The column holds only the contract's source codes (ase, ml, hj). -#}
{% test sources_du_contrat(model, column_name) %}
select {{ column_name }}
from {{ model }}
where
    {{ column_name }} is not null
    and {{ column_name }} not in (
        {%- for source in contract_sources() %}'{{ source }}'{{ ', ' if not loop.last }}{% endfor -%}
    )
{% endtest %}
