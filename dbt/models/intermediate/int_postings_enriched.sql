{#
    Everything fct_postings shows except the live flag decision: one row per posting with
    pay, skills, role and place, timeline, duplicates and legitimacy joined. A table, so
    fct_postings (a view over it) can OR in the data-quality flags written after dbt ran.

    project_value_usd_est: a fixed budget's USD midpoint; otherwise hourly_usd_mid times the
    stated hours (total hours, or duration_weeks x hours_per_week, 40 h a week when not
    stated). is_mid_market: hourly_usd_mid or the project value inside var mid_market.
#}

{#- The feed's indexes (see BENCHMARKS.md, Serve): its order over open canonical postings
    (fct_postings.first_seen_at is group_first_seen_at), skill filters, and the newest
    crawl. Unnamed: the table is rebuilt each run while the old one briefly survives. -#}
{{ config(post_hook=[
    "create index on {{ this }} ((coalesce(posted_at, group_first_seen_at)) desc nulls last, posting_id)
        where closed_at is null and coalesce(is_canonical, true)",
    "create index on {{ this }} using gin (skills)",
    "create index on {{ this }} (last_seen_at)",
]) }}

{%- set band = var('mid_market') -%}

with

postings as (

    select * from {{ ref('stg_raw__postings') }}

),

budgets as (

    select * from {{ ref('int_postings_budgeted') }}

),

skills as (

    select * from {{ ref('int_postings_skill_tagged') }}

),

classified as (

    select * from {{ ref('int_postings_classified') }}

),

duplicates as (

    select * from {{ ref('int_postings_deduplicated') }}

),

scores as (

    select * from {{ ref('int_postings_scored') }}

),

terms as (

    select * from {{ ref('source_terms') }}

),

joined as (

    select
        postings.*,
        budgets.engagement_type,
        budgets.budget_currency,
        budgets.budget_min,
        budgets.budget_max,
        budgets.budget_period,
        budgets.is_budget_stated,
        budgets.hourly_usd_min,
        budgets.hourly_usd_max,
        budgets.hourly_usd_mid,
        budgets.fixed_usd_min,
        budgets.fixed_usd_max,
        skills.skills,
        skills.primary_skill,
        classified.seniority,
        classified.employment_type as employment_type_normalised,
        classified.is_remote,
        classified.region,
        classified.duration_weeks,
        classified.hours_per_week,
        classified.start,
        classified.start_on,
        case
            when budgets.engagement_type = 'fixed'
                then budgets.fixed_usd_mid
            when budgets.hourly_usd_mid is not null and classified.duration_hours is not null
                then budgets.hourly_usd_mid * classified.duration_hours
            when budgets.hourly_usd_mid is not null and classified.duration_weeks is not null
                then budgets.hourly_usd_mid * classified.duration_weeks
                    * coalesce(classified.hours_per_week, {{ var('hours_per_budget_period')['week'] }})
        end as project_value_usd_est,
        duplicates.duplicate_group_id,
        duplicates.duplicate_group_size,
        duplicates.is_canonical,
        duplicates.also_seen_on,
        duplicates.group_first_seen_at,
        scores.legitimacy_score,
        scores.legitimacy_reasons,
        scores.has_off_platform_contact,
        scores.has_free_mail_contact,
        scores.has_pay_to_apply,
        scores.has_equipment_purchase,
        scores.has_unusual_payment,
        scores.has_personal_details_request,
        scores.has_unpaid_test_work,
        scores.has_urgency_pressure,
        scores.has_missing_client_identity,
        scores.has_too_good_to_be_true,
        scores.client_posting_velocity,
        scores.pay_vs_market_ratio,
        scores.budget_scope_ratio,
        scores.rate_position,
        -- Sources without recorded terms are the operator's own imports.
        coalesce(terms.display_name, postings.source) as source_name,
        coalesce(terms.attribution_text, 'via ' || postings.source) as source_attribution,
        coalesce(terms.requires_link_back, true) as requires_link_back,
        coalesce(postings.feed_allows_republishing, terms.allows_republishing, true)
            as is_republishable
    from postings
    inner join budgets
        on postings.posting_id = budgets.posting_id
    inner join skills
        on postings.posting_id = skills.posting_id
    inner join classified
        on postings.posting_id = classified.posting_id
    inner join duplicates
        on postings.posting_id = duplicates.posting_id
    inner join scores
        on postings.posting_id = scores.posting_id
    left join terms
        on postings.source = terms.source

),

banded as (

    select
        joined.*,
        coalesce(
            joined.hourly_usd_mid between {{ band.hourly_usd_min }} and {{ band.hourly_usd_max }}
            or joined.project_value_usd_est between {{ band.project_usd_min }} and {{ band.project_usd_max }},
            false
        ) as is_mid_market
    from joined

),

final as (

    select * from banded

)

select * from final
