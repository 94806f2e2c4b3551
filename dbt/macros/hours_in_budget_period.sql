{#
    Working hours in one budget period, from var('hours_per_budget_period') in
    dbt_project.yml (the single home of the hourly-equivalent basis).
    Null for 'project' and unknown periods: a fixed budget has no hourly equivalent.
#}
{% macro hours_in_budget_period(period_column) -%}
    {%- set basis = var('hours_per_budget_period') -%}
    case {{ period_column }}
    {%- for period, hours in basis.items() %}
        when '{{ period }}' then {{ hours }}::numeric
    {%- endfor %}
    end
{%- endmacro %}
