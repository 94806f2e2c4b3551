{#
    Legitimacy: a logistic model over the posting's signals. Its weights (log-odds, seed
    legitimacy_weights, fitted by `midtier calibrate`; see docs/legitimacy.md) are summed
    with the intercept over the signals the posting shows, and

        legitimacy_score = 100 x (1 - probability of fraud) = 100 x (1 - 1 / (1 + exp(-logit)))

    rounded to whole points. The signals:
      feature_type rule  a legitimacy_rules row that matched. Text and company rules are
                         matched once per posting version in int_postings_text_signals; the
                         metric rules depend on the whole market and the client's other
                         postings, so they are evaluated here on every run:
        client_posting_velocity  near-identical postings of one client (>= threshold)
        pay_vs_market_ratio      hourly_usd_mid / the primary skill's market median
                                 (int_market_yardsticks: the whole market when the
                                 skill has too few postings, var market_rate_fallback
                                 when even that is thin) (>= threshold)
        budget_scope_ratio       fixed budget (USD midpoint) / typical cost of the scope the
                                 text describes (seed project_scope_markers) (<= threshold)
      feature_type term  a word or word pair of the legitimacy_terms seed in the text
                         (int_postings_text_signals.matched_terms).
    A signal without a row in legitimacy_weights counts for nothing.

    Explanations: how far the score is below that of a posting without any signal (the
    intercept's) is shared among the signals with a positive weight, in proportion to their
    weights: each signal's points. The var
    legitimacy_reasons_max signals that cost most (at least half a point) become
    legitimacy_reasons, each quoting its evidence and its points, e.g.
    'Names a private messaging app: "Telegram" (-21 points)'.

    The market-relative columns themselves (pay_vs_market_ratio, rate_position) are computed
    at read time in fct_postings; this model keeps what the pay rule decided (pay_rule_ratio
    and pay_rule_yardstick, null unless it fired), so a market move re-scores only the
    postings whose pay rule it changes.

    The signals of seed legitimacy_signals are kept as has_<signal> columns
    (has_off_platform_contact, has_pay_to_apply, ...) for the feed and analyses. Flagging
    happens in fct_postings (var flag_score_threshold).
#}

{#- Incremental: a run scores again only the postings one of its inputs moved under (new
    or changed pay, skills or text, a regrouped duplicate, a pay rule the market moved),
    found from what was written since the last run (macros/incremental/
    rescored_postings.sql); every posting when the rules changed.
    work_mem: a full run joins every posting's rows of five tables, hashed in memory. -#}
{%- set rule_vars = ['legitimacy_reasons_max'] -%}
{{ config(
    materialized='incremental',
    unique_key='posting_id',
    incremental_strategy='delete+insert',
    on_schema_change='sync_all_columns',
    pre_hook=[
        "set local work_mem = '" ~ var('transform_work_mem') ~ "'",
        "{{ stage_rescored_postings(" ~ rule_vars ~ ") }}",
    ],
    post_hook=["{{ ensure_index('posting_id', unique=true) }}"],
) }}

with

-- only the ids of the postings to score: read twice below, so PostgreSQL keeps it, narrow
postings as (

    {%- if is_incremental() %}
    select posting_id from rescored_postings
    {%- else %}
    select posting_id from {{ ref('stg_raw__postings') }}
    {%- endif %}

),

budgets as (

    select * from {{ ref('int_postings_budgeted') }}

),

skills as (

    select * from {{ ref('int_postings_skill_tagged') }}

),

duplicates as (

    select * from {{ ref('int_postings_deduplicated') }}

),

legitimacy_rules as (

    select * from {{ ref('legitimacy_rules') }}

),

legitimacy_weights as (

    select * from {{ ref('legitimacy_weights') }}

),

text_signals as (

    select * from {{ ref('int_postings_text_signals') }}

),

-- pay against the posting's yardstick (int_market_yardsticks, macros/market_yardsticks.sql)
priced as (

    select
        budgets.posting_id,
        skills.primary_skill,
        budgets.rate_basis,
        budgets.usd_mid,
        budgets.pay_is_plausible,
        budgets.pay_plausibility_reason,
        {{ yardstick_column('yardstick_name') }} as yardstick_name,
        {{ pay_vs_market_ratio('budgets.rate_basis', 'budgets.usd_mid') }} as pay_vs_market_ratio
    from postings
    inner join budgets
        on postings.posting_id = budgets.posting_id
    inner join skills
        on postings.posting_id = skills.posting_id
    {{ join_yardsticks('skills.primary_skill', 'budgets.rate_basis', ref('int_market_yardsticks')) }}

),

metrics as (

    select
        postings.posting_id,
        duplicates.client_posting_velocity,
        priced.pay_vs_market_ratio,
        case when priced.rate_basis = 'fixed' and text_signals.typical_project_usd is not null
            then round(priced.usd_mid / nullif(text_signals.typical_project_usd, 0), 4) end
            as budget_scope_ratio,
        priced.yardstick_name,
        priced.primary_skill,
        priced.rate_basis,
        priced.usd_mid,
        priced.pay_is_plausible,
        priced.pay_plausibility_reason,
        text_signals.scope_description,
        text_signals.scope_evidence
    from postings
    inner join duplicates
        on postings.posting_id = duplicates.posting_id
    left join priced
        on postings.posting_id = priced.posting_id
    left join text_signals
        on postings.posting_id = text_signals.posting_id

),

rule_matches as (

    select
        text_signals.posting_id,
        'rule' as feature_type,
        matches.rule_id as feature,
        matches.signal,
        matches.reason
    from postings
    inner join text_signals
        on postings.posting_id = text_signals.posting_id
    cross join lateral unnest(
        text_signals.matched_rule_ids,
        text_signals.matched_signals,
        text_signals.matched_reasons
    ) as matches (rule_id, signal, reason)

),

term_matches as (

    select
        text_signals.posting_id,
        'term' as feature_type,
        term.term as feature,
        null::text as signal,
        'Wording common in scam ads: "' || term.term || '"' as reason
    from postings
    inner join text_signals
        on postings.posting_id = text_signals.posting_id
    cross join lateral unnest(text_signals.matched_terms) as term (term)

),

metric_matches as (

    select
        metrics.posting_id,
        'rule' as feature_type,
        legitimacy_rules.rule_id as feature,
        legitimacy_rules.signal,
        legitimacy_rules.description || ': "' || case legitimacy_rules.pattern
            when 'client_posting_velocity' then
                metrics.client_posting_velocity || ' near-identical postings from this client'
            when 'pay_vs_market_ratio' then
                'pays ' || metrics.pay_vs_market_ratio || 'x the median of ' || metrics.yardstick_name
            when 'budget_scope_ratio' then
                'budget is ' || round(metrics.budget_scope_ratio * 100, 1) || '% of the typical cost of '
                    || metrics.scope_description || ' (' || metrics.scope_evidence || ')'
            when 'pay_is_plausible' then metrics.pay_plausibility_reason
        end || '"' as reason
    from metrics
    inner join legitimacy_rules
        on legitimacy_rules.applies_to = 'metric'
        and case legitimacy_rules.pattern
            when 'client_posting_velocity' then metrics.client_posting_velocity >= legitimacy_rules.threshold
            when 'pay_vs_market_ratio' then metrics.pay_vs_market_ratio >= legitimacy_rules.threshold
            when 'budget_scope_ratio' then metrics.budget_scope_ratio <= legitimacy_rules.threshold
            -- pay outside every plausible bound (seed pay_plausibility_bounds) has no figures,
            -- so the pay rules above cannot see an absurd rate: this one does
            when 'pay_is_plausible' then not metrics.pay_is_plausible
        end

),

matched as (

    select * from rule_matches
    union all
    select * from term_matches
    union all
    select * from metric_matches

),

-- a signal without a weight counts for nothing
weighted as (

    select
        matched.posting_id,
        matched.feature_type,
        matched.feature,
        matched.reason,
        legitimacy_weights.weight
    from matched
    inner join legitimacy_weights
        on matched.feature_type = legitimacy_weights.feature_type
        and matched.feature = legitimacy_weights.feature

),

intercept as (

    select coalesce(sum(weight), 0) as weight
    from legitimacy_weights
    where feature_type = 'intercept'

),

logits as (

    select
        postings.posting_id,
        intercept.weight as intercept,
        intercept.weight + coalesce(sum(weighted.weight), 0) as logit
    from postings
    cross join intercept
    left join weighted
        on postings.posting_id = weighted.posting_id
    group by postings.posting_id, intercept.weight

),

-- points each signal costs the score: how far the score is below a posting's without any
-- signal (the intercept's), shared among the signals that lower it in proportion to their
-- weights (near 0 or 100 the score barely moves without any one signal, so "the score
-- without it" would explain nothing)
contributions as (

    select
        weighted.*,
        greatest(0, 100 / (1 + exp(logits.intercept)) - 100 / (1 + exp(logits.logit)))
            * weighted.weight / sum(weighted.weight) over (partition by weighted.posting_id)
            as points
    from weighted
    inner join logits
        on weighted.posting_id = logits.posting_id
    where weighted.weight > 0

),

ranked as (

    select
        contributions.*,
        row_number() over (partition by posting_id order by points desc, feature) as rank
    from contributions
    where points >= 0.5

),

reasons as (

    select
        posting_id,
        array_agg(reason || ' (-' || round(points) || ' points)' order by rank) as legitimacy_reasons
    from ranked
    where rank <= {{ var('legitimacy_reasons_max') }}
    group by posting_id

),

-- every named rule that matched, weighted or not (has_<signal> columns, rule ids)
signals as (

    select
        matched.posting_id,
        array_agg(distinct matched.feature order by matched.feature) as legitimacy_rule_ids,
        array_agg(distinct matched.signal) as signals,
        bool_or(legitimacy_rules.pattern = 'pay_vs_market_ratio') as pay_rule_fired
    from matched
    inner join legitimacy_rules
        on matched.feature = legitimacy_rules.rule_id
    where matched.feature_type = 'rule'
    group by matched.posting_id

),

scores as (

    select
        logits.posting_id,
        logits.logit,
        reasons.legitimacy_reasons,
        signals.legitimacy_rule_ids,
        signals.signals,
        coalesce(signals.pay_rule_fired, false) as pay_rule_fired
    from logits
    left join reasons
        on logits.posting_id = reasons.posting_id
    left join signals
        on logits.posting_id = signals.posting_id

),

final as (

    select
        postings.posting_id,
        round(100 * (1 - 1 / (1 + exp(-scores.logit))))::integer as legitimacy_score,
        coalesce(scores.legitimacy_reasons, '{}'::text[]) as legitimacy_reasons,
        coalesce(scores.legitimacy_rule_ids, '{}'::text[]) as legitimacy_rule_ids,
        -- one column per signal of seed legitimacy_signals
        {%- for signal in legitimacy_signals() %}
        coalesce('{{ signal }}' = any(scores.signals), false) as has_{{ signal }},
        {%- endfor %}
        metrics.client_posting_velocity,
        metrics.budget_scope_ratio,
        -- what the pay rule was judged on, null unless it fired: a run re-scores the
        -- postings whose pay rule the market moved (macros/incremental/rescored_postings.sql)
        case when scores.pay_rule_fired then metrics.pay_vs_market_ratio end as pay_rule_ratio,
        case when scores.pay_rule_fired then metrics.yardstick_name end as pay_rule_yardstick,
        metrics.primary_skill,
        metrics.rate_basis,
        metrics.usd_mid
    from postings
    inner join metrics
        on postings.posting_id = metrics.posting_id
    inner join scores
        on postings.posting_id = scores.posting_id

)

select * from final
