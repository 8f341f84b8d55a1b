-- Persons in care on 31 December of year t (a spell started on or before that day and not
-- ended by it), in each vintage (millésime) V, their age that day, and what happened in year
-- t+1: whether the spell ended, whether that end is an exit (18 or older on the day after), and
-- the exit's housing situation. The base of the PDALHPD housing-need estimate. Years t, per
-- delivering service: each year it delivered up to V, and the year before; the outcome is
-- observed when the service delivered t+1 (up to V).

with

spells as (

    select * from {{ ref('int_prises_en_charge_aggregated_by_vintage') }}

),

exits as (

    select * from {{ ref('int_sorties_matched_by_vintage') }}

),

delivered as (

    select * from {{ ref('int_livraisons_ase_listed') }}

),

vintages as (

    select distinct annee as millesime
    from delivered

),

delivered_by_vintage as (

    select
        vintages.millesime,
        delivered.dept_service,
        delivered.dept,
        delivered.annee
    from vintages
    inner join delivered on vintages.millesime >= delivered.annee

),

year_ends as (

    select
        millesime,
        dept_service,
        dept,
        annee - 1 as annee_stock
    from delivered_by_vintage
    union
    select
        millesime,
        dept_service,
        dept,
        annee as annee_stock
    from delivered_by_vintage

),

stock as (

    select
        year_ends.millesime,
        year_ends.annee_stock,
        spells.dept,
        spells.dept_service,
        spells.id_jeune,
        spells.num_prise_en_charge,
        least({{ age_at('spells.annee_mois_naissance', 'make_date(year_ends.annee_stock, 12, 31)') }}, 21)
            as age,
        spells.date_fin
    from spells
    inner join year_ends
    on
        spells.millesime = year_ends.millesime
        and spells.dept_service = year_ends.dept_service
        and spells.date_debut <= make_date(year_ends.annee_stock, 12, 31)
        and (spells.date_fin is null or spells.date_fin > make_date(year_ends.annee_stock, 12, 31))

),

final as (

    select
        stock.millesime,
        stock.annee_stock,
        stock.dept,
        stock.dept_service,
        stock.id_jeune,
        stock.age,
        -- outcome known only when the service delivered year t+1 (within the vintage)
        exists(
            select 1 from delivered_by_vintage
            where
                delivered_by_vintage.millesime = stock.millesime
                and delivered_by_vintage.dept_service = stock.dept_service
                and delivered_by_vintage.annee = stock.annee_stock + 1
        ) as suite_observee,
        coalesce(year(stock.date_fin) = stock.annee_stock + 1, false) as fin_annee_suivante,
        exits.id_jeune is not null and year(exits.date_sortie) = stock.annee_stock + 1
            as sortie_annee_suivante,
        exits.logement_sortie
    from stock
    left join exits
    on
        stock.millesime = exits.millesime
        and stock.dept_service = exits.dept_service
        and stock.id_jeune = exits.id_jeune
        and stock.num_prise_en_charge = exits.num_prise_en_charge

)

select * from final
