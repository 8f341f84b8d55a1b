-- ASE persons as known in each vintage (millésime) V: from the deliveries of reference years up
-- to V only, the latest year winning among them.

with

versions as (

    select * from {{ ref('base_ase__jeunes') }}

),

known as (

    {{ known_records('versions', 'ase', ['id_jeune'], by_vintage=true) }}

)

select * from known
