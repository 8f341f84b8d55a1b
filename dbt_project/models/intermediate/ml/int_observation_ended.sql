-- Observation end (docs/marts.md): 31 December of the latest reference year delivered by any
-- Mission Locale. Without any ML delivery, no CEJ can be observed: the date is null and every
-- exit without CEJ entry counts as `nb_recul_insuffisant`.

with

livraisons as (

    select * from {{ ref('stg_audit__livraisons_acceptees') }}

)

select make_date(max(annee), 12, 31) as fin_observation
from livraisons
where source = 'ml'
