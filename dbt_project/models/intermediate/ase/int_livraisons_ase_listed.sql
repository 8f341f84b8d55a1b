-- Every department (as displayed) and year with an accepted ASE delivery: the rows that
-- ASE-based marts must have, zeros included.

with

livraisons as (

    select * from {{ ref('stg_audit__livraisons_acceptees') }}

)

select distinct
    dept,
    annee
from livraisons
where source = 'ase'
