with

source as (

    select * from {{ source('ase', 'ase_mesures') }}

),

renamed as (

    select
        _dept as dept_service,
        {{ display_dept('_dept') }} as dept,
        _annee as annee_livraison,
        id_mesure,
        id_jeune,
        type_mesure,
        mode_accueil,
        date_debut,
        date_fin,
        motif_fin,
        _livraison,
        _fichier,
        _ligne,
        _charge_le
    from source

),

deduplicated as (

    select * from renamed
    {{ latest_per_key(['id_mesure']) }}

)

select * from deduplicated
