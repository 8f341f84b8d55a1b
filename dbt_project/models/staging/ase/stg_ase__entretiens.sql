with

source as (

    select * from {{ source('ase', 'ase_entretiens') }}

),

renamed as (

    select
        _dept as dept_service,
        {{ display_dept('_dept') }} as dept,
        _annee as annee_livraison,
        coalesce(_producteur, '') as producteur,
        id_jeune,
        type_entretien,
        date_entretien,
        partenaires,
        _livraison,
        _fichier,
        _ligne,
        _charge_le
    from source

),

known as (

    {{ known_records('renamed', 'ase', ['id_jeune', 'type_entretien', 'date_entretien']) }}

)

select * from known
