-- ASE measures as known in each vintage (millésime) V: from the deliveries of reference years up
-- to V only, the latest year winning among them, and a measure without end that a later extract
-- of those no longer holds ended on 31 December of the last year that held it (`fin_estimee`).
-- The latest vintage is today's view (`stg_ase__mesures`).

with

versions as (

    select * from {{ ref('base_ase__mesures') }}

),

known as (

    {{ known_records('versions', 'ase', ['id_mesure'], end_column='date_fin', by_vintage=true) }}

)

select * from known
