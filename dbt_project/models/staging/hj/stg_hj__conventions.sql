with

source as (

    select * from {{ source('hj', 'hj_conventions') }}

),

renamed as (

    select
        _dept as dept_service,
        _annee as annee_livraison,
        id_convention,
        id_residence,
        financeur,
        dept_financeur,
        public,
        places_reservees,
        modalite_financement,
        date_debut,
        date_fin,
        _livraison,
        _fichier,
        _ligne,
        _charge_le
    from source

),

deduplicated as (

    select * from renamed
    {{ latest_per_key(['id_convention']) }}

)

select * from deduplicated
