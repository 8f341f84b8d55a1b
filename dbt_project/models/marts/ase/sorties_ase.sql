with

exits as (

    select * from {{ ref('int_sorties_matched') }}

),

delivered as (

    select * from {{ ref('int_livraisons_ase_listed') }}

),

final as (

    select
        exits.annee,
        exits.dept,
        exits.tranche_age_sortie,
        exits.logement_sortie,
        exits.activite_sortie,
        exits.ressources_sortie,
        count(*) as nb_sorties
    from exits
    -- a service's exits of year Y count only when it delivered Y
    inner join delivered
    on
        exits.dept_service = delivered.dept_service
        and exits.annee = delivered.annee
    group by all

)

select * from final
order by annee, dept, tranche_age_sortie, logement_sortie, activite_sortie, ressources_sortie
