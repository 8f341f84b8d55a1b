-- Every delivered version of `ase_jeunes` (one row per accepted line, all reference years):
-- what `stg_ase__jeunes` (today) and the vintaged chain (`int_jeunes_known_by_vintage`) read.

with

source as (

    select * from {{ source('ase', 'ase_jeunes') }}

),

renamed as (

    select
        _dept as dept_service,
        {{ display_dept('_dept') }} as dept,
        _annee as annee_livraison,
        coalesce(_producteur, '') as producteur,
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

)

select * from renamed
