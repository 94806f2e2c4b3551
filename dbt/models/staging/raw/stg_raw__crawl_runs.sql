with

source as (

    select * from {{ source('raw', 'crawl_runs') }}

),

renamed as (

    select
        crawl_run_id,
        source,
        kind as run_kind,
        base_url,
        status as run_status,
        started_at,
        finished_at,
        duration_seconds,
        items_seen,
        items_new,
        items_updated,
        items_unchanged,
        items_rejected,
        http_errors,
        error as error_message

    from source

)

select * from renamed
