with

source as (

    select * from {{ source('ase', 'ase_autonomie') }}

),

renamed as (

    select
        _dept as dept_service,
        {{ display_dept('_dept') }} as dept,
        _annee as annee_livraison,
        id_jeune,
        date_projet,
        besoin_ressources,
        besoin_logement,
        besoin_emploi_formation,
        besoin_soins,
        besoin_demarches,
        besoin_socio_educatif,
        _livraison,
        _fichier,
        _ligne,
        _charge_le
    from source

),

deduplicated as (

    select * from renamed
    {{ latest_per_key(['id_jeune', 'date_projet']) }}

)

select * from deduplicated
