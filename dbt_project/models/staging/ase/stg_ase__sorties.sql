with

source as (

    select * from {{ source('ase', 'ase_sorties') }}

),

renamed as (

    select
        _dept as dept_service,
        {{ display_dept('_dept') }} as dept,
        _annee as annee_livraison,
        id_jeune,
        date_sortie,
        logement_sortie,
        activite_sortie,
        ressources_sortie,
        _livraison,
        _fichier,
        _ligne,
        _charge_le
    from source

),

deduplicated as (

    select * from renamed
    {{ latest_per_key(['id_jeune', 'date_sortie']) }}

)

select * from deduplicated
