-- The 15 % ceiling (docs/marts.md): places under CD conventions on 31 December, and on the
-- busiest day of the year. The number of places of the CD conventions active on a day is a step
-- function of the day: it rises only on the start day of a convention, so its maximum over the
-- year is reached on 1 January or on a start day of a CD convention inside the year; those days
-- suffice. Successive conventions (one until 30 June, the next from 1 July) are not added up.

with

territoires as (

    select * from {{ ref('territoires') }}
    where not est_region

),

residences as (

    select * from {{ ref('stg_hj__residences') }}

),

conventions as (

    select * from {{ ref('int_conventions_annualised') }}

),

conventions_cd as (

    select * from conventions
    where financeur = 'CD'

),

places_year_end as (

    select
        annee,
        dept_service,
        producteur,
        id_residence,
        cast(sum(places_reservees) as bigint) as places_conventionnees_cd
    from conventions_cd
    where active_au_31_decembre
    group by annee, dept_service, producteur, id_residence

),

candidate_days as (

    select
        annee,
        dept_service,
        producteur,
        id_residence,
        make_date(annee, 1, 1) as jour
    from conventions_cd
    union
    select
        annee,
        dept_service,
        producteur,
        id_residence,
        date_debut as jour
    from conventions_cd
    where year(date_debut) = annee

),

places_per_day as (

    select
        candidate_days.annee,
        candidate_days.dept_service,
        candidate_days.producteur,
        candidate_days.id_residence,
        candidate_days.jour,
        sum(conventions_cd.places_reservees) as places
    from candidate_days
    inner join conventions_cd
    on
        candidate_days.annee = conventions_cd.annee
        and candidate_days.dept_service = conventions_cd.dept_service
        and candidate_days.producteur = conventions_cd.producteur
        and candidate_days.id_residence = conventions_cd.id_residence
        and candidate_days.jour >= conventions_cd.date_debut
        and (conventions_cd.date_fin is null or candidate_days.jour <= conventions_cd.date_fin)
    group by all

),

busiest_day as (

    select
        annee,
        dept_service,
        producteur,
        id_residence,
        cast(max(places) as bigint) as places_conventionnees_cd_max
    from places_per_day
    group by annee, dept_service, producteur, id_residence

),

final as (

    select
        residences.annee_livraison as annee,
        residences.dept,
        territoires.nom_territoire,
        residences.id_residence,
        residences.nom_residence,
        residences.capacite_places,
        coalesce(places_year_end.places_conventionnees_cd, 0) as places_conventionnees_cd,
        coalesce(places_year_end.places_conventionnees_cd, 0) / residences.capacite_places as part_places_cd,
        coalesce(busiest_day.places_conventionnees_cd_max, 0) / residences.capacite_places as part_places_cd_max,
        -- Compared in integers: 15 % exactly is not over the ceiling.
        coalesce(busiest_day.places_conventionnees_cd_max, 0) * 100 > 15 * residences.capacite_places
            as depasse_plafond,
        coalesce(busiest_day.places_conventionnees_cd_max, 0) as places_conventionnees_cd_max,
        residences.producteur
    from residences
    left join territoires
    on residences.dept = territoires.dept
    left join places_year_end
    on
        residences.annee_livraison = places_year_end.annee
        and residences.dept_service = places_year_end.dept_service
        and residences.producteur = places_year_end.producteur
        and residences.id_residence = places_year_end.id_residence
    left join busiest_day
    on
        residences.annee_livraison = busiest_day.annee
        and residences.dept_service = busiest_day.dept_service
        and residences.producteur = busiest_day.producteur
        and residences.id_residence = busiest_day.id_residence

)

select * from final
order by annee, dept, id_residence, producteur
