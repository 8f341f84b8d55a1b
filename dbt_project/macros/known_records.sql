{#- The records of one table as the accepted deliveries know them (docs/contrat-echange.md §1).

    - Latest year wins: one row per business key within a source, a delivery department
      (`dept_service`) and a producer — business keys are unique per producer, so two Missions
      Locales of one department that both use `A1` keep two rows. Within a year, the latest load.
    - A record an extract no longer holds has ended: when the row that wins comes from the
      extract of year Y and its partition (source, `dept_service`, producer) has an accepted
      delivery of a later year — which therefore no longer holds the key — a missing end, or an
      end after 31 December Y, becomes 31 December Y and `fin_estimee` is true. (The contract
      speaks of Y+1; a later year proves the same when Y+1 was never delivered.)
    - `by_vintage`: the same, once per vintage (millésime) V = each reference year with an
      accepted delivery of the source, using only the deliveries of reference years up to V
      ("as known at the time", docs/marts.md, `besoin_logement_pdalhpd`). Adds the column
      `millesime`.

    `relation` must have `dept_service`, `producteur`, `annee_livraison`, `_charge_le`,
    `_livraison`, the key columns and the end column. -#}

{% macro known_records(relation, source_name, key_columns, end_column=none, by_vintage=false) -%}
{%- set partition = ['dept_service', 'producteur'] + key_columns -%}
{%- if by_vintage %}{% set partition = ['millesime'] + partition %}{% endif -%}
select
    {%- if end_column %}
    latest.* replace (
        case
            when latest.fin_estimee then make_date(latest.annee_livraison, 12, 31)
            else latest.{{ end_column }}
        end as {{ end_column }}
    )
    {%- else %}
    latest.*
    {%- endif %}
from (
    select
        versions.*
        {%- if by_vintage %},
        millesimes.millesime
        {%- endif %}
        {%- if end_column %},
        coalesce(
            later.derniere_annee > versions.annee_livraison
            and (
                versions.{{ end_column }} is null
                or versions.{{ end_column }} > make_date(versions.annee_livraison, 12, 31)
            ),
            false
        ) as fin_estimee
        {%- endif %}
    from {{ relation }} as versions
    {%- if by_vintage %}
    inner join (
        select distinct annee as millesime
        from {{ ref('stg_audit__livraisons_acceptees') }}
        where source = '{{ source_name }}'
    ) as millesimes
    on versions.annee_livraison <= millesimes.millesime
    {%- endif %}
    {%- if end_column %}
    left join (
        -- the latest accepted reference year of each partition{% if by_vintage %}, per vintage{% endif %}
        select
            {%- if by_vintage %}
            vintages.millesime,
            {%- endif %}
            deliveries.dept_service,
            deliveries.producteur,
            max(deliveries.annee) as derniere_annee
        from {{ ref('stg_audit__livraisons_acceptees') }} as deliveries
        {%- if by_vintage %}
        inner join (
            select distinct annee as millesime
            from {{ ref('stg_audit__livraisons_acceptees') }}
            where source = '{{ source_name }}'
        ) as vintages
        on deliveries.annee <= vintages.millesime
        {%- endif %}
        where deliveries.source = '{{ source_name }}'
        group by {% if by_vintage %}vintages.millesime, {% endif %}deliveries.dept_service, deliveries.producteur
    ) as later
    on
        {% if by_vintage %}millesimes.millesime = later.millesime
        and {% endif %}versions.dept_service = later.dept_service
        and versions.producteur = later.producteur
    {%- endif %}
    qualify row_number() over (
        partition by {% for c in partition %}{% if c == 'millesime' %}millesimes.millesime{% else %}versions.{{ c }}{% endif %}{{ ', ' if not loop.last }}{% endfor %}
        order by versions.annee_livraison desc, versions._charge_le desc, versions._livraison desc
    ) = 1
) as latest
{%- endmacro %}
