{#
    Generic model test: in one read of the model, every row meets each of `checks` (name: SQL
    condition on the model's columns; a condition may read a seed, e.g.
    `currency in (select currency from {{ ref('fx_rates') }})`) and none of `not_null` is
    null. A condition that is null (a null column) holds, as in a CHECK constraint. Each
    failing row gives its key and every check it breaks ("<column> is null" for a null).
    One test per rule read the whole model once each: at a million postings a view read
    costs 2.5-3.5 s, and fct_postings has fifty such rules.
#}
{% test row_checks(model, key, checks={}, not_null=[]) %}

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
