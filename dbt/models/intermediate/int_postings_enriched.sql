{#
    Everything fct_postings shows except what it decides at read time (the flag, and pay
    against the market: rate_position, pay_vs_market_ratio): one row per posting with pay,
    skills, role and place, timeline, duplicates and legitimacy joined. A table, so
    fct_postings (a view over it) can OR in the data-quality flags written after dbt ran.

    project_value_usd_est: a fixed budget's USD midpoint; otherwise hourly_usd_mid times the
    stated hours (total hours, or duration_weeks x hours_per_week, 40 h a week when not
    stated). is_mid_market: contract or freelance work whose hourly_usd_mid or project value is
    inside var mid_market; salaried work (is_salaried: a salary, or a full-time role) never
    is, however its pay converts to an hourly figure.

    Incremental: every column but the posting's own text is first joined narrow and hashed
    (input_hash, with the model's rules: its SQL, source_terms and the vars it reads); only
    postings whose hash moved — new or changed postings, a sighting (last_seen_at), a
    regrouped duplicate group, a new score — are joined with their text and rewritten.
    Only postings with a row written since the model's last run (in raw or an input table:
    macros/incremental/watermarks.sql) are hashed at all, every posting when the rules
    changed.
#}

{#- The feed's indexes (see BENCHMARKS.md, Serve): its order over open canonical postings
    (fct_postings.first_seen_at is group_first_seen_at), skill filters, and the newest
    crawl. The order's index is an expression with a WHERE clause, which dbt-postgres's
    `indexes` config cannot state (it takes plain columns), so a post-hook keeps it. -#}
{%- set rule_vars = ['mid_market', 'hours_per_budget_period'] -%}

{{ config(
    materialized='incremental',
    unique_key='posting_id',
    incremental_strategy='delete+insert',
    on_schema_change='sync_all_columns',
    pre_hook=[
        "set local work_mem = '" ~ var('transform_work_mem') ~ "'",
        "{{ forget_vanished_postings() }}",
        "{{ stage_postings_written_since_last_run(" ~ rule_vars ~ ", [ref('int_postings_budgeted'), ref('int_postings_skill_tagged'), ref('int_postings_classified'), ref('int_postings_deduplicated'), ref('int_postings_scored')]) }}",
    ],
    indexes=[
        {'columns': ['posting_id'], 'unique': true},
        {'columns': ['skills'], 'type': 'gin'},
        {'columns': ['last_seen_at']},
    ],
    post_hook=[
        "{{ ensure_tagged_index('feed_order', '((coalesce(posted_at, group_first_seen_at)) desc nulls last, posting_id) where closed_at is null and coalesce(is_canonical, true)') }}",
    ],
) }}

{%- set band = var('mid_market') -%}

with

-- not materialized: read narrow for every posting and wide for the changed ones only
postings as not materialized (

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

derived as (

    select
        postings.posting_id,
        -- the posting's own columns that move without a new version (a sighting, closing,
        -- the feed's terms), hashed: the whole row is joined back to the changed ones only
        hash_record_extended(
            (postings.content_hash, postings.crawl_run_id, postings.fetched_at,
             postings.first_seen_at, postings.last_seen_at, postings.closed_at,
             postings.feed_allows_republishing),
            0
        ) as posting_hash,
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
        budgets.rate_basis,
        budgets.usd_mid,
        budgets.pay_is_plausible,
        budgets.pay_plausibility_reason,
        skills.skills,
        skills.primary_skill,
        {{- classified_columns('classified') }}
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
        {%- for signal in legitimacy_signals() %}
        scores.has_{{ signal }},
        {%- endfor %}
        scores.client_posting_velocity,
        scores.budget_scope_ratio,
        -- Sources without recorded terms are the operator's own imports.
        coalesce(terms.display_name, postings.source) as source_name,
        coalesce(terms.attribution_text, 'via ' || postings.source) as source_attribution,
        coalesce(terms.requires_link_back, true) as requires_link_back,
        terms.terms_url as source_terms_url,
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
    {%- if is_incremental() %}
    -- postings with a row written since the last run (the pre-hook's; every one without a
    -- watermark): the others' inputs have not moved
    where postings.posting_id in (select posting_id from written_posting_ids)
    {%- endif %}

),

hashed as (

    -- the row hashed by each column type's hash function: its text form cost 4x as much
    -- (every numeric and timestamp printed), ~30 s per run at a million postings
    select
        derived.*,
        md5(hash_record_extended(derived, 0)::text || {{ processing_hash(rule_vars) }}) as input_hash
    from derived

),

changed as (

    select hashed.*
    from hashed
    {%- if incremental_with('input_hash') %}
    where not exists (
        select 1
        from {{ this }} as enriched_before
        where enriched_before.posting_id = hashed.posting_id
            and enriched_before.input_hash = hashed.input_hash
    )
    {%- endif %}

),

-- every column named once: the changed postings' derived columns (above) and their
-- whole raw row (stg_raw__postings), joined on posting_id
joined as (

    select *
    from changed
    {%- if incremental_with('input_hash') %}
    -- the few changed postings, each through raw's posting-id index
    {{ postings_by_id('changed', 'postings', join_using='posting_id') }}
    {%- else %}
    inner join postings using (posting_id)
    {%- endif %}

),

-- salaried work: a salary, or a full-time role, whatever else the text says
salaried as (

    select
        joined.*,
        coalesce(
            joined.engagement_type = 'salary' or joined.employment_type_normalised = 'full-time',
            false
        ) as is_salaried
    from joined

),

banded as (

    select
        salaried.*,
        coalesce(
            not salaried.is_salaried
            and (
                salaried.hourly_usd_mid between {{ band.hourly_usd_min }} and {{ band.hourly_usd_max }}
                or salaried.project_value_usd_est between {{ band.project_usd_min }} and {{ band.project_usd_max }}
            ),
            false
        ) as is_mid_market
    from salaried

),

final as (

    select * from banded

)

select * from final
