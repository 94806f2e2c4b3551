{#
    intarray (a trusted extension that ships with PostgreSQL) gives sorted integer arrays
    set operations in C: the duplicate pairs intersect two postings' shingle sets ten times
    faster than a join of their unnested elements. It is created in its own schema
    (on-run-start), so its operators never shadow the built-in ones on int[] columns
    elsewhere; models call its functions by qualified name through intarray().
#}

{#- Concurrent first runs (Airflow runs dbt nodes in parallel) may both try to create it:
    the loser's error only says it exists now. -#}
{% macro create_intarray() -%}
    {%- if not _intarray_installed_schema() -%}
    do $create_intarray$
    begin
        create schema if not exists extensions;
        create extension if not exists intarray schema extensions;
    exception when unique_violation or duplicate_object or duplicate_schema then
        null;
    end
    $create_intarray$
    {%- else -%}
    select 1
    {%- endif -%}
{%- endmacro %}


{#- The qualified name of an intarray function, e.g. intarray('icount'). -#}
{% macro intarray(function) -%}
    {{ return((_intarray_installed_schema() or 'extensions') ~ '.' ~ function) }}
{%- endmacro %}


{#- Where intarray is installed (it may predate Midtier, in any schema), or none. -#}
{% macro _intarray_installed_schema() -%}
    {%- if not execute -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set found = run_query(
        "select quote_ident(nspname) from pg_extension"
        ~ " inner join pg_namespace on pg_namespace.oid = pg_extension.extnamespace"
        ~ " where extname = 'intarray'") -%}
    {{ return(found.rows[0][0] if found.rows | length > 0 else none) }}
{%- endmacro %}
