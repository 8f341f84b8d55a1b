-- Exit reviews (`ase_sorties`) as known in each vintage (millésime) V: from the deliveries of
-- reference years up to V only, the latest year winning among them.

with

versions as (

    select * from {{ ref('base_ase__sorties') }}

),

known as (

    {{ known_records('versions', 'ase', ['id_jeune', 'date_sortie'], by_vintage=true) }}

)

select * from known
