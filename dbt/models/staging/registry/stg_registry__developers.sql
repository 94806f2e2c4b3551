with

source as (

    select * from {{ source('registry', 'developers') }}

),

renamed as (

    select
        handle,
        github_login,
        verified_at
    from source
    where verified_at is not null and is_opted_in

)

select * from renamed
