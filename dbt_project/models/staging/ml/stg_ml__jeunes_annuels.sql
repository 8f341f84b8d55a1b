-- Persons as each yearly ML delivery lists them (no deduplication across years): the base of
-- per-year match rates. One row per person, Mission Locale and reference year.

with

source as (

    select * from {{ source('ml', 'ml_jeunes') }}

),

renamed as (

    select
        _dept as dept_service,
        _dept as dept,
        _annee as annee_livraison,
        id_jeune,
        code_ml,
        parcours_ase
    from source

)

select * from renamed
