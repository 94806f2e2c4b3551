{#
    The yardstick a posting's pay is judged against (rate_position, pay_vs_market_ratio and
    the pay rule of int_postings_scored), per rate basis ('hourly' or 'fixed'): one row per
    skill whose own percentiles are published (int_rate_benchmarks, var
    rate_percentiles_min_n), and one row with skill_slug '(all)' for every other posting:
    the whole market's percentiles, or var market_rate_fallback while even the market is
    thin. A posting takes its primary skill's row, else its basis's '(all)' row (macro
    join_yardsticks).

    A few dozen rows, joined by fct_postings on every query: the market-relative columns are
    computed at read time, so a market move does not rewrite the postings it moves. The
    unique index on (skill_slug, rate_basis) lets PostgreSQL drop both joins from a query
    of the view that reads no market column (the source and facet counts, the checks).
#}

{{ config(post_hook=["create unique index on {{ this }} (skill_slug, rate_basis)"]) }}

{%- set fallback = var('market_rate_fallback') -%}

with

benchmarks as (

    select * from {{ ref('int_rate_benchmarks') }}

),

bases as (

    select rate_basis
    from (values ('hourly'), ('fixed')) as bases (rate_basis)

),

skill_yardsticks as (

    select
        skill_slug,
        rate_basis,
        skill_slug as yardstick_name,
        p10,
        p25,
        p50,
        p75
    from benchmarks
    where skill_slug <> '(all)'
        and p50 is not null

),

market_yardsticks as (

    select
        '(all)' as skill_slug,
        bases.rate_basis,
        case when market.p50 is not null
            then 'the whole market' else 'the default market rates' end as yardstick_name,
        {%- for cut in ['p10', 'p25', 'p50', 'p75'] %}
        coalesce(market.{{ cut }}, case bases.rate_basis
            when 'fixed' then {{ fallback['fixed_usd_' ~ cut] }}
            else {{ fallback['hourly_usd_' ~ cut] }} end) as {{ cut }}{{ ',' if not loop.last }}
        {%- endfor %}
    from bases
    left join benchmarks as market
        on market.skill_slug = '(all)'
        and market.rate_basis = bases.rate_basis

),

final as (

    select * from skill_yardsticks

    union all

    select * from market_yardsticks

)

select * from final
