with

source as (

    select * from {{ source('registry', 'developer_assessments') }}

),

renamed as (

    select
        assessment_id,
        handle,
        reviewer_handle,
        assessed_on,
        skill_slug,
        outcome,
        notes,
        recorded_at
    from source

)

select * from renamed
