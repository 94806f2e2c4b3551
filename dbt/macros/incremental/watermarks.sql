{#
    Watermarks: which rows of a table were written since a model last ran, told by
    PostgreSQL itself. Every row version carries the id of the transaction that wrote it
    (the xmin system column): an insert or any update writes a new version, VACUUM and
    freezing keep it. So "written since this model's last run" is a scan of a table's own
    rows with no column, trigger or writer's cooperation, where comparing every posting's
    hashes with the model's (an anti-join over a million postings, 2.5-5 s per model) was
    the only way before.

    A model's watermark (table transform_watermarks, one row per model) is the oldest
    transaction still running when its last complete run began to look: everything an
    older transaction wrote was visible to that run, and anything newer is read again by
    the next one (a load committing during a run is never skipped, at worst read twice).
    It holds only as long as the model's table and rules are the ones it was recorded for:
    it names the cluster (a restored copy counts its transactions afresh), the table's
    storage (TRUNCATE, a full refresh or a restore gives it new storage) and the model's
    rules hash. Any mismatch, no watermark yet, or a batch of a large first build: the
    model compares every posting as before, and a run that did records one.
#}

{#- Beside the models that keep watermarks (all in the intermediate schema); by `this`
    inside a model, so no macro outside this folder joins the model's rules hash. -#}
{% macro watermarks_relation(schema=none) -%}
    {{ return(adapter.quote(schema or this.schema) ~ '.transform_watermarks') }}
{%- endmacro %}


{#- on-run-start: the table, once. Concurrent first runs (Airflow runs dbt nodes in
    parallel) may both try to create it: the loser's error only says it exists now. -#}
{% macro create_watermarks_table() -%}
    {%- set schema = generate_schema_name('intermediate', none) %}
    do $create_watermarks_table$
    begin
        create schema if not exists {{ adapter.quote(schema) }};
        create table if not exists {{ watermarks_relation(schema) }} (
            model_relation     text primary key,
            system_identifier  bigint not null,
            table_filenode     oid not null,
            rules_hash         text not null,
            watermark          xid8 not null,
            recorded_at        timestamptz not null default now()
        );
    exception when unique_violation or duplicate_object or duplicate_table or duplicate_schema then
        null;
    end
    $create_watermarks_table$
{%- endmacro %}


{#- The model's watermark as a number, or none when it does not hold (see above) or this
    run is a batch. ``rules_hash``: the SQL expression of the model's rules hash (none: for
    what does not depend on the rules). Read while the hooks are rendered, in the model's
    transaction. -#}
{% macro valid_watermark(rules_hash) -%}
    {%- if not execute or this is none or not is_incremental() or in_posting_batch('batch') -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set found = run_query(
        "select watermark::text from " ~ watermarks_relation() ~ " as recorded"
        ~ " where model_relation = '" ~ this ~ "'"
        ~ " and system_identifier = (select system_identifier from pg_control_system())"
        ~ " and table_filenode = pg_relation_filenode('" ~ this ~ "')"
        ~ (" and rules_hash = " ~ rules_hash if rules_hash is not none else "")
        ~ " and watermark <= pg_current_xact_id()"
        ~ " and pg_current_xact_id()::text::numeric - watermark::text::numeric < 1000000000") -%}
    {{ return(found.rows[0][0] | int if found.rows | length > 0 else none) }}
{%- endmacro %}


{#- Pre-hook statement (with its semicolon), before the run looks at what changed: the
    watermark this run will record (record_watermark, a post-hook of every intermediate
    model) under the model's ``rules_hash`` (a SQL expression), unless it is a batch (which
    sees only its postings). -#}
{% macro begin_watermark(rules_hash) -%}
    {%- if not in_posting_batch('batch') -%}
    create temporary table new_watermark on commit drop as
    select pg_snapshot_xmin(pg_current_snapshot()) as watermark, {{ rules_hash }} as rules_hash;
    {%- endif -%}
{%- endmacro %}


{#- Pre-hook statement (with its semicolon) of a check that runs before begin_watermark in
    the same model and reads what was written since the last watermark too (the vanished
    postings): the watermark recorded is then no later than this check's view. -#}
{% macro note_earlier_look() -%}
    create temporary table earlier_look on commit drop as
    select pg_snapshot_xmin(pg_current_snapshot()) as watermark;
{%- endmacro %}


{#- Post-hook of every intermediate model (dbt_project.yml): record the watermark its
    pre-hook took (begin_watermark, or an earlier look's) for the table as it is now;
    nothing for a model or run that took none. -#}
{% macro record_watermark() -%}
    do $record_watermark$
    begin
        if to_regclass('pg_temp.new_watermark') is not null then
            if to_regclass('pg_temp.earlier_look') is not null then
                update new_watermark
                set watermark = least(watermark, (select watermark from earlier_look));
            end if;
            insert into {{ watermarks_relation() }} as recorded
                (model_relation, system_identifier, table_filenode, rules_hash, watermark)
            select '{{ this }}', (select system_identifier from pg_control_system()),
                pg_relation_filenode('{{ this }}'), new_watermark.rules_hash, new_watermark.watermark
            from new_watermark
            on conflict (model_relation) do update set
                system_identifier = excluded.system_identifier,
                table_filenode = excluded.table_filenode,
                rules_hash = excluded.rules_hash,
                watermark = excluded.watermark,
                recorded_at = now();
        end if;
    end
    $record_watermark$
{%- endmacro %}


{#- A condition on ``alias`` (a table read directly, not a view: views have no xmin): its
    row was written by a transaction at or after ``watermark``. xmin is the 32-bit form of
    the id; its distance below the statement's snapshot horizon (xmax, above every id the
    statement can see) is taken modulo 2^32, exact while the watermark is less than 2^31
    transactions old (valid_watermark asks for 10^9). -#}
{% macro written_since(alias, watermark) -%}
    {%- set horizon = '(select pg_snapshot_xmax(pg_current_snapshot())::text::bigint)' -%}
    (({{ horizon }} - {{ alias }}.xmin::text::bigint) % 4294967296 + 4294967296) % 4294967296
        <= {{ horizon }} - {{ watermark }}
{%- endmacro %}


{#- Pre-hook statements (with their semicolons): the temporary table written_posting_ids,
    analysed — the postings whose raw row (unless not ``raw``), or whose row in one of
    ``relations`` (keyed by posting_id) or ``keyed_relations`` ([relation, its posting-id
    column, a condition on its rows aliased `written`]), was written since ``watermark``. Raw
    rows are found by their key and read by its index: raw's posting_id is an expression
    its view computes. -#}
{% macro stage_written_postings(watermark, relations, keyed_relations=[], raw=true) -%}
    {%- if raw -%}
    create temporary table written_raw_keys on commit drop as
    select written.source, written.source_posting_id
    from {{ source('raw', 'postings') }} as written
    where {{ written_since('written', watermark) }};
    analyze written_raw_keys;
    create temporary table written_posting_ids on commit drop as
    select by_key.posting_id
    from written_raw_keys
    cross join lateral (
        select postings.posting_id
        from {{ ref('stg_raw__postings') }} as postings
        where postings.source = written_raw_keys.source
            and postings.source_posting_id = written_raw_keys.source_posting_id
        offset 0
    ) as by_key
    {%- else %}
    create temporary table written_posting_ids on commit drop as
    {%- endif %}
    {%- set tables = [] -%}
    {%- for relation in relations -%}
        {%- do tables.append([relation, 'posting_id', none]) -%}
    {%- endfor -%}
    {%- for relation, column, condition in tables + keyed_relations %}
    {{ 'union' if raw or not loop.first }}
    select written.{{ column }}
    from {{ relation }} as written
    where {{ written_since('written', watermark) }}
    {%- if condition %}
        and {{ condition }}
    {%- endif %}
    {%- endfor %};
    analyze written_posting_ids;
{%- endmacro %}


{#- Pre-hook statements of a model that reads several per-posting tables: the analysed
    temporary table written_posting_ids holds the postings whose raw row or row in one of
    ``relations`` was written since the model's watermark; every posting on an incremental
    run without one. The model then looks at those postings only. -#}
{% macro stage_postings_written_since_last_run(vars, relations) -%}
    {%- set watermark = valid_watermark(processing_hash(vars)) -%}
    {{ begin_watermark(processing_hash(vars)) }}
    {%- if watermark is not none %}
    {{ stage_written_postings(watermark, relations) }}
    {%- elif is_incremental() %}
    create temporary table written_posting_ids on commit drop as
    select posting_id from {{ ref('stg_raw__postings') }};
    analyze written_posting_ids;
    {%- endif %}
    select 1
{%- endmacro %}
