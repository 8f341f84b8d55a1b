-- Housing need of young people leaving care, for the PDALHPD (method in the YAML description).
-- The estimate for reference year R uses only what was known then: the vintage (millésime) R
-- of the ASE chain (deliveries of reference years up to R, latest year winning among those
-- only). The backtest compares it with what happened in R+1 as known today (latest vintage).
-- The region's row (R76) applies the same formulas to the region's sums: its expected exits are
-- its departments' added up, its share of exits to house is the region's (the departments'
-- histories added up), its range follows (Poisson on the summed exits, binomial on the summed
-- known exits), and its backtest compares with its departments' observed outcomes added up.
{%- set k = 10 %}  {#- weight of the regional rate when shrinking a department's rates #}
{%- set z = 1.645 %}  {#- two-sided 90 % range #}

with

territoires as (

    select * from {{ ref('territoires') }}

),

stocks_by_vintage as (

    select * from {{ ref('int_stocks_annualised_by_vintage') }}

),

exits_by_vintage as (

    select * from {{ ref('int_sorties_matched_by_vintage') }}

),

stocks_today as (

    select * from {{ ref('int_stocks_annualised') }}

),

delivered as (

    select * from {{ ref('int_livraisons_ase_listed') }}

),

departements as (

    select * from {{ ref('cog_departements') }}

),

references_ as (

    -- Reference years R: each department's ASE years, in the region.
    select distinct
        delivered.dept,
        delivered.annee as annee_reference
    from delivered
    inner join departements
    on
        delivered.dept = departements.code
        and departements.region = '{{ var("region") }}'

),

ages as (

    select unnest(range(0, 22)) as age

),

observed_transitions as (

    -- Year-end stocks whose following year is observed, in each vintage: the history the rates
    -- are read from.
    select
        millesime,
        annee_stock + 1 as annee_suite,
        dept,
        age,
        fin_annee_suivante,
        sortie_annee_suivante
    from stocks_by_vintage
    where suite_observee

),

dept_rates as (

    -- For reference R: every observed year up to R, pooled, as known in vintage R.
    select
        references_.dept,
        references_.annee_reference,
        ages.age,
        count(observed_transitions.age) as effectif,
        count(*) filter (where observed_transitions.fin_annee_suivante) as fins,
        count(*) filter (where observed_transitions.sortie_annee_suivante) as sorties
    from references_
    cross join ages
    left join observed_transitions
    on
        references_.dept = observed_transitions.dept
        and references_.annee_reference = observed_transitions.millesime
        and references_.annee_reference >= observed_transitions.annee_suite
        and ages.age = observed_transitions.age
    group by references_.dept, references_.annee_reference, ages.age

),

region_rates as (

    select
        annee_reference,
        age,
        sum(fins) / nullif(sum(effectif), 0) as taux_fin_region,
        sum(sorties) / nullif(sum(effectif), 0) as taux_sortie_region
    from dept_rates
    group by annee_reference, age

),

rates as (

    -- A department's rate, shrunk towards the region's by {{ k }} pseudo-observations; at 21
    -- and over everybody leaves.
    select
        dept_rates.dept,
        dept_rates.annee_reference,
        dept_rates.age,
        case
            when dept_rates.age >= 21 then 1.0 else
                (dept_rates.fins + {{ k }} * coalesce(region_rates.taux_fin_region, 0))
                / (dept_rates.effectif + {{ k }})
        end as taux_fin,
        case
            when dept_rates.age >= 21 then 1.0 else
                (dept_rates.sorties + {{ k }} * coalesce(region_rates.taux_sortie_region, 0))
                / (dept_rates.effectif + {{ k }})
        end as taux_sortie
    from dept_rates
    left join region_rates
    on
        dept_rates.annee_reference = region_rates.annee_reference
        and dept_rates.age = region_rates.age

),

stock_at_reference as (

    -- Persons in care on 31 December of R, as known in vintage R.
    select
        references_.dept,
        references_.annee_reference,
        stocks_by_vintage.age,
        count(*) as effectif
    from references_
    inner join stocks_by_vintage
    on
        references_.dept = stocks_by_vintage.dept
        and references_.annee_reference = stocks_by_vintage.millesime
        and references_.annee_reference = stocks_by_vintage.annee_stock
    group by references_.dept, references_.annee_reference, stocks_by_vintage.age

),

projected as (

    -- Expected exits in R+1, R+2, R+3 of the persons in care at the end of R: exit at the
    -- current age, or stay (1 − end rate) and face next year's rates one year older. A
    -- reference year with nobody in care on 31 December expects no exit (a row of zeros, not
    -- a missing row).
    select
        references_.dept,
        references_.annee_reference,
        coalesce(sum(s.effectif * r0.taux_sortie), 0) as sorties_1,
        coalesce(sum(s.effectif * (1 - r0.taux_fin) * r1.taux_sortie), 0) as sorties_2,
        coalesce(
            sum(s.effectif * (1 - r0.taux_fin) * (1 - r1.taux_fin) * r2.taux_sortie), 0
        ) as sorties_3
    from references_
    left join stock_at_reference as s
    on references_.dept = s.dept and references_.annee_reference = s.annee_reference
    left join rates as r0
    on s.dept = r0.dept and s.annee_reference = r0.annee_reference and s.age = r0.age
    left join rates as r1
    on s.dept = r1.dept and s.annee_reference = r1.annee_reference and r1.age = least(s.age + 1, 21)
    left join rates as r2
    on s.dept = r2.dept and s.annee_reference = r2.annee_reference and r2.age = least(s.age + 2, 21)
    group by references_.dept, references_.annee_reference

),

housing_history as (

    -- Exits of R−2 to R with a known housing situation, and those needing a housing solution,
    -- as known in vintage R.
    select
        references_.dept,
        references_.annee_reference,
        count(exits.id_jeune) filter (where exits.logement_sortie <> 'INCONNU') as connues,
        count(exits.id_jeune) filter (
            where exits.logement_sortie not in ('INCONNU', 'LOGEMENT_AUTONOME', 'LOGEMENT_SOCIAL', 'FAMILLE_PROCHES')
        ) as a_loger
    from references_
    left join exits_by_vintage as exits
    on
        references_.dept = exits.dept
        and references_.annee_reference = exits.millesime
        and references_.annee_reference >= exits.annee
        and exits.annee > references_.annee_reference - 3
    group by references_.dept, references_.annee_reference

),

region_share as (

    -- the region's share of exits to house, per reference year (the shrinking target)
    select
        annee_reference,
        sum(a_loger) / nullif(sum(connues), 0) as part_region
    from housing_history
    group by annee_reference

),

observed as (

    -- What happened in R+1 to the persons in care at the end of R, as known today (for the
    -- backtest).
    select
        dept,
        annee_stock + 1 as annee_projection,
        count(*) filter (where sortie_annee_suivante) as sorties_observees,
        count(*) filter (where sortie_annee_suivante and logement_sortie <> 'INCONNU') as connues,
        count(*) filter (
            where sortie_annee_suivante
            and logement_sortie not in ('INCONNU', 'LOGEMENT_AUTONOME', 'LOGEMENT_SOCIAL', 'FAMILLE_PROCHES')
        ) as a_loger
    from stocks_today
    where suite_observee
    group by dept, annee_stock + 1

),

per_department as (

    -- A department's projected exits, its housing history, and what happened in R+1 (when R+1
    -- has been delivered).
    select
        projected.dept,
        projected.annee_reference,
        projected.sorties_1,
        projected.sorties_2,
        projected.sorties_3,
        housing_history.connues,
        housing_history.a_loger,
        observed.sorties_observees,
        observed.connues as connues_observees,
        observed.a_loger as a_loger_observes,
        case when observed.dept is null then 1 else 0 end as nb_sans_suite_observee
    from projected
    inner join housing_history
    on
        projected.dept = housing_history.dept
        and projected.annee_reference = housing_history.annee_reference
    left join observed
    on
        projected.dept = observed.dept
        and projected.annee_reference + 1 = observed.annee_projection

),

-- The departments, and the region: the region's expected exits are the sum of its
-- departments' (a sum of Poisson counts is a Poisson count), its housing history and its
-- observed outcomes too; the same formulas below then give its estimate and range.
per_territory as (

    {{ territory_rollup(
        'per_department',
        keys=['annee_reference'],
        counts=[
            'connues', 'a_loger', 'sorties_observees', 'connues_observees', 'a_loger_observes',
            'nb_sans_suite_observee',
        ],
        amounts=['sorties_1', 'sorties_2', 'sorties_3'],
    ) }}

),

housing_share as (

    -- A department's share of exits to house, shrunk towards the region's by {{ k }}
    -- pseudo-observations; for the region itself the same formula gives the region's share.
    select
        per_territory.*,
        (per_territory.a_loger + {{ k }} * region_share.part_region) / (per_territory.connues + {{ k }})
            as part_a_loger
    from per_territory
    inner join region_share
    on per_territory.annee_reference = region_share.annee_reference

),

horizons as (

    select 1 as horizon
    union all
    select 2
    union all
    select 3

),

estimates as (

    select
        housing_share.dept,
        housing_share.nom_territoire,
        housing_share.est_region,
        housing_share.annee_reference,
        housing_share.annee_reference + horizons.horizon as annee_projection,
        case horizons.horizon
            when 1 then housing_share.sorties_1
            when 2 then housing_share.sorties_2
            else housing_share.sorties_3
        end as sorties,
        coalesce(housing_share.part_a_loger, 0) as part,
        housing_share.connues,
        -- Backtest, beside the estimate made one year before (R+1), when every department of
        -- the row has its R+1 observed.
        case
            when horizons.horizon = 1 and housing_share.nb_sans_suite_observee = 0
                then housing_share.sorties_observees
        end as sorties_observees,
        case
            when horizons.horizon = 1 and housing_share.nb_sans_suite_observee = 0
                then housing_share.connues_observees
        end as connues_observees,
        case
            when horizons.horizon = 1 and housing_share.nb_sans_suite_observee = 0
                then housing_share.a_loger_observes
        end as a_loger_observes,
        case
            when housing_share.est_region
                then ' ; ligne régionale : sorties prévues additionnées, part régionale à loger'
            else ''
        end as methode_territoire
    from housing_share
    cross join horizons

),

observed_need as (

    select
        *,
        sorties_observees * a_loger_observes / nullif(connues_observees, 0) as besoin_observe
    from estimates

),

final as (

    select
        estimates.annee_reference,
        estimates.dept,
        estimates.nom_territoire,
        estimates.annee_projection,
        round(estimates.sorties, 1) as sorties_prevues,
        round(
            greatest(estimates.sorties - {{ z }} * sqrt(estimates.sorties), 0)
            * greatest(
                estimates.part - {{ z }} * sqrt(estimates.part * (1 - estimates.part) / (estimates.connues + {{ k }})),
                0
            ),
            1
        ) as besoin_logement_bas,
        round(estimates.sorties * estimates.part, 1) as besoin_logement_central,
        round(
            (estimates.sorties + {{ z }} * sqrt(estimates.sorties))
            * least(
                estimates.part + {{ z }} * sqrt(estimates.part * (1 - estimates.part) / (estimates.connues + {{ k }})),
                1
            ),
            1
        ) as besoin_logement_haut,
        'v1 : stock au 31/12 de l''année de référence × taux de fin et de sortie par âge '
        || '(années observées jusqu''à la référence, lissés vers la région) × part des sorties '
        || 'à loger (3 dernières années) ; fourchette à 90 % (Poisson × binomiale)'
        || estimates.methode_territoire as methode,
        round(estimates.part, 3) as part_sorties_a_loger,
        estimates.sorties_observees,
        round(estimates.besoin_observe, 1) as besoin_logement_observe,
        round((estimates.sorties - estimates.sorties_observees) / nullif(estimates.sorties_observees, 0), 3)
            as erreur_relative_sorties,
        round((estimates.sorties * estimates.part - estimates.besoin_observe) / nullif(estimates.besoin_observe, 0), 3)
            as erreur_relative_besoin
    from observed_need as estimates

)

select * from final
order by annee_reference, dept, annee_projection
