{#
    Post-hook of every intermediate model (dbt_project.yml): ANALYZE the table the model
    just wrote when PostgreSQL has no column statistics on it yet (a table model or a first
    build just created it), or when a fifth of it changed since it was last analysed
    (batches of a large first build). pg_stats, not pg_class.reltuples, tells "never
    analysed": building the model's `indexes` sets reltuples, and the counts of changed
    rows reach pg_stat_user_tables only at commit, after this hook; so a first build's
    tables went unanalysed, and the duplicate pairs of 100,000 postings, planned on a
    fingerprints table without statistics, ran for more than 26 minutes instead of 45 s. The next model plans on them at once: autovacuum analyses a new
    table only a minute or more later, and planned on a fresh int_posting_fingerprints
    without statistics the duplicate pairs of 5,000 postings took 269 s instead of 1.4 s (a
    nested loop over 24.8M rows). Bookkeeping: never changes what a row holds.
#}
{% macro analyze_if_stale() -%}
    do $analyze_if_stale$
    begin
        if (
            select tables.reltuples < 0
                or not exists(
                    select 1 from pg_stats
                    where pg_stats.schemaname = '{{ this.schema }}'
                        and pg_stats.tablename = '{{ this.identifier }}'
                )
                or coalesce(activity.n_mod_since_analyze, 0) > 0.2 * greatest(tables.reltuples, 1)
            from pg_class as tables
            left join pg_stat_user_tables as activity
                on activity.relid = tables.oid
            where tables.oid = '{{ this }}'::regclass
        ) then
            analyze {{ this }};
        end if;
    end
    $analyze_if_stale$
{%- endmacro %}
