with

versions as (

    select * from {{ ref('base_ase__sorties') }}

),

known as (

    {{ known_records('versions', 'ase', ['id_jeune', 'date_sortie']) }}

)

select * from known
