{#
    Generic test: column_name holds a value seed allowed_values lists for the mart column
    `mart_column` (a SQL expression over the model's row: a quoted name for a fixed column,
    or a column naming it, as classification_rules.attribute does). Nulls pass.
#}
{% test allowed_value(model, column_name, mart_column) %}

select checked.*
from {{ model }} as checked
where checked.{{ adapter.quote(column_name) }} is not null
    and not exists (
        select 1
        from {{ ref('allowed_values') }} as allowed
        where allowed.column_name = {{ mart_column }}
            and allowed.value = checked.{{ adapter.quote(column_name) }}::text
    )

{% endtest %}
