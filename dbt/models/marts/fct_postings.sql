{#
    One row per posting ever seen (closed postings included, with closed_at), with pay
    normalised, skills tagged, role and place, duplicates grouped and a legitimacy score.
    What dashboards and exports read.

    A view over int_postings_enriched: the flag decision is made here, at read time, so a
    flag the data-quality checks write to quality.posting_flags after dbt has run shows at
    once, without a rebuild. Pay against the market (rate_position, pay_vs_market_ratio) is
    read here too, from the few rows of int_market_yardsticks, so the market moving with
    each crawl rewrites no stored posting. A posting is flagged when its legitimacy score is below
    var flag_score_threshold or a check flag on it is still open; each open check flag adds
    a reason in plain words (seed quality_check_reasons).

    Written as one SELECT, not the house's import CTEs: PostgreSQL never merges a view that
    starts with WITH into the query reading it, so the feed's ORDER BY ... LIMIT and its
    filters could not use the indexes on int_postings_enriched (a full sort of every open
    posting per page instead of a short index walk; see BENCHMARKS.md, Serve).
#}

{%- set is_score_flagged = 'postings.legitimacy_score < ' ~ var('flag_score_threshold') %}
{%- set is_flagged = is_score_flagged ~ ' or flag_reasons.posting_id is not null' %}
{%- set top_hourly_usd = 'coalesce(postings.hourly_usd_max, postings.hourly_usd_min)' %}
{%- set developer_skills = ref('fct_developer_skills') %}
{%- set floors = ref('stg_registry__rate_floors') %}

select
    postings.posting_id::text as posting_id,
    postings.source::text as source,
    postings.source_posting_id::text as source_posting_id,
    postings.url::text as url,
    postings.apply_url::text as apply_url,
    postings.title::text as title,
    postings.company_name::text as company_name,
    postings.description_text::text as description_text,
    postings.location::text as location,
    postings.tags::text[] as tags,
    postings.posted_at::timestamptz as posted_at,
    postings.group_first_seen_at::timestamptz as first_seen_at,
    postings.last_seen_at::timestamptz as last_seen_at,
    postings.closed_at::timestamptz as closed_at,
    postings.engagement_type::text as engagement_type,
    postings.is_budget_stated::boolean as is_budget_stated,
    postings.budget_currency::text as budget_currency,
    postings.budget_min::numeric(18, 2) as budget_min,
    postings.budget_max::numeric(18, 2) as budget_max,
    postings.budget_period::text as budget_period,
    postings.hourly_usd_min::numeric(14, 2) as hourly_usd_min,
    postings.hourly_usd_max::numeric(14, 2) as hourly_usd_max,
    postings.hourly_usd_mid::numeric(14, 2) as hourly_usd_mid,
    postings.fixed_usd_min::numeric(14, 2) as fixed_usd_min,
    postings.fixed_usd_max::numeric(14, 2) as fixed_usd_max,
    -- false: pay outside seed pay_plausibility_bounds, every figure above null
    postings.pay_is_plausible::boolean as pay_is_plausible,
    postings.pay_plausibility_reason::text as pay_plausibility_reason,
    postings.skills::text[] as skills,
    postings.primary_skill::text as primary_skill,
    postings.legitimacy_score::integer as legitimacy_score,
    (postings.legitimacy_reasons || coalesce(flag_reasons.reasons, '{}'::text[]))::text[]
        as legitimacy_reasons,
    -- the flag decision, in one place
    ({{ is_score_flagged }})::boolean as is_score_flagged,
    ({{ is_flagged }})::boolean as is_flagged,
    -- what Midtier publishes (the exports; the integrity check gates these rows): open, not
    -- flagged, the one copy of a duplicate group, and the source's terms allow re-publishing
    (postings.closed_at is null
        and not ({{ is_flagged }})
        and coalesce(postings.is_canonical, true)
        and postings.is_republishable)::boolean as is_publishable,
    postings.source_name::text as source_name,
    postings.source_attribution::text as source_attribution,
    postings.requires_link_back::boolean as requires_link_back,
    postings.source_terms_url::text as source_terms_url,
    postings.is_republishable::boolean as is_republishable,
    -- role and place (one column per attribute of seed classification_rules), timeline
    {{- classified_columns('postings', for_mart=true) }}
    postings.duration_weeks::numeric(8, 1) as duration_weeks,
    postings.hours_per_week::numeric(6, 1) as hours_per_week,
    postings.start::text as start,
    postings.start_on::date as start_on,
    postings.project_value_usd_est::numeric(14, 2) as project_value_usd_est,
    postings.is_mid_market::boolean as is_mid_market,
    -- the registry's published floors for the primary skill that the pay reaches, at read
    -- time: a new floor shows without a rebuild
    {{ floors_met(top_hourly_usd) }}::integer
        as floors_met,
    skill_floors.floors_total::integer as floors_total,
    -- the same for the evidence-backed developers in the primary skill
    {{ floors_met(top_hourly_usd, 'evidenced_skill_floors') }}::integer as evidenced_floors_met,
    evidenced_skill_floors.floors_total::integer as evidenced_floors_total,
    postings.is_salaried::boolean as is_salaried,
    -- pay against the market, at read time: a market move rewrites no posting
    {{ rate_position('postings.usd_mid') }}::text as rate_position,
    -- what rate_position compared with: a skill slug, 'the whole market' or 'the default market rates'
    case when postings.usd_mid is not null
        then {{ yardstick_column('yardstick_name') }} end::text as rate_yardstick,
    -- duplicates
    postings.duplicate_group_id::text as duplicate_group_id,
    postings.duplicate_group_size::integer as duplicate_group_size,
    postings.is_canonical::boolean as is_canonical,
    postings.also_seen_on::text[] as also_seen_on,
    -- legitimacy signals, one per row of seed legitimacy_signals
    {%- for signal in legitimacy_signals() %}
    postings.has_{{ signal }}::boolean as has_{{ signal }},
    {%- endfor %}
    postings.client_posting_velocity::integer as client_posting_velocity,
    {{ pay_vs_market_ratio('postings.rate_basis', 'postings.usd_mid') }}::numeric(10, 2)
        as pay_vs_market_ratio,
    postings.budget_scope_ratio::numeric(12, 4) as budget_scope_ratio,
    (flag_reasons.posting_id is not null)::boolean as has_open_quality_flag
from {{ ref('int_postings_enriched') }} as postings
{{ join_yardsticks('postings.primary_skill', 'postings.rate_basis', ref('int_market_yardsticks')) }}
{{ join_skill_floors('postings.primary_skill', floors) }}
{{ join_skill_floors('postings.primary_skill', evidenced_floors(developer_skills, floors), 'evidenced_skill_floors') }}
left join (
    select
        flags.posting_id,
        array_agg(
            coalesce(
                replace(check_reasons.reason, '{threshold}', '{{ var('flag_score_threshold') }}'),
                'Failed the data-quality check ' || replace(flags.check_name, '_', ' ')
                || coalesce(' (' || left(flags.observed_value, 120) || ')', '')
            )
            order by flags.check_name
        ) as reasons
    from {{ ref('stg_quality__posting_flags') }} as flags
    left join {{ ref('quality_check_reasons') }} as check_reasons
        on flags.check_name = check_reasons.check_name
    group by flags.posting_id
) as flag_reasons
    on postings.posting_id = flag_reasons.posting_id
