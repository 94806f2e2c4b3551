{#
    One row per posting ever seen (closed postings included, with closed_at), with pay
    normalised, skills tagged, role and place, duplicates grouped and a legitimacy score.
    What dashboards and exports read.

    A view over int_postings_enriched: the flag decision is made here, at read time, so a
    flag the data-quality checks write to quality.posting_flags after dbt has run shows at
    once, without a rebuild. A posting is flagged when its legitimacy score is below
    var flag_score_threshold or a check flag on it is still open; each open check flag adds
    a reason.
#}

with

postings as (

    select * from {{ ref('int_postings_enriched') }}

),

open_flags as (

    select * from {{ ref('stg_quality__posting_flags') }}

),

flag_reasons as (

    select
        posting_id,
        array_agg(
            'Data-quality check ' || check_name
                || coalesce(': "' || left(observed_value, 120) || '"', '')
            order by check_name
        ) as reasons
    from open_flags
    group by posting_id

),

-- The flag decision, in one place.
flagged as (

    select
        postings.*,
        postings.legitimacy_reasons || coalesce(flag_reasons.reasons, '{}'::text[])
            as all_reasons,
        flag_reasons.posting_id is not null as has_open_quality_flag,
        postings.legitimacy_score < {{ var('flag_score_threshold') }}
            or flag_reasons.posting_id is not null as is_flagged
    from postings
    left join flag_reasons
        on postings.posting_id = flag_reasons.posting_id

),

final as (

    select
        posting_id::text as posting_id,
        source::text as source,
        source_posting_id::text as source_posting_id,
        url::text as url,
        apply_url::text as apply_url,
        title::text as title,
        company_name::text as company_name,
        description_text::text as description_text,
        location::text as location,
        tags::text[] as tags,
        posted_at::timestamptz as posted_at,
        group_first_seen_at::timestamptz as first_seen_at,
        last_seen_at::timestamptz as last_seen_at,
        closed_at::timestamptz as closed_at,
        engagement_type::text as engagement_type,
        is_budget_stated::boolean as is_budget_stated,
        budget_currency::text as budget_currency,
        budget_min::numeric(18, 2) as budget_min,
        budget_max::numeric(18, 2) as budget_max,
        budget_period::text as budget_period,
        hourly_usd_min::numeric(14, 2) as hourly_usd_min,
        hourly_usd_max::numeric(14, 2) as hourly_usd_max,
        hourly_usd_mid::numeric(14, 2) as hourly_usd_mid,
        fixed_usd_min::numeric(14, 2) as fixed_usd_min,
        fixed_usd_max::numeric(14, 2) as fixed_usd_max,
        skills::text[] as skills,
        primary_skill::text as primary_skill,
        legitimacy_score::integer as legitimacy_score,
        all_reasons::text[] as legitimacy_reasons,
        is_flagged::boolean as is_flagged,
        source_name::text as source_name,
        source_attribution::text as source_attribution,
        requires_link_back::boolean as requires_link_back,
        is_republishable::boolean as is_republishable,
        -- role, place, timeline
        seniority::text as seniority,
        employment_type_normalised::text as employment_type,
        is_remote::boolean as is_remote,
        region::text as region,
        duration_weeks::numeric(8, 1) as duration_weeks,
        hours_per_week::numeric(6, 1) as hours_per_week,
        start::text as start,
        start_on::date as start_on,
        project_value_usd_est::numeric(14, 2) as project_value_usd_est,
        is_mid_market::boolean as is_mid_market,
        rate_position::text as rate_position,
        -- duplicates
        duplicate_group_id::text as duplicate_group_id,
        duplicate_group_size::integer as duplicate_group_size,
        is_canonical::boolean as is_canonical,
        also_seen_on::text[] as also_seen_on,
        -- legitimacy signals (the data-quality checks set expectations on these)
        has_off_platform_contact::boolean as has_off_platform_contact,
        has_free_mail_contact::boolean as has_free_mail_contact,
        has_pay_to_apply::boolean as has_pay_to_apply,
        has_equipment_purchase::boolean as has_equipment_purchase,
        has_unusual_payment::boolean as has_unusual_payment,
        has_personal_details_request::boolean as has_personal_details_request,
        has_unpaid_test_work::boolean as has_unpaid_test_work,
        has_urgency_pressure::boolean as has_urgency_pressure,
        has_missing_client_identity::boolean as has_missing_client_identity,
        has_too_good_to_be_true::boolean as has_too_good_to_be_true,
        client_posting_velocity::integer as client_posting_velocity,
        pay_vs_market_ratio::numeric(10, 2) as pay_vs_market_ratio,
        budget_scope_ratio::numeric(12, 4) as budget_scope_ratio,
        has_open_quality_flag::boolean as has_open_quality_flag

    from flagged

)

select * from final
