with

versions as (

    select * from {{ ref('base_ase__mesures') }}

),

known as (

    {{ known_records('versions', 'ase', ['id_mesure'], end_column='date_fin') }}

)

select * from known
