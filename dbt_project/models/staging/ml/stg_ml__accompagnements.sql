with

source as (

    select * from {{ source('ml', 'ml_accompagnements') }}

),

renamed as (

    select
        _dept as dept_service,
        {{ display_dept('_dept') }} as dept,
        _annee as annee_livraison,
        coalesce(_producteur, '') as producteur,
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

known as (

    {{ known_records('renamed', 'ml', ['id_accompagnement'], end_column='date_sortie') }}

)

select * from known
