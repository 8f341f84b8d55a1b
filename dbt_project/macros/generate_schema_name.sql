{#- Layers go to their own schema (staging, intermediate, marts, reference), not to
    "<target>_<layer>": analysts query `marts.<mart>`. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}
