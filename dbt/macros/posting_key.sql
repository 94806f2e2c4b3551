{#
    The stable identifier of a posting: an md5 of its source and the source's own id.
    Stays the same across crawls, re-imports and rebuilds.
#}
{% macro posting_key(source_column, source_posting_id_column) -%}
    md5({{ source_column }} || '|' || {{ source_posting_id_column }})
{%- endmacro %}
