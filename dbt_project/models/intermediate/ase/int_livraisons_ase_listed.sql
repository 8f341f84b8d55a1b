-- Every delivering ASE service (`dept_service`: 69D and 69M are two services of department 69)
-- and year with an accepted delivery, with the department it is displayed as. ASE facts of
-- year Y count only from the services that delivered Y (docs/marts.md, « Ce que compte une
-- année d'un département »); ASE-based marts have a row for every displayed department and
-- delivered year.

with

livraisons as (

    select * from {{ ref('stg_audit__livraisons_acceptees') }}

)

select distinct
    dept_service,
    dept,
    annee
from livraisons
where source = 'ase'
