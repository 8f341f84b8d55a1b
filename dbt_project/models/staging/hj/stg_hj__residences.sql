with

source as (

    select * from {{ source('hj', 'hj_residences') }}

),

renamed as (

    select
        _dept as dept_service,
        _annee as annee_livraison,
        coalesce(_producteur, '') as producteur,
        id_residence,
        nom_residence,
        association,
        dept,
        commune,
        capacite_places,
        nb_logements,
        type_offre,
        _livraison,
        _fichier,
        _ligne,
        _charge_le
    from source

),

known as (

    -- A residence is described as at the end of each reference year (docs/contrat-echange.md §4.3):
    -- keep one row per residence and year, the latest load when a year was delivered twice.
    {{ known_records('renamed', 'hj', ['id_residence', 'annee_livraison']) }}

)

select * from known
