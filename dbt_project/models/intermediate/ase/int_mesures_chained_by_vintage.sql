-- Measures numbered into spells of care (docs/marts.md), in each vintage (millésime): the measures
-- of one person in one delivering service (`dept_service`: 69D and 69M are two services), of any
-- type, chained when a measure starts no more than 31 days after the latest end so far of the
-- chain, or overlaps it. A running measure (no end) chains everything after it.

with

mesures as (

    select * from {{ ref('int_mesures_known_by_vintage') }}

),

with_latest_end as (

    select
        *,
        max(coalesce(date_fin, date '9999-12-31')) over (
            partition by millesime, dept_service, id_jeune
            order by date_debut, id_mesure, producteur
            rows between unbounded preceding and 1 preceding
        ) as fin_chaine_precedente
    from mesures

),

flagged as (

    select
        *,
        case
            when fin_chaine_precedente is null then 1
            when date_debut - fin_chaine_precedente > 31 then 1
            else 0
        end as debut_prise_en_charge
    from with_latest_end

),

numbered as (

    select
        millesime,
        dept_service,
        dept,
        producteur,
        id_jeune,
        id_mesure,
        type_mesure,
        mode_accueil,
        date_debut,
        date_fin,
        fin_estimee,
        motif_fin,
        sum(debut_prise_en_charge) over (
            partition by millesime, dept_service, id_jeune
            order by date_debut, id_mesure, producteur
            rows between unbounded preceding and current row
        ) as num_prise_en_charge
    from flagged

)

select * from numbered
