with

source as (

    select * from {{ source('ase', 'ase_entretiens') }}

),

renamed as (

    select
        _dept as dept_service,
        {{ display_dept('_dept') }} as dept,
        _annee as annee_livraison,
        id_jeune,
        type_entretien,
        date_entretien,
        partenaires,
        _livraison,
        _fichier,
        _ligne,
        _charge_le
    from source

),

deduplicated as (

    select * from renamed
    {{ latest_per_key(['id_jeune', 'type_entretien', 'date_entretien']) }}

)

select * from deduplicated
