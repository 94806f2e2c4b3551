{#
    Generic model test: in one read of the model, every row meets each of `checks` (name: SQL
    condition on the model's columns; a condition may read a seed, e.g.
    `currency in (select currency from {{ ref('fx_rates') }})`) and none of `not_null` is
    null. A condition that is null (a null column) holds, as in a CHECK constraint. Each
    failing row gives its key and every check it breaks ("<column> is null" for a null).
    One test per rule read the whole model once each: at a million postings a view read
    costs 2.5-3.5 s, and fct_postings has fifty such rules.
    allowed_values (a relation of column_name, value rows, seed allowed_values): each column
    it names holds one of its values (check known_<column>), so a new enumerated column
    is checked by its rows alone.
#}
{% test row_checks(model, key, checks={}, not_null=[], allowed_values=none) %}
{%- set checks = checks.copy() -%}
{%- if allowed_values and execute -%}
    {%- set enumerated = run_query('select distinct column_name from ' ~ allowed_values ~ ' order by 1') -%}
    {%- for column in enumerated.columns[0].values() -%}
        {%- do checks.update({'known_' ~ column:
            adapter.quote(column) ~ "::text in (select value from " ~ allowed_values
            ~ " where column_name = '" ~ column ~ "')"}) -%}
    {%- endfor -%}
{%- endif %}

select {{ adapter.quote(key) }} as failing_key, broken_checks
from (
    select
        {{ adapter.quote(key) }},
        array_remove(array[
            {%- for column in not_null %}
            case when {{ adapter.quote(column) }} is null then '{{ column }} is null' end,
            {%- endfor %}
            {%- for name, condition in checks.items() %}
            case when not ({{ condition }}) then '{{ name }}' end,
            {%- endfor %}
            null
        ], null) as broken_checks
    from {{ model }}
) as checked
where cardinality(broken_checks) > 0

{% endtest %}
