-- One row per convention and year it is active, for the years its residence was delivered.
-- The department is the residence's (docs/marts.md, « Définitions communes »). A convention
-- whose residence is not in a year's HJ deliveries is not counted that year: we do not know
-- the residence's state then, and `part_places_cd` needs its capacity. The residence is looked
-- up in the convention's own partition (department and producer: keys are unique per
-- producer). `active_au_31_decembre` says whether the convention counts in the year's stock of
-- places (docs/marts.md: places are a stock on 31 December).

with

conventions as (

    select * from {{ ref('stg_hj__conventions') }}

),

residences as (

    select * from {{ ref('stg_hj__residences') }}

),

annualised as (

    select
        residences.annee_livraison as annee,
        residences.dept,
        conventions.dept_service,
        conventions.producteur,
        conventions.id_residence,
        conventions.id_convention,
        conventions.financeur,
        conventions.dept_financeur,
        conventions.public,
        conventions.modalite_financement,
        conventions.places_reservees,
        conventions.date_debut,
        conventions.date_fin,
        conventions.fin_estimee,
        (
            conventions.date_debut <= make_date(residences.annee_livraison, 12, 31)
            and (conventions.date_fin is null or conventions.date_fin >= make_date(residences.annee_livraison, 12, 31))
        ) as active_au_31_decembre
    from conventions
    inner join residences
    on
        conventions.dept_service = residences.dept_service
        and conventions.producteur = residences.producteur
        and conventions.id_residence = residences.id_residence
    where {{ active_in_year('conventions.date_debut', 'conventions.date_fin', 'residences.annee_livraison') }}

)

select * from annualised
