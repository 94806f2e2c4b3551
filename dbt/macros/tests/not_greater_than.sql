{#
    Generic test: the column is never greater than `other_column` in the same row
    (e.g. budget_min <= budget_max). Rows where either side is null pass.
#}
{% test not_greater_than(model, column_name, other_column) %}

select {{ column_name }} as failing_value, {{ other_column }} as other_value
from {{ model }}
where {{ column_name }} is not null
  and {{ other_column }} is not null
  and {{ column_name }} > {{ other_column }}

{% endtest %}
