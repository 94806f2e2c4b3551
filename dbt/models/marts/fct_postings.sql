{#
    One row per posting ever seen (closed postings included, with closed_at), with pay
    normalised, skills tagged and a legitimacy score. What dashboards and exports read.
#}

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
        scores.legitimacy_score,
        scores.legitimacy_reasons,
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
    inner join scores
        on postings.posting_id = scores.posting_id
    left join terms
        on postings.source = terms.source

),

-- The flag decision, in one place. Seam for the data-quality checks: a later change ORs in
-- the Great Expectations flags (quality.posting_flags) here.
flagged as (

    select
        joined.*,
        joined.legitimacy_score < {{ var('flag_score_threshold') }} as is_flagged
    from joined

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
        first_seen_at::timestamptz as first_seen_at,
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
        legitimacy_reasons::text[] as legitimacy_reasons,
        is_flagged::boolean as is_flagged,
        source_name::text as source_name,
        source_attribution::text as source_attribution,
        requires_link_back::boolean as requires_link_back,
        is_republishable::boolean as is_republishable
    from flagged

)

select * from final
