{#
    Market rates: percentiles of pay by skill x engagement type x region x month.

    Hourly, daily and salaried postings are compared in hourly_usd_mid (rate_unit
    usd_per_hour); fixed-price postings separately, as the USD midpoint of the budget
    (usd_per_project). A posting counts once per tagged skill; only one copy per duplicate
    group counts, and postings scored below var flag_score_threshold are left out. Cells
    with fewer than var rate_percentiles_min_n postings are suppressed: the row stays, with
    its n and the reason, and null percentiles, so readers can say what is missing and why.
#}

{%- set min_n = var('rate_percentiles_min_n') %}

with

-- from the narrow per-posting tables, not the wide enriched table (which holds every
-- column fct_postings shows): this model then runs beside int_postings_enriched, not after it
postings as (

    select
        raw_postings.posting_id,
        skills.skills,
        budgets.engagement_type,
        classified.region,
        raw_postings.posted_at,
        raw_postings.first_seen_at,
        budgets.rate_basis,
        budgets.usd_mid,
        duplicates.is_canonical,
        scores.legitimacy_score
    from {{ ref('stg_raw__postings') }} as raw_postings
    inner join {{ ref('int_postings_budgeted') }} as budgets
        on raw_postings.posting_id = budgets.posting_id
    inner join {{ ref('int_postings_skill_tagged') }} as skills
        on raw_postings.posting_id = skills.posting_id
    inner join {{ ref('int_postings_classified') }} as classified
        on raw_postings.posting_id = classified.posting_id
    inner join {{ ref('int_postings_deduplicated') }} as duplicates
        on raw_postings.posting_id = duplicates.posting_id
    inner join {{ ref('int_postings_scored') }} as scores
        on raw_postings.posting_id = scores.posting_id

),

priced as (

    select
        posting_id,
        skills,
        engagement_type,
        region,
        date_trunc('month', coalesce(posted_at, first_seen_at) at time zone 'UTC')::date as month,
        case rate_basis when 'fixed' then 'usd_per_project' else 'usd_per_hour' end as rate_unit,
        usd_mid
    from postings
    where is_canonical
        and legitimacy_score >= {{ var('flag_score_threshold') }}
        and usd_mid is not null

),

per_skill as (

    select
        skill.skill_slug as skill,
        priced.engagement_type,
        priced.region,
        priced.month,
        priced.rate_unit,
        priced.usd_mid
    from priced
    cross join lateral unnest(priced.skills) as skill (skill_slug)

),

-- Every region on its own, plus region 'all' (every region together), so a skill with too
-- few postings per region still gets a published overall band.
aggregated as (

    select
        skill,
        engagement_type,
        case when grouping(region) = 1 then 'all' else region end as region,
        month,
        rate_unit,
        count(*) as n,
        percentile_cont(array[0.10, 0.25, 0.50, 0.75, 0.90]) within group (order by usd_mid)
            as cuts
    from per_skill
    group by grouping sets (
        (skill, engagement_type, region, month, rate_unit),
        (skill, engagement_type, month, rate_unit)
    )

),

final as (

    select
        skill::text as skill,
        engagement_type::text as engagement_type,
        region::text as region,
        month::date as month,
        rate_unit::text as rate_unit,
        n::integer as n,
        {%- for cut in ['p10', 'p25', 'p50', 'p75', 'p90'] %}
        case when n >= {{ min_n }}
            then round(cuts[{{ loop.index }}]::numeric, 2) end::numeric(14, 2) as {{ cut }},
        {%- endfor %}
        (n < {{ min_n }})::boolean as is_suppressed,
        case when n < {{ min_n }}
            then 'fewer than {{ min_n }} postings: too few to publish percentiles without '
                || 'revealing single postings'
        end::text as suppressed_reason
    from aggregated

)

select * from final
