{#- On-run-start: a clear error on a server too old for the models, before any of them runs
    (int_postings_enriched hashes rows with hash_record_extended, new in PostgreSQL 14). -#}
{% macro require_postgres(minimum_version_num=140000) -%}
do $require_postgres$
begin
    if current_setting('server_version_num')::integer < {{ minimum_version_num }} then
        raise exception 'Midtier needs PostgreSQL {{ minimum_version_num // 10000 }} or later; this server runs %',
            current_setting('server_version');
    end if;
end
$require_postgres$
{%- endmacro %}
