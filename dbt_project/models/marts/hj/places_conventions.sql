with

territoires as (

    select * from {{ ref('territoires') }}
    where not est_region

),

conventions as (

    select * from {{ ref('int_conventions_annualised') }}

),

sejours as (

    select * from {{ ref('stg_hj__sejours') }}

),

stays_in_year as (

    -- Days of each stay inside the year, counting both the first and the last day; a stay
    -- with no end runs to 31 December.
    select
        conventions.annee,
        conventions.dept_service,
        conventions.producteur,
        conventions.id_convention,
        sejours.id_jeune,
        least(coalesce(sejours.date_sortie, make_date(conventions.annee, 12, 31)), make_date(conventions.annee, 12, 31))
        - greatest(sejours.date_entree, make_date(conventions.annee, 1, 1))
        + 1 as journees
    from conventions
    inner join sejours
    on
        conventions.dept_service = sejours.dept_service
        and conventions.producteur = sejours.producteur
        and conventions.id_convention = sejours.id_convention
    where {{ active_in_year('sejours.date_entree', 'sejours.date_sortie', 'conventions.annee') }}

),

occupancy as (

    select
        annee,
        dept_service,
        producteur,
        id_convention,
        count(distinct id_jeune) as nb_jeunes_presents,
        cast(sum(journees) as bigint) as journees_occupees
    from stays_in_year
    group by annee, dept_service, producteur, id_convention

),

final as (

    select
        conventions.annee,
        conventions.dept,
        territoires.nom_territoire,
        conventions.id_residence,
        conventions.id_convention,
        conventions.financeur,
        conventions.dept_financeur,
        conventions.public,
        conventions.modalite_financement,
        conventions.places_reservees,
        coalesce(occupancy.nb_jeunes_presents, 0) as nb_jeunes_presents,
        coalesce(occupancy.journees_occupees, 0) as journees_occupees,
        coalesce(occupancy.journees_occupees, 0)
        / (conventions.places_reservees * {{ days_in_year('conventions.annee') }}) as taux_occupation,
        conventions.producteur
    from conventions
    left join territoires
    on conventions.dept = territoires.dept
    left join occupancy
    on
        conventions.annee = occupancy.annee
        and conventions.dept_service = occupancy.dept_service
        and conventions.producteur = occupancy.producteur
        and conventions.id_convention = occupancy.id_convention

)

select * from final
order by annee, dept, id_residence, id_convention, producteur
