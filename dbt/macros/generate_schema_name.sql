{#
    Models and seeds land in exactly the schema set for their folder in dbt_project.yml
    (staging, intermediate, marts, seeds) rather than dbt's default "<target>_<custom>".
    Anything without a custom schema falls back to the profile's schema.
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema | trim }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
