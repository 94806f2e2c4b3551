{#
    Market percentiles per skill, the yardstick for rate_position and pay_vs_market_ratio.

    One row per (skill_slug, rate_basis): rate_basis 'hourly' = hourly_usd_mid of hourly,
    daily and salaried postings; 'fixed' = the USD midpoint of fixed budgets. Each posting
    counts for its primary skill, and every posting for the whole market (skill_slug
    '(all)'). Only one posting per duplicate group counts, only plausible pay as stated
    (usd_mid is null otherwise, int_postings_budgeted), and no posting its text rules alone
    already score below var flag_score_threshold: the full score judges pay against these
    very benchmarks, so it cannot be read here. Percentiles below
    var rate_percentiles_min_n postings are left null (too few to judge against).

    Yardsticks are kept in whole dollars an hour and hundreds of dollars a project: a
    posting's pay_vs_market_ratio and rate_position then move when its market does, not
    with every posting added to it (which also made every run rewrite most of the mart).
#}

with

-- a posting deleted from raw keeps its rows in the per-posting tables: start from raw
postings as (

    select posting_id from {{ ref('stg_raw__postings') }}

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

text_signals as (

    select * from {{ ref('int_postings_text_signals') }}

),

legitimacy_weights as (

    select * from {{ ref('legitimacy_weights') }}

),

-- the score the text and company rules and the weighted words leave, on the same logistic
-- model as int_postings_scored (the market and client rules come later): 100 / (1 + e^logit)
text_logits as (

    select
        text_signals.posting_id,
        sum(legitimacy_weights.weight) as signal_weight
    from text_signals
    cross join lateral (
        select 'rule' as feature_type, rule_id as feature
        from unnest(text_signals.matched_rule_ids) as rule_id
        union all
        select 'term', term
        from unnest(text_signals.matched_terms) as term
    ) as matched
    inner join legitimacy_weights
        on matched.feature_type = legitimacy_weights.feature_type
        and matched.feature = legitimacy_weights.feature
    group by text_signals.posting_id

),

text_scores as (

    select
        text_logits.posting_id,
        100 / (1 + exp(intercept.weight + text_logits.signal_weight)) as text_score
    from text_logits
    cross join (
        select coalesce(sum(weight), 0) as weight
        from legitimacy_weights
        where feature_type = 'intercept'
    ) as intercept

),

priced as (

    select
        skills.primary_skill,
        budgets.rate_basis,
        budgets.usd_mid
    from postings
    inner join budgets
        on postings.posting_id = budgets.posting_id
    inner join skills
        on budgets.posting_id = skills.posting_id
    inner join duplicates
        on budgets.posting_id = duplicates.posting_id
    left join text_scores
        on budgets.posting_id = text_scores.posting_id
    where duplicates.is_canonical
        and budgets.usd_mid is not null
        -- a posting with no weighted signal scores the intercept's score, above the threshold
        and coalesce(text_scores.text_score, 100) >= {{ var('flag_score_threshold') }}

),

per_skill as (

    select primary_skill as skill_slug, rate_basis, usd_mid
    from priced
    where primary_skill is not null

    union all

    select '(all)', rate_basis, usd_mid
    from priced

),

percentiles as (

    select
        skill_slug,
        rate_basis,
        count(*) as n,
        percentile_cont(array[0.10, 0.25, 0.50, 0.75, 0.90]) within group (order by usd_mid)
            as cuts
    from per_skill
    group by skill_slug, rate_basis

),

final as (

    select
        skill_slug,
        rate_basis,
        n::integer as n,
        case when n >= {{ var('rate_percentiles_min_n') }} then round(cuts[1]::numeric, precision) end as p10,
        case when n >= {{ var('rate_percentiles_min_n') }} then round(cuts[2]::numeric, precision) end as p25,
        case when n >= {{ var('rate_percentiles_min_n') }} then round(cuts[3]::numeric, precision) end as p50,
        case when n >= {{ var('rate_percentiles_min_n') }} then round(cuts[4]::numeric, precision) end as p75,
        case when n >= {{ var('rate_percentiles_min_n') }} then round(cuts[5]::numeric, precision) end as p90
    from percentiles
    cross join lateral (
        select case rate_basis when 'fixed' then -2 else 0 end as precision
    ) as steps

)

select * from final
