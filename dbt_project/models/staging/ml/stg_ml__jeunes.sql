with

source as (

    select * from {{ source('ml', 'ml_jeunes') }}

),

renamed as (

    select
        _dept as dept_service,
        {{ display_dept('_dept') }} as dept,
        _annee as annee_livraison,
        coalesce(_producteur, '') as producteur,
        id_jeune,
        code_ml,
        sexe,
        annee_mois_naissance,
        commune_residence,
        date_premier_accueil,
        niveau_formation,
        rqth,
        qpv,
        parcours_ase,
        _livraison,
        _fichier,
        _ligne,
        _charge_le
    from source

),

known as (

    {{ known_records('renamed', 'ml', ['id_jeune', 'code_ml']) }}

)

select * from known
