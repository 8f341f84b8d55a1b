-- The latest vintage of the ASE chain uses every accepted delivery: its measures must be
-- exactly today's staged measures. A row here means the vintaged reading of the deliveries
-- (PDALHPD backtest) and today's reading (every other mart) disagree.

with

today as (

    select
        dept_service,
        producteur,
        id_mesure,
        annee_livraison,
        date_fin,
        fin_estimee
    from {{ ref('stg_ase__mesures') }}

),

latest as (

    select
        dept_service,
        producteur,
        id_mesure,
        annee_livraison,
        date_fin,
        fin_estimee
    from {{ ref('int_mesures_known_by_vintage') }}
    where millesime = (select max(millesime) from {{ ref('int_mesures_known_by_vintage') }})

),

only_today as (

    select * from today
    except
    select * from latest

),

only_latest as (

    select * from latest
    except
    select * from today

)

select 'stg_ase__mesures seulement' as ecart, * from only_today
union all
select 'dernier millésime seulement' as ecart, * from only_latest
