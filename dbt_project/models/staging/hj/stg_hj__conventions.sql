with

source as (

    select * from {{ source('hj', 'hj_conventions') }}

),

renamed as (

    select
        _dept as dept_service,
        _annee as annee_livraison,
        coalesce(_producteur, '') as producteur,
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

known as (

    {{ known_records('renamed', 'hj', ['id_convention'], end_column='date_fin') }}

)

select * from known
