with

delivered as (

    select * from {{ ref('int_livraisons_ase_listed') }}

),

exits as (

    select * from {{ ref('int_sorties_linked') }}

),

observation as (

    select * from {{ ref('int_observation_ended') }}

),

grid as (

    select distinct
        dept,
        annee
    from delivered

),

classified as (

    -- a service's exits of year Y count only when it delivered Y
    select
        exits.annee as annee_sortie,
        exits.dept,
        exits.delai_cej_jours,
        case
            when exits.delai_cej_jours <= 0 then 'AVANT_SORTIE'
            when exits.delai_cej_jours <= 183 then '6_MOIS'
            when exits.delai_cej_jours <= 365 then '12_MOIS'
            when
                observation.fin_observation is not null
                and exits.date_sortie + 365 <= observation.fin_observation then 'SANS_CEJ'
            else 'RECUL_INSUFFISANT'
        end as categorie
    from exits
    inner join delivered
    on
        exits.dept_service = delivered.dept_service
        and exits.annee = delivered.annee
    cross join observation

),

aggregated as (

    select
        annee_sortie,
        dept,
        count(*) as nb_sorties,
        count(*) filter (where categorie = 'AVANT_SORTIE') as nb_cej_avant_sortie,
        count(*) filter (where categorie = '6_MOIS') as nb_cej_6_mois,
        count(*) filter (where categorie = '12_MOIS') as nb_cej_12_mois,
        count(*) filter (where categorie = 'SANS_CEJ') as nb_sans_cej,
        count(*) filter (where categorie = 'RECUL_INSUFFISANT') as nb_recul_insuffisant,
        quantile_cont(delai_cej_jours, 0.5) as delai_median_jours,
        quantile_cont(delai_cej_jours, 0.25) as delai_p25_jours,
        quantile_cont(delai_cej_jours, 0.75) as delai_p75_jours,
        count(delai_cej_jours) as nb_sorties_avec_cej
    from classified
    group by annee_sortie, dept

),

final as (

    select
        grid.annee as annee_sortie,
        grid.dept,
        coalesce(aggregated.nb_sorties, 0) as nb_sorties,
        coalesce(aggregated.nb_cej_avant_sortie, 0) as nb_cej_avant_sortie,
        coalesce(aggregated.nb_cej_6_mois, 0) as nb_cej_6_mois,
        coalesce(aggregated.nb_cej_12_mois, 0) as nb_cej_12_mois,
        coalesce(aggregated.nb_sans_cej, 0) as nb_sans_cej,
        coalesce(aggregated.nb_recul_insuffisant, 0) as nb_recul_insuffisant,
        aggregated.delai_median_jours,
        aggregated.delai_p25_jours,
        aggregated.delai_p75_jours,
        coalesce(aggregated.nb_sorties_avec_cej, 0) as nb_sorties_avec_cej
    from grid
    left join aggregated
    on
        grid.annee = aggregated.annee_sortie
        and grid.dept = aggregated.dept

)

select * from final
order by annee_sortie, dept
