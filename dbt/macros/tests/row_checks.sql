{#
    Generic model test: every row meets each of `checks` (name: SQL condition on the model's
    columns), read once for all of them; a condition that is null (a null column) holds, as
    in a CHECK constraint. Each failing row lists the checks it breaks and its posting.
    One test per condition read the whole model once each: at a million postings eleven
    reads, ≈ 14 s of every build.
#}
{% test row_checks(model, checks, key) %}

select {{ adapter.quote(key) }} as failing_key, broken_checks
from (
    select
        {{ adapter.quote(key) }},
        array_remove(array[
            {%- for name, condition in checks.items() %}
            case when not ({{ condition }}) then '{{ name }}' end{{ "," if not loop.last }}
            {%- endfor %}
        ], null) as broken_checks
    from {{ model }}
) as checked
where cardinality(broken_checks) > 0

{% endtest %}
