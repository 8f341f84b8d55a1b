with

source as (

    select * from {{ source('hj', 'hj_sejours') }}

),

renamed as (

    select
        _dept as dept_service,
        _annee as annee_livraison,
        id_sejour,
        id_jeune,
        id_residence,
        id_convention,
        date_entree,
        date_sortie,
        statut_entree,
        prise_en_charge_ase,
        orientation,
        logement_sortie,
        _livraison,
        _fichier,
        _ligne,
        _charge_le
    from source

),

deduplicated as (

    select * from renamed
    {{ latest_per_key(['id_sejour']) }}

)

select * from deduplicated
