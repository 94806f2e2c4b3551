{#
    Per-posting models that grow with the data are incremental: a run re-reads only the
    postings it has not processed in their current version under the current rules.

    Every such model stores, beside posting_id, the posting's content_hash and a
    rules_hash (processing_hash below: the model's own SQL and the macros it calls outside
    this folder, the rows of every seed it reads, and the vars it names). A posting is
    re-processed when it is new, when its content_hash changed (the spiders hash everything
    the models read), or when rules_hash changed — so editing a seed, a var or the model
    re-processes every posting without anyone remembering `--full-refresh`.

    Usage in a model:

        {{ config(**incremental_posting_config(vars=['skill_context_window'])) }}
        ...
        postings as (
            {{ postings_to_process() }}
        ),
        ...
        final as (
            select ..., postings.content_hash,
                {{ processing_hash(vars=['skill_context_window']) }} as rules_hash
            ...
        )

    Postings deleted from raw keep their rows here until a full refresh; every consumer
    starts from stg_raw__postings, so those rows never surface.
#}

{#- work_mem: the token and rule joins hash millions of rows at scale; in memory, not on disk.
    ``vars``: the vars the model's rules read (also named in its processing_hash).
    ``planner``: planner settings for the model's statement ({'enable_mergejoin': 'off'}), for
    a join the planner misjudges; the model says why. -#}
{% macro incremental_posting_config(vars=[], planner={}) -%}
    {%- set settings = ["set local work_mem = '" ~ var('transform_work_mem') ~ "'"] -%}
    {%- for name, value in planner.items() | sort -%}
        {%- do settings.append("set local " ~ name ~ " = " ~ value) -%}
    {%- endfor -%}
    {{ return({
        'materialized': 'incremental',
        'unique_key': 'posting_id',
        'incremental_strategy': 'delete+insert',
        'on_schema_change': 'sync_all_columns',
        'pre_hook': settings + [
            "{{ stage_postings_to_process(" ~ vars ~ ") }}",
        ],
        'indexes': [{'columns': ['posting_id'], 'unique': true}],
        'tags': ['per_posting'],
    }) }}
{%- endmacro %}


{#- The model's code and every macro it calls that decides what a row holds (known only at
    execution time). The bookkeeping macros in macros/incremental/ (this file among them)
    are left out: they choose which postings a run reads and how tables are kept, never a
    row's values, so making them faster does not re-process every posting (a million
    postings: about half an hour of the per-posting models and the pair comparison). -#}
{% macro _code_fingerprint(vars) -%}
    {%- set parts = [model.raw_code] -%}
    {%- if execute -%}
        {#- the project's own macros; dbt's built-in ones change only with dbt -#}
        {%- for macro_id in model.depends_on.macros | sort if macro_id.startswith('macro.' ~ project_name ~ '.') -%}
            {%- set called = context[macro_id.split('.')[-1]].macro -%}
            {%- if not called.original_file_path.startswith('macros/incremental/') -%}
                {%- do parts.append(called.macro_sql) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {%- for name in vars | sort -%}
        {%- do parts.append(name ~ '=' ~ tojson(var(name))) -%}
    {%- endfor -%}
    {{ return(local_md5(parts | join('\n'))) }}
{%- endmacro %}


{#- A SQL expression, constant for the whole statement (uncorrelated sub-selects). -#}
{% macro processing_hash(vars=[]) -%}
    md5(concat_ws('|', '{{ _code_fingerprint(vars) }}'
    {%- if execute -%}
        {%- for node_id in model.depends_on.nodes | sort if node_id.startswith('seed.') %},
        (select md5(coalesce(string_agg(seed_row::text, '|' order by seed_row::text), ''))
         from {{ ref(node_id.split('.')[-1]) }} as seed_row)
        {%- endfor -%}
    {%- endif -%}
    ))
{%- endmacro %}


{#- Pre-hook (incremental runs): the postings this run must (re)process, those not processed
    in their current version within this run's batch, copied into an analysed temporary
    table the model reads (postings_to_process below). With a watermark (watermarks.sql)
    only the raw rows written since the model's last run are compared; without one (a first
    incremental run, a rules change, a batch) every posting is. The planner then knows how many
    there are: read from raw through an anti-join (or a semi-join on ids), 10k new postings
    beside a million processed ones were planned as 0.5-1M, and the pay parser's token
    joins ran for more than 15 minutes.
    In two steps: the anti-join reads only ids and content hashes, then each stale posting
    is read whole (postings_by_id below). One anti-join over whole rows hashed every raw row
    and unpacked every payload (about 10 s per model at a million postings, for 10k new ones).
    Then no nested loops on these runs but the lateral ones (function scans need them): the
    row estimates of the models' CTE chains (regexp and token steps) are off by 1000x, and
    the pay parser joined a step planned at 7 rows (54k real) in a nested loop (92k staged
    postings at 1M: 262 s; with hash joins 6 s). Not on a full build: there the same setting
    made the pay parser's plan worse (100k postings: 20 s with nested loops, > 5 min without). -#}
{% macro stage_postings_to_process(vars=[]) -%}
    {%- set watermark = valid_watermark(processing_hash(vars)) -%}
    {{ begin_watermark(processing_hash(vars)) }}
    {%- if watermark is not none %}
    {#- only raw rows written since the last run can be stale (macros/incremental/watermarks.sql) -#}
    {{ stage_written_postings(watermark, []) }}
    create temporary table stale_posting_ids on commit drop as
    select postings.posting_id
    from written_posting_ids
    {{ postings_by_id('written_posting_ids', 'postings') }}
    where {{ _not_processed('postings', vars) }};
    {%- elif is_incremental() %}
    create temporary table stale_posting_ids on commit drop as
    select postings.posting_id
    from {{ ref('stg_raw__postings') }} as postings
    where {{ _not_processed('postings', vars) }}
    {%- if in_posting_batch('postings') %}
        and {{ in_posting_batch('postings') }}
    {%- endif %};
    {%- endif %}
    {%- if is_incremental() %}
    {{ refuse_unbatched_backlog('stale_posting_ids') }}
    create temporary table postings_to_process on commit drop as
    select staged.*
    from stale_posting_ids
    {{ postings_by_id('stale_posting_ids', 'staged') }};
    analyze postings_to_process;
    set local enable_nestloop = off
    {%- else -%}
    select 1
    {%- endif -%}
{%- endmacro %}


{#- A condition: the posting ``alias`` (posting_id, content_hash) is not in this table in its
    current version under the current rules. -#}
{% macro _not_processed(alias, vars) -%}
    not exists (
        select 1
        from {{ this }} as processed
        where processed.posting_id = {{ alias }}.posting_id
            and processed.content_hash = {{ alias }}.content_hash
            and processed.rules_hash = {{ processing_hash(vars) }}
    )
{%- endmacro %}


{#- Pre-hook statement (with its semicolon), on an incremental run that is not batched: stop
    when the temporary table ``ids`` holds more postings than one batch (env
    MIDTIER_TRANSFORM_BATCH_POSTINGS, which midtier's dbt runs set; no limit without it).
    After a rule, seed or var change every posting is stale, and one statement over a
    million of them sorts and hashes beyond memory for hours; `midtier transform` catches
    this error and re-processes in batches (midtier/transform.py build). -#}
{% macro refuse_unbatched_backlog(ids) -%}
    {%- set limit = env_var('MIDTIER_TRANSFORM_BATCH_POSTINGS', '0') | int -%}
    {%- if limit > 0 and not in_posting_batch('batch') -%}
    do $refuse_unbatched_backlog$
    declare
        stale bigint := (select count(*) from {{ ids }});
    begin
        if stale > {{ limit }} then
            raise exception '% postings to process in {{ this }}: more than one batch ({{ limit }}), so they are processed in batches', stale;
        end if;
    end
    $refuse_unbatched_backlog$;
    {%- endif -%}
{%- endmacro %}


{#- A join clause: each posting named by ``ids``.posting_id (or another ``column``) read
    whole from stg_raw__postings as ``alias``, through raw's posting-id index. For a few
    postings out of many: a join sorted or hashed every raw row whole, and the planner
    cannot tell from an anti-join's output how few rows it holds; a lateral sub-select
    (offset 0 keeps PostgreSQL from flattening it into that join) is one index lookup per
    posting. -#}
{% macro postings_by_id(ids, alias, column='posting_id', join_using=none) -%}
    {{ 'inner join' if join_using else 'cross join' }} lateral (
        select by_id.*
        from {{ ref('stg_raw__postings') }} as by_id
        where by_id.posting_id = {{ ids }}.{{ column }}
        offset 0
    ) as {{ alias }}
    {%- if join_using %} using ({{ join_using }}){% endif %}
{%- endmacro %}


{#- The postings this run must (re)process, as a query: on an incremental run those the
    pre-hook staged, else all of them (a full build) within this run's batch. -#}
{% macro postings_to_process() -%}
    {#- unit tests render without a target relation (this is none): a full build -#}
    {%- if this is not none and is_incremental() -%}
    select * from postings_to_process
    {%- else -%}
    select * from {{ ref('stg_raw__postings') }} as postings
    {%- if in_posting_batch('postings') %}
    where {{ in_posting_batch('postings') }}
    {%- endif -%}
    {%- endif -%}
{%- endmacro %}


{#- A condition keeping the postings of this run's batch, or '' when the run is not batched.
    A first build over a large backlog runs the per-posting models (tag per_posting) once per
    range of posting ids (vars posting_id_from, inclusive, and posting_id_below, exclusive:
    md5 hex prefixes; see midtier/transform.py catch_up), so each statement sorts and hashes
    one batch instead of every posting at once. Both ends, not only the upper one: the
    planner then estimates a batch's postings from the statistics of raw's posting-id index
    (a third of the table otherwise, and token joins planned for that many fail badly). -#}
{% macro in_posting_batch(alias) -%}
    {%- set conditions = [] -%}
    {%- for name, operator in [('posting_id_from', '>='), ('posting_id_below', '<')] -%}
        {%- set bound = var(name, '') | string -%}
        {%- if bound -%}
            {%- if not modules.re.fullmatch('[0-9a-f]{1,32}', bound) -%}
                {%- do exceptions.raise_compiler_error('var ' ~ name ~ ' must be an md5 hex prefix, got ' ~ bound) -%}
            {%- endif -%}
            {%- do conditions.append(alias ~ ".posting_id " ~ operator ~ " '" ~ bound ~ "'") -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(conditions | join(' and ')) }}
{%- endmacro %}


{#- True on an incremental run whose existing table already has ``column``: a table built
    before the model kept it (an upgrade) is rebuilt whole once, as a full build would be,
    instead of the model reading a column sync_all_columns adds only afterwards. -#}
{% macro incremental_with(column) -%}
    {{ return(is_incremental() and execute
        and column in adapter.get_columns_in_relation(this) | map(attribute='name') | list) }}
{%- endmacro %}


{#- Post-hook: an index ``definition`` (what follows `on <table>`) tagged ``tag`` by its
    comment, unless this relation has an index with that tag. For indexes the models'
    `indexes` config cannot state (expressions, partial); unnamed, so PostgreSQL picks a
    free name: during a full refresh the old table (and its indexes) still exists as a
    backup, and a fixed name would collide with it. An untagged index of the same
    definition (left by a table built before the tag) is dropped. -#}
{% macro ensure_tagged_index(tag, definition) -%}
do $ensure_tagged_index$
declare
    before oid[];
    created oid;
begin
    if not exists (
        select 1
        from pg_index
        inner join pg_description
            on pg_description.objoid = pg_index.indexrelid
            and pg_description.classoid = 'pg_class'::regclass
        where pg_index.indrelid = '{{ this }}'::regclass
            and pg_description.description = 'midtier:{{ tag }}'
    ) then
        before := array(select indexrelid from pg_index where indrelid = '{{ this }}'::regclass);
        execute $definition$create index on {{ this }} {{ definition }}$definition$;
        select indexrelid into created
        from pg_index
        where indrelid = '{{ this }}'::regclass and indexrelid <> all(before);
        execute format('comment on index %s is %L', created::regclass, 'midtier:{{ tag }}');
        for before in
            select array[indexrelid]
            from pg_index
            where indrelid = '{{ this }}'::regclass
                and indexrelid <> created
                and obj_description(indexrelid, 'pg_class') is null
                and regexp_replace(pg_get_indexdef(indexrelid), ' INDEX \S+ ON ', ' INDEX ON ')
                    = regexp_replace(pg_get_indexdef(created), ' INDEX \S+ ON ', ' INDEX ON ')
        loop
            execute format('drop index %s', before[1]::regclass);
        end loop;
    end if;
end
$ensure_tagged_index$
{%- endmacro %}


{#- Pre-hook: drop the rows of postings no longer in raw (deleted by an operator), for a
    table the mart reads directly. With the table's watermark (rules aside: deletions do not
    depend on them), the candidates are the postings raw.posting_deletions logged since;
    without one, or after a TRUNCATE of raw, every row's id is checked, from the two
    tables' indexes alone (a DELETE joined with raw read both tables whole: a million
    postings, 18 s to delete nothing; the ids: 2-6 s; the log: milliseconds). -#}
{% macro forget_vanished_postings() -%}
    {%- if is_incremental() -%}
    {%- set watermark = valid_watermark(none) -%}
    {#- a posting deleted after this look and before the run's watermark is taken would be
        older than that watermark: looked for next time all the same -#}
    {{ note_earlier_look() }}
    create temporary table vanished_postings on commit drop as
    select kept.posting_id
    from {{ this }} as kept
    where not exists (
        select 1
        from {{ ref('stg_raw__postings') }} as postings
        where postings.posting_id = kept.posting_id
    )
    {%- if watermark is not none %}
        and (
            exists (
                select 1 from {{ source('raw', 'posting_deletions') }} as deletions
                where deletions.deleted_xid >= '{{ watermark }}'::xid8
                    and deletions.posting_id is null
            )
            or kept.posting_id in (
                select deletions.posting_id
                from {{ source('raw', 'posting_deletions') }} as deletions
                where deletions.deleted_xid >= '{{ watermark }}'::xid8
            )
        )
    {%- endif %};
    analyze vanished_postings;
    delete from {{ this }}
    where posting_id in (select posting_id from vanished_postings)
    {%- else -%}
    select 1
    {%- endif -%}
{%- endmacro %}
