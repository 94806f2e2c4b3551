{#
    Per developer and skill: how much public work shows it, how recent (strength: each piece
    weighs 0.5 ^ (age in days / var evidence_half_life_days)), whether it meets a screening
    criterion (seed developer_screening_criteria; the reasons met are listed), and the URLs
    of the strongest pieces (recency weight x log of the repository's stars; at most var
    evidence_urls_max), so every claim links to the work behind it.
#}

with

tagged as (

    select * from {{ ref('int_developer_evidence_skill_tagged') }}

),

criteria as (

    select * from {{ ref('developer_screening_criteria') }}

),

as_of as (

    select
        coalesce(nullif('{{ var("evidence_as_of") }}', '')::date, current_date)::timestamptz
            as as_of_at

),

weighted as (

    select
        tagged.*,
        as_of.as_of_at,
        power(
            0.5,
            greatest(extract(epoch from as_of.as_of_at - tagged.evidence_at), 0)
                / 86400.0 / {{ var('evidence_half_life_days') }}
        ) as recency_weight
    from tagged
    cross join as_of

),

skills as (

    select
        handle,
        skill_slug,
        count(*) as evidence_count,
        round(sum(recency_weight)::numeric, 3) as strength
    from weighted
    group by handle, skill_slug

),

ranked as (

    select
        handle,
        skill_slug,
        evidence_url,
        row_number() over (
            partition by handle, skill_slug
            order by recency_weight * ln(2 + coalesce(repository_stars, 0)) desc, evidence_url
        ) as evidence_rank
    from weighted

),

strongest as (

    select
        handle,
        skill_slug,
        array_agg(evidence_url order by evidence_rank) as evidence_urls
    from ranked
    where evidence_rank <= {{ var('evidence_urls_max') }}
    group by handle, skill_slug

),

criteria_met as (

    select
        weighted.handle,
        weighted.skill_slug,
        criteria.criterion_id,
        criteria.reason
    from weighted
    inner join criteria
        on weighted.evidence_kind = 'merged_pr'
        and weighted.is_others_repository
        and (criteria.evidence_kind = 'merged_pr' or weighted.is_bounty)
        and coalesce(weighted.repository_stars, 0) >= criteria.min_repository_stars
        and (
            criteria.within_months is null
            or weighted.evidence_at >= weighted.as_of_at - make_interval(months => criteria.within_months)
        )
    group by
        weighted.handle, weighted.skill_slug, criteria.criterion_id, criteria.reason,
        criteria.min_items, criteria.min_distinct_repositories
    having count(distinct weighted.evidence_url) >= criteria.min_items
        and count(distinct weighted.repository_full_name) >= criteria.min_distinct_repositories

),

reasons as (

    select
        handle,
        skill_slug,
        array_agg(reason order by criterion_id) as evidence_reasons
    from criteria_met
    group by handle, skill_slug

),

final as (

    select
        skills.handle,
        skills.skill_slug,
        skills.evidence_count,
        skills.strength,
        reasons.handle is not null as is_evidence_backed,
        coalesce(reasons.evidence_reasons, '{}') as evidence_reasons,
        strongest.evidence_urls
    from skills
    inner join strongest
        on strongest.handle = skills.handle
        and strongest.skill_slug = skills.skill_slug
    left join reasons
        on reasons.handle = skills.handle
        and reasons.skill_slug = skills.skill_slug

)

select * from final
