-- One row per person (pseudonymous key) across sources and departments: where the key is
-- known, and the person's ex-MNA status from any ASE delivery that knows them. A person may be
-- in care in one department and followed by a Mission Locale or housed in another.

with

ase as (

    select * from {{ ref('stg_ase__jeunes') }}

),

ml as (

    select * from {{ ref('stg_ml__jeunes') }}

),

hj as (

    select * from {{ ref('stg_hj__sejours') }}

),

presence as (

    select
        id_jeune,
        'ase' as source,
        dept
    from ase
    union all
    select
        id_jeune,
        'ml' as source,
        dept
    from ml
    union all
    select
        id_jeune,
        'hj' as source,
        dept_service as dept
    from hj

),

ase_status as (

    -- Several ASE deliveries may know one person: ex-MNA when any of them says so.
    select
        id_jeune,
        bool_or(mna) as mna
    from ase
    group by id_jeune

),

linked as (

    select
        presence.id_jeune,
        bool_or(presence.source = 'ase') as connu_ase,
        bool_or(presence.source = 'ml') as connu_ml,
        bool_or(presence.source = 'hj') as connu_hj,
        count(distinct presence.source) as nb_sources,
        count(distinct case when presence.source = 'ase' then presence.dept end) as nb_depts_ase,
        count(distinct presence.dept) as nb_depts
    from presence
    group by presence.id_jeune

)

select
    linked.*,
    ase_status.mna
from linked
left join ase_status on linked.id_jeune = ase_status.id_jeune
