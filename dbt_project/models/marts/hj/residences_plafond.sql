with

residences as (

    select * from {{ ref('stg_hj__residences') }}

),

conventions as (

    select * from {{ ref('int_conventions_annualised') }}

),

places_cd as (

    select
        annee,
        dept_service,
        id_residence,
        cast(sum(places_reservees) as bigint) as places_conventionnees_cd
    from conventions
    where financeur = 'CD'
    group by annee, dept_service, id_residence

),

final as (

    select
        residences.annee_livraison as annee,
        residences.dept,
        residences.id_residence,
        residences.nom_residence,
        residences.capacite_places,
        coalesce(places_cd.places_conventionnees_cd, 0) as places_conventionnees_cd,
        coalesce(places_cd.places_conventionnees_cd, 0) / residences.capacite_places as part_places_cd,
        -- Compared in integers: 15 % exactly is not over the ceiling.
        coalesce(places_cd.places_conventionnees_cd, 0) * 100 > 15 * residences.capacite_places
            as depasse_plafond
    from residences
    left join places_cd
    on
        residences.annee_livraison = places_cd.annee
        and residences.dept_service = places_cd.dept_service
        and residences.id_residence = places_cd.id_residence

)

select * from final
order by annee, dept, id_residence
