-- Time from leaving care to the Contrat d'Engagement Jeune (docs/marts.md), per department and
-- year of exit, and for the region: the region's row is computed over the exits of its
-- departments (its counts are the departments' sums, its quantiles those of all its exits).
-- A row is provisional while some of its exits are less than 365 days before the observation
-- end: its `nb_recul_insuffisant` exits may still enter a CEJ.

with

territoires as (

    select * from {{ ref('territoires') }}

),

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

    -- every department and delivered year, and the region for the years of its departments
    select distinct
        territoires.territoire as dept,
        territoires.nom_territoire,
        delivered.annee
    from delivered
    inner join territoires
    on delivered.dept = territoires.dept

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

    -- each exit counts for its department and, in the region, for the region
    select
        classified.annee_sortie,
        territoires.territoire as dept,
        count(*) as nb_sorties,
        count(*) filter (where classified.categorie = 'AVANT_SORTIE') as nb_cej_avant_sortie,
        count(*) filter (where classified.categorie = '6_MOIS') as nb_cej_6_mois,
        count(*) filter (where classified.categorie = '12_MOIS') as nb_cej_12_mois,
        count(*) filter (where classified.categorie = 'SANS_CEJ') as nb_sans_cej,
        count(*) filter (where classified.categorie = 'RECUL_INSUFFISANT') as nb_recul_insuffisant,
        quantile_cont(classified.delai_cej_jours, 0.5) as delai_median_jours,
        quantile_cont(classified.delai_cej_jours, 0.25) as delai_p25_jours,
        quantile_cont(classified.delai_cej_jours, 0.75) as delai_p75_jours,
        count(classified.delai_cej_jours) as nb_sorties_avec_cej
    from classified
    inner join territoires
    on classified.dept = territoires.dept
    group by classified.annee_sortie, territoires.territoire

),

final as (

    select
        grid.annee as annee_sortie,
        grid.dept,
        grid.nom_territoire,
        coalesce(aggregated.nb_recul_insuffisant, 0) > 0 as provisoire,
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
