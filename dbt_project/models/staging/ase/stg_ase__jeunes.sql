with

source as (

    select * from {{ source('ase', 'ase_jeunes') }}

),

renamed as (

    select
        _dept as dept_service,
        {{ display_dept('_dept') }} as dept,
        _annee as annee_livraison,
        id_jeune,
        sexe,
        annee_mois_naissance,
        mna,
        date_premiere_prise_en_charge,
        _livraison,
        _fichier,
        _ligne,
        _charge_le
    from source

),

deduplicated as (

    select * from renamed
    {{ latest_per_key(['id_jeune']) }}

)

select * from deduplicated
