{#
    One row per piece of work of a verified, opted-in developer: merged pull requests, own
    repositories and reviews. A merged pull request is to someone else's repository when
    the repository's owner is not the developer, and a completed bounty when an issue it
    closes carries a label matching var bounty_label_pattern. Closed issues are not work of
    their own: they only mark bounties.
#}

with

evidence as (

    select * from {{ ref('stg_raw__developer_evidence') }}

),

developers as (

    select * from {{ ref('stg_registry__developers') }}

),

bounty_pull_requests as (

    select distinct
        evidence.handle,
        evidence.closing_pull_request_url as pull_request_url
    from evidence
    cross join lateral jsonb_array_elements(evidence.issue_labels) as label (label_object)
    where evidence.evidence_kind = 'closed_issue'
        and label.label_object ->> 'name' ilike '{{ var("bounty_label_pattern") }}'

),

work as (

    select evidence.*
    from evidence
    inner join developers
        on developers.handle = evidence.handle
        and developers.github_login = evidence.github_login
    where evidence.evidence_kind <> 'closed_issue'

),

final as (

    select
        work.handle,
        work.github_login,
        work.evidence_kind,
        work.evidence_url,
        work.evidence_at,
        work.repository_full_name,
        work.repository_stars,
        work.repository_language,
        work.repository_topics,
        work.repository_language_bytes,
        work.pull_request_files,
        coalesce(work.repository_owner_login <> work.github_login, false) as is_others_repository,
        bounty_pull_requests.pull_request_url is not null as is_bounty
    from work
    left join bounty_pull_requests
        on work.evidence_kind = 'merged_pr'
        and bounty_pull_requests.handle = work.handle
        and bounty_pull_requests.pull_request_url = work.evidence_url

)

select * from final
