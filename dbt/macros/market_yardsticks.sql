{#
    The yardstick a posting's pay is judged against (rate_position, pay_vs_market_ratio),
    per primary skill and rate basis ('hourly' or 'fixed'): the skill's own percentiles
    when it has enough postings; for any other skill (skill_slug null) the whole market's,
    or var market_rate_fallback while even the market is thin. A query over the
    benchmarks relation; a posting takes its skill's row, else its basis's null row.
    int_postings_scored scores with it (join_yardsticks below) and finds by it the postings
    whose yardstick moved.
#}
{% macro market_yardsticks(benchmarks) -%}
    {%- set fallback = var('market_rate_fallback') -%}
    select
        skill_benchmark.skill_slug,
        skill_benchmark.rate_basis,
        skill_benchmark.skill_slug as yardstick_name,
        skill_benchmark.p10,
        skill_benchmark.p25,
        skill_benchmark.p50,
        skill_benchmark.p75
    from {{ benchmarks }} as skill_benchmark
    where skill_benchmark.skill_slug <> '(all)'
        and skill_benchmark.p50 is not null

    union all

    select
        null,
        bases.rate_basis,
        case when market_benchmark.p50 is not null
            then 'the whole market' else 'the default market rates' end,
        {%- for cut in ['p10', 'p25', 'p50', 'p75'] %}
        coalesce(market_benchmark.{{ cut }}, case bases.rate_basis
            when 'fixed' then {{ fallback['fixed_usd_' ~ cut] }}
            else {{ fallback['hourly_usd_' ~ cut] }} end){{ ',' if not loop.last }}
        {%- endfor %}
    from (values ('hourly'), ('fixed')) as bases (rate_basis)
    left join {{ benchmarks }} as market_benchmark
        on market_benchmark.skill_slug = '(all)'
        and market_benchmark.rate_basis = bases.rate_basis
{%- endmacro %}


{#- The two join clauses giving each row of ``alias`` (primary_skill, rate_basis) its
    yardstick; its columns then through yardstick_column(). -#}
{% macro join_yardsticks(alias, benchmarks) -%}
    left join ({{ market_yardsticks(benchmarks) }}) as skill_yardstick
        on {{ alias }}.primary_skill = skill_yardstick.skill_slug
        and {{ alias }}.rate_basis = skill_yardstick.rate_basis
    inner join ({{ market_yardsticks(benchmarks) }}) as other_yardstick
        on other_yardstick.skill_slug is null
        and {{ alias }}.rate_basis = other_yardstick.rate_basis
{%- endmacro %}


{#- One column (yardstick_name, p10, p25, p50, p75) of the yardstick join_yardsticks found. -#}
{% macro yardstick_column(column) -%}
    coalesce(skill_yardstick.{{ column }}, other_yardstick.{{ column }})
{%- endmacro %}
