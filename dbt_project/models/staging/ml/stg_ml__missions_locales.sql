-- The Missions Locales of each ML delivery: one row per structure, department and reference
-- year (the person table is deduplicated across years; this keeps what each year delivered).

with

source as (

    select * from {{ source('ml', 'ml_jeunes') }}

),

structures as (

    select distinct
        _dept as dept_service,
        _dept as dept,
        _annee as annee_livraison,
        code_ml
    from source

)

select * from structures
