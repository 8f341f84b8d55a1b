-- Persons in care on 31 December of year t (a spell started on or before that day and not
-- ended by it), their age that day, and what happened in year t+1: whether the spell ended,
-- whether that end is an exit (18 or older), and the exit's housing situation. The base of the
-- PDALHPD housing-need estimate. Years t: the year before and the year of each ASE delivery.

with

spells as (

    select * from {{ ref('int_prises_en_charge_aggregated') }}

),

exits as (

    select * from {{ ref('int_sorties_matched') }}

),

delivered as (

    select * from {{ ref('int_livraisons_ase_listed') }}

),

year_ends as (

    select distinct
        dept,
        annee - 1 as annee_stock
    from delivered
    union
    select distinct
        dept,
        annee as annee_stock
    from delivered

),

stock as (

    select
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
        spells.dept = year_ends.dept
        and spells.date_debut <= make_date(year_ends.annee_stock, 12, 31)
        and (spells.date_fin is null or spells.date_fin > make_date(year_ends.annee_stock, 12, 31))

),

final as (

    select
        stock.annee_stock,
        stock.dept,
        stock.dept_service,
        stock.id_jeune,
        stock.age,
        -- outcome known only when year t+1 was delivered for the department
        exists(
            select 1 from delivered
            where delivered.dept = stock.dept and delivered.annee = stock.annee_stock + 1
        ) as suite_observee,
        coalesce(year(stock.date_fin) = stock.annee_stock + 1, false) as fin_annee_suivante,
        exits.id_jeune is not null and year(exits.date_sortie) = stock.annee_stock + 1
            as sortie_annee_suivante,
        exits.logement_sortie
    from stock
    left join exits
    on
        stock.dept_service = exits.dept_service
        and stock.id_jeune = exits.id_jeune
        and stock.num_prise_en_charge = exits.num_prise_en_charge

)

select * from final
