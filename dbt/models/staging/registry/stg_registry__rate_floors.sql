with

source as (

    select * from {{ source('registry', 'rate_floors') }}

),

floor_skills as (

    select
        source.rate_floor_id,
        skill_slug::text as skill_slug,
        source.min_hourly_usd::numeric(8, 2) as min_hourly_usd,
        source.region::text as region
    from source
    cross join lateral unnest(source.skills) as skill_slug

)

select * from floor_skills
