with

source as (

    select * from {{ source('ase', 'ase_autonomie') }}

),

renamed as (

    select
        _dept as dept_service,
        {{ display_dept('_dept') }} as dept,
        _annee as annee_livraison,
        coalesce(_producteur, '') as producteur,
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

known as (

    {{ known_records('renamed', 'ase', ['id_jeune', 'date_projet']) }}

)

select * from known
