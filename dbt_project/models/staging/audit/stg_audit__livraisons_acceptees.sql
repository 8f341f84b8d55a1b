with

source as (

    select * from {{ source('audit', 'acceptees') }}

),

renamed as (

    select
        _livraison,
        source,
        dept as dept_service,
        {{ display_dept('dept') }} as dept,
        annee,
        coalesce(producteur, '') as producteur,
        promue_le
    from source

)

select * from renamed
