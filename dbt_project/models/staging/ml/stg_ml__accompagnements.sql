with

source as (

    select * from {{ source('ml', 'ml_accompagnements') }}

),

renamed as (

    select
        _dept as dept_service,
        {{ display_dept('_dept') }} as dept,
        _annee as annee_livraison,
        id_accompagnement,
        id_jeune,
        code_ml,
        dispositif,
        date_entree,
        date_sortie,
        motif_sortie,
        _livraison,
        _fichier,
        _ligne,
        _charge_le
    from source

),

deduplicated as (

    select * from renamed
    {{ latest_per_key(['id_accompagnement']) }}

)

select * from deduplicated
