with

source as (

    select * from {{ source('hj', 'hj_sejours') }}

),

renamed as (

    select
        _dept as dept_service,
        _annee as annee_livraison,
        coalesce(_producteur, '') as producteur,
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

known as (

    {{ known_records('renamed', 'hj', ['id_sejour'], end_column='date_sortie') }}

)

select * from known
