{#
    GitHub evidence renamed and cast: one row per (handle, kind, source_url). The fields read
    out of the payload are the API's own (repository, pull request, issue); what they mean
    for skills and screening is decided in int_developer_evidence_*.
#}

with

source as (

    select * from {{ source('raw', 'developer_evidence') }}

),

renamed as (

    select
        handle,
        lower(github_login) as github_login,
        kind as evidence_kind,
        source_url as evidence_url,
        payload,
        payload -> 'repository' as repository,
        lower(payload #>> '{repository,full_name}') as repository_full_name,
        lower(payload #>> '{repository,owner,login}') as repository_owner_login,
        (payload #>> '{repository,stargazers_count}')::integer as repository_stars,
        payload #>> '{repository,language}' as repository_language,
        coalesce(payload #> '{repository,topics}', '[]'::jsonb) as repository_topics,
        coalesce(payload -> 'languages', '{}'::jsonb) as repository_language_bytes,
        coalesce(payload -> 'files', '[]'::jsonb) as pull_request_files,
        payload #>> '{pull_request,html_url}' as pull_request_url,
        payload #>> '{closed_by_pull_request,html_url}' as closing_pull_request_url,
        coalesce(payload #> '{issue,labels}', '[]'::jsonb) as issue_labels,
        -- a review of a still open pull request counts from when it was fetched
        coalesce(case kind
            when 'merged_pr' then payload #>> '{pull_request,pull_request,merged_at}'
            when 'review' then payload #>> '{pull_request,closed_at}'
            when 'own_repo' then payload #>> '{repository,pushed_at}'
            when 'closed_issue' then payload #>> '{issue,closed_at}'
        end::timestamptz, fetched_at) as evidence_at,
        fetched_at

    from source

)

select * from renamed
