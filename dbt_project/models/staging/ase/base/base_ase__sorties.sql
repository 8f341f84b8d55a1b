-- Every delivered version of `ase_sorties` (one row per accepted line, all reference years):
-- what `stg_ase__sorties` (today) and the vintaged chain (`int_bilans_sortie_known_by_vintage`) read.

with

source as (

    select * from {{ source('ase', 'ase_sorties') }}

),

renamed as (

    select
        _dept as dept_service,
        {{ display_dept('_dept') }} as dept,
        _annee as annee_livraison,
        coalesce(_producteur, '') as producteur,
        id_jeune,
        date_sortie,
        logement_sortie,
        activite_sortie,
        ressources_sortie,
        _livraison,
        _fichier,
        _ligne,
        _charge_le
    from source

)

select * from renamed
