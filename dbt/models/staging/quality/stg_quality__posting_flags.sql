with

source as (

    select * from {{ source('quality', 'posting_flags') }}

),

open_flags as (

    select
        posting_id,
        check_name,
        observed_value,
        validation_id,
        flagged_at
    from source
    where cleared_at is null

)

select * from open_flags
