{#
    Column introspection that names array types properly ("text[]" rather than
    information_schema's bare "ARRAY"). dbt builds unit-test fixtures with
    cast(... as <data_type>), and "ARRAY" is not a type PostgreSQL can cast to
    (dbt-labs/dbt-adapters#939). Overrides the dbt-postgres default through dispatch.
#}
{% macro postgres__get_columns_in_relation(relation) -%}
    {% call statement('get_columns_in_relation', fetch_result=True) %}
        select
            column_name,
            case
                when data_type = 'ARRAY' then substring(udt_name from 2) || '[]'
                else data_type
            end as data_type,
            character_maximum_length,
            numeric_precision,
            numeric_scale
        from {{ relation.information_schema('columns') }}
        where table_name = '{{ relation.identifier }}'
        {%- if relation.schema %}
            and table_schema = '{{ relation.schema }}'
        {%- endif %}
        order by ordinal_position
    {% endcall %}
    {{ return(sql_convert_columns_in_relation(load_result('get_columns_in_relation').table)) }}
{%- endmacro %}
