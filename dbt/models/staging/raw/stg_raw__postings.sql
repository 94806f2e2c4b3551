with

source as (

    select * from {{ source('raw', 'postings') }}

),

renamed as (

    select
        -- ids
        {{ posting_key('source', 'source_posting_id') }} as posting_id,
        source,
        source_posting_id,
        crawl_run_id,

        -- posting
        url,
        apply_url,
        nullif(btrim(title), '') as title,
        nullif(btrim(company), '') as company_name,
        description_text,
        description_html,
        coalesce(tags, '{}')::text[] as tags,
        nullif(btrim(location), '') as location,
        nullif(btrim(employment_type), '') as employment_type,

        -- pay as published
        nullif(btrim(budget_text), '') as budget_text,
        salary_min::numeric as salary_min,
        salary_max::numeric as salary_max,
        nullif(upper(btrim(salary_currency)), '') as salary_currency,
        nullif(lower(btrim(salary_period)), '') as salary_period,

        -- timestamps
        posted_at,
        fetched_at,
        first_seen_at,
        last_seen_at,
        closed_at,

        content_hash,

        -- the generic rss source covers many feeds; each may carry its own re-publishing terms.
        -- Only its spider writes them: other sources' payloads are not unpacked (a payload is
        -- stored compressed out of line, and unpacking every one cost ~8 s per read of all
        -- postings at a million)
        case
            when source = 'rss' then (payload ->> 'feed_allows_republishing')::boolean
        end as feed_allows_republishing

    from source

)

select * from renamed
