{#
    Generic test: every element of an array column appears in a column of another relation
    (the array analogue of `relationships`), e.g. fct_postings.skills against the skills seed.
#}
{% test array_values_in(model, column_name, to, field) %}

with elements as (
    select unnest({{ column_name }}) as element
    from {{ model }}
)

select elements.element as failing_value
from elements
left join {{ to }} as allowed
    on elements.element = allowed.{{ field }}
where allowed.{{ field }} is null

{% endtest %}
