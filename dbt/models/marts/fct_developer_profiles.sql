{#
    One public profile per verified, opted-in developer: floor, skills shown by evidence
    (strongest first), the tier (seed developer_tiers: the best one whose conditions hold)
    with its reasons, assessments with the reviewer's handle, and the self-declared track
    record, labelled self-declared and kept apart from the evidence.
#}

with

developers as (

    select * from {{ ref('stg_registry__developers') }}

),

floors as (

    select * from {{ ref('stg_registry__rate_floors') }}

),

skills as (

    select * from {{ ref('fct_developer_skills') }}

),

assessments as (

    select * from {{ ref('stg_registry__developer_assessments') }}

),

case_studies as (

    select * from {{ ref('stg_registry__developer_case_studies') }}

),

platform_history as (

    select * from {{ ref('stg_registry__developer_platform_history') }}

),

tiers as (

    select * from {{ ref('developer_tiers') }}

),

skill_summary as (

    select
        handle,
        array_agg(skill_slug order by strength desc, skill_slug) as skills,
        array_agg(skill_slug order by strength desc, skill_slug) filter (where is_evidence_backed)
            as evidence_backed_skills,
        count(*) as evidenced_skill_count,
        count(*) filter (where is_evidence_backed) as evidence_backed_skill_count
    from skills
    group by handle

),

skill_reasons as (

    select
        skills.handle,
        array_agg(skills.skill_slug || ': ' || reason.reason order by skills.skill_slug, reason.reason)
            as reasons
    from skills
    cross join lateral unnest(skills.evidence_reasons) as reason (reason)
    group by skills.handle

),

assessed as (

    select
        handle,
        jsonb_agg(
            jsonb_build_object(
                'reviewer_handle', reviewer_handle, 'assessed_on', assessed_on,
                'skill_slug', skill_slug, 'outcome', outcome, 'notes', notes
            )
            order by assessed_on desc, assessment_id desc
        ) as assessments
    from assessments
    group by handle

),

declared_case_studies as (

    select
        handle,
        jsonb_agg(
            jsonb_build_object(
                'self_declared', true, 'title', title, 'link', link, 'client_type', client_type,
                'budget_band', budget_band, 'duration', duration, 'skills', skills,
                'outcome', outcome
            )
            order by created_at desc, case_study_id desc
        ) as case_studies
    from case_studies
    group by handle

),

declared_platform_history as (

    select
        handle,
        jsonb_agg(
            jsonb_build_object(
                'self_declared', true, 'platform', platform,
                'projects_completed', projects_completed, 'rating', rating, 'link', link
            )
            order by created_at desc, platform_history_id desc
        ) as platform_history
    from platform_history
    group by handle

),

profiles as (

    select
        developers.handle,
        developers.github_login,
        developers.verified_at,
        floors.floor_usd_hourly,
        coalesce(skill_summary.skills, '{}') as skills,
        coalesce(skill_summary.evidence_backed_skills, '{}') as evidence_backed_skills,
        coalesce(skill_summary.evidenced_skill_count, 0) as evidenced_skill_count,
        coalesce(skill_summary.evidence_backed_skill_count, 0) as evidence_backed_skill_count,
        coalesce(skill_reasons.reasons, '{}') as skill_reasons,
        assessed.handle is not null as assessed,
        coalesce(assessed.assessments, '[]') as assessments,
        coalesce(declared_case_studies.case_studies, '[]') as self_declared_case_studies,
        coalesce(declared_platform_history.platform_history, '[]')
            as self_declared_platform_history
    from developers
    left join floors on floors.handle = developers.handle
    left join skill_summary on skill_summary.handle = developers.handle
    left join skill_reasons on skill_reasons.handle = developers.handle
    left join assessed on assessed.handle = developers.handle
    left join declared_case_studies on declared_case_studies.handle = developers.handle
    left join declared_platform_history on declared_platform_history.handle = developers.handle

),

tiered as (

    select
        profiles.handle,
        tiers.tier,
        tiers.reason,
        row_number() over (partition by profiles.handle order by tiers.tier_rank) as tier_choice
    from profiles
    inner join tiers
        on profiles.evidence_backed_skill_count >= tiers.min_evidence_backed_skills
        and profiles.evidenced_skill_count >= tiers.min_evidenced_skills
        and (profiles.assessed or not tiers.requires_assessment)

),

final as (

    select
        profiles.handle,
        profiles.github_login,
        profiles.verified_at,
        profiles.floor_usd_hourly,
        profiles.skills,
        profiles.evidence_backed_skills,
        tiered.tier,
        array[tiered.reason] || profiles.skill_reasons as tier_reasons,
        profiles.assessed,
        profiles.assessments,
        profiles.self_declared_case_studies,
        profiles.self_declared_platform_history
    from profiles
    inner join tiered
        on tiered.handle = profiles.handle
        and tiered.tier_choice = 1

)

select * from final
