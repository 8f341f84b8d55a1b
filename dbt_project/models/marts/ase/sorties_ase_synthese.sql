with

delivered as (

    select * from {{ ref('int_livraisons_ase_listed') }}

),

exits as (

    select * from {{ ref('int_sorties_matched') }}

),

spells as (

    select * from {{ ref('int_prises_en_charge_aggregated') }}

),

exits_per_year as (

    select
        annee,
        dept,
        count(*) as nb_sorties,
        count(*) filter (where est_sortie_seche) as nb_sorties_seches,
        count(*) filter (where est_situation_inconnue) as nb_situation_inconnue
    from exits
    group by annee, dept

),

returns_per_year as (

    select
        year(date_debut) as annee,
        dept,
        count(*) as nb_retours
    from spells
    where est_retour
    group by year(date_debut), dept

),

final as (

    select
        delivered.annee,
        delivered.dept,
        coalesce(exits_per_year.nb_sorties, 0) as nb_sorties,
        coalesce(exits_per_year.nb_sorties_seches, 0) as nb_sorties_seches,
        coalesce(exits_per_year.nb_sorties_seches, 0)
        / nullif(coalesce(exits_per_year.nb_sorties, 0) - coalesce(exits_per_year.nb_situation_inconnue, 0), 0)
            as part_sorties_seches,
        coalesce(exits_per_year.nb_situation_inconnue, 0) as nb_situation_inconnue,
        coalesce(returns_per_year.nb_retours, 0) as nb_retours
    from delivered
    left join exits_per_year
    on
        delivered.annee = exits_per_year.annee
        and delivered.dept = exits_per_year.dept
    left join returns_per_year
    on
        delivered.annee = returns_per_year.annee
        and delivered.dept = returns_per_year.dept

)

select * from final
order by annee, dept
