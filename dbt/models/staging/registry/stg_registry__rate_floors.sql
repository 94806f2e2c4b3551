with

source as (

    select * from {{ source('registry', 'rate_floors') }}

),

renamed as (

    select
        handle,
        skills as floor_skills,
        min_hourly_usd as floor_usd_hourly,
        region as floor_region
    from source

)

select * from renamed
