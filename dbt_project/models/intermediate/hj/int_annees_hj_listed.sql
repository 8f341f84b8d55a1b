-- Every year with an accepted Habitat Jeunes delivery: the years HJ-based marts cover.

with

livraisons as (

    select * from {{ ref('stg_audit__livraisons_acceptees') }}

)

select distinct annee
from livraisons
where source = 'hj'
