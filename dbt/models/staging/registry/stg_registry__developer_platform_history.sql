with

source as (

    select * from {{ source('registry', 'developer_platform_history') }}

),

renamed as (

    select
        platform_history_id,
        handle,
        platform,
        projects_completed,
        rating,
        link,
        created_at
    from source

)

select * from renamed
