with

source as (

    select * from {{ source('registry', 'developer_case_studies') }}

),

renamed as (

    select
        case_study_id,
        handle,
        title,
        link,
        client_type,
        budget_band,
        duration,
        skills,
        outcome,
        created_at
    from source

)

select * from renamed
