-- One row per spell of care, in each vintage (millésime). A spell ends at the last end date of
-- its chain; a spell with a running measure has not ended (date_fin null); its end is estimated
-- (`fin_estimee`) when no measure whose end was delivered reaches it. A return (droit au retour)
-- is a spell that starts when the person is 18, 19 or 20 and follows an earlier spell in the
-- same service.

with

mesures as (

    select * from {{ ref('int_mesures_chained_by_vintage') }}

),

jeunes as (

    select * from {{ ref('int_jeunes_known_by_vintage') }}

),

persons as (

    -- One description per person and service (a service with several producers could describe
    -- a person twice): the latest delivered.
    select
        millesime,
        dept_service,
        id_jeune,
        annee_mois_naissance,
        mna
    from jeunes
    qualify row_number() over (
        partition by millesime, dept_service, id_jeune
        order by annee_livraison desc, _charge_le desc, producteur asc
    ) = 1

),

spells as (

    select
        millesime,
        dept_service,
        dept,
        id_jeune,
        num_prise_en_charge,
        min(date_debut) as date_debut,
        case when bool_or(date_fin is null) then null else max(date_fin) end as date_fin,
        case
            when bool_or(date_fin is null) then false
            else coalesce(max(date_fin) filter (where not fin_estimee), date '0001-01-01') < max(date_fin)
        end as fin_estimee,
        count(*) as nb_mesures,
        bool_or(type_mesure in ('APJM', 'CJM')) as avec_mesure_jeune_majeur
    from mesures
    group by millesime, dept_service, dept, id_jeune, num_prise_en_charge

),

with_person as (

    select
        spells.*,
        persons.annee_mois_naissance,
        persons.mna,
        {{ age_at('persons.annee_mois_naissance', 'spells.date_debut') }} as age_debut,
        {{ age_at('persons.annee_mois_naissance', 'spells.date_fin') }} as age_fin
    from spells
    left join persons
    on
        spells.millesime = persons.millesime
        and spells.dept_service = persons.dept_service
        and spells.id_jeune = persons.id_jeune

),

final as (

    select
        *,
        (num_prise_en_charge > 1 and age_debut between 18 and 20) as est_retour
    from with_person

)

select * from final
