{#
    Generic model test: none of `columns` is null in any row, checked in one read of the
    model (a not_null test per column reads it once each). Each failing row lists the
    columns null in it.
#}
{% test not_null_columns(model, columns) %}

select null_columns
from (
    select array_remove(array[
        {%- for column in columns %}
        case when {{ adapter.quote(column) }} is null then '{{ column }}' end{{ "," if not loop.last }}
        {%- endfor %}
    ], null) as null_columns
    from {{ model }}
) as checked
where cardinality(null_columns) > 0

{% endtest %}
