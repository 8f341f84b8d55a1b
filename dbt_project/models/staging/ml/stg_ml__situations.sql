with

source as (

    select * from {{ source('ml', 'ml_situations') }}

),

renamed as (

    select
        _dept as dept_service,
        {{ display_dept('_dept') }} as dept,
        _annee as annee_livraison,
        coalesce(_producteur, '') as producteur,
        id_situation,
        id_jeune,
        type_situation,
        date_debut,
        date_fin,
        _livraison,
        _fichier,
        _ligne,
        _charge_le
    from source

),

known as (

    {{ known_records('renamed', 'ml', ['id_situation'], end_column='date_fin') }}

)

select * from known
