with

versions as (

    select * from {{ ref('base_ase__jeunes') }}

),

known as (

    {{ known_records('versions', 'ase', ['id_jeune']) }}

)

select * from known
