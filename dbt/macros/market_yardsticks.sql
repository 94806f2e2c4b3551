{#
    Reading int_market_yardsticks: the join giving a posting its yardstick, and the
    market-relative values computed from it. int_postings_scored judges its pay rule with
    these, fct_postings computes pay_vs_market_ratio and rate_position with them at read
    time, and the scores' pre-hook finds with them the postings whose pay rule the market
    moved: one definition for all three.
#}

{#- The two join clauses giving a row (its primary_skill and rate_basis expressions) its
    yardstick: its skill's, else its basis's market row ('(all)'); its columns through
    yardstick_column(). Left joins, so a view over them stays a plain join. -#}
{% macro join_yardsticks(primary_skill, rate_basis, yardsticks) -%}
    left join {{ yardsticks }} as skill_yardstick
        on {{ primary_skill }} = skill_yardstick.skill_slug
        and {{ rate_basis }} = skill_yardstick.rate_basis
    left join {{ yardsticks }} as market_yardstick
        on market_yardstick.skill_slug = '(all)'
        and {{ rate_basis }} = market_yardstick.rate_basis
{%- endmacro %}


{#- One column (yardstick_name, p10, p25, p50, p75) of the yardstick join_yardsticks found. -#}
{% macro yardstick_column(column) -%}
    coalesce(skill_yardstick.{{ column }}, market_yardstick.{{ column }})
{%- endmacro %}


{#- Hourly pay over the yardstick's median, two decimals; null for fixed budgets. -#}
{% macro pay_vs_market_ratio(rate_basis, usd_mid) -%}
    case when {{ rate_basis }} = 'hourly'
        then round({{ usd_mid }} / nullif({{ yardstick_column('p50') }}, 0), 2) end
{%- endmacro %}


{#- below_floor (< p10), under_market (< p25), market (<= p75) or premium. -#}
{% macro rate_position(usd_mid) -%}
    case
        when {{ usd_mid }} is null then null
        when {{ usd_mid }} < {{ yardstick_column('p10') }} then 'below_floor'
        when {{ usd_mid }} < {{ yardstick_column('p25') }} then 'under_market'
        when {{ usd_mid }} <= {{ yardstick_column('p75') }} then 'market'
        else 'premium'
    end
{%- endmacro %}
