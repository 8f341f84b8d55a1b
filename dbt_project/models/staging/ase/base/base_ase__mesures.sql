-- Every delivered version of `ase_mesures` (one row per accepted line, all reference years):
-- what `stg_ase__mesures` (today) and the vintaged chain (`int_mesures_known_by_vintage`) read.

with

source as (

    select * from {{ source('ase', 'ase_mesures') }}

),

renamed as (

    select
        _dept as dept_service,
        {{ display_dept('_dept') }} as dept,
        _annee as annee_livraison,
        coalesce(_producteur, '') as producteur,
        id_mesure,
        id_jeune,
        type_mesure,
        mode_accueil,
        date_debut,
        date_fin,
        motif_fin,
        _livraison,
        _fichier,
        _ligne,
        _charge_le
    from source

)

select * from renamed
