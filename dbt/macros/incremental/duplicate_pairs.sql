{#
    The incremental bookkeeping of int_posting_duplicate_pairs (see that model): which
    postings a run compares again, and forgetting their old pairs first.
#}

{#- WHERE clause on `live` keeping the postings whose fingerprint was not compared yet in
    its current version under the current rules; all of them on a full build. -#}
{% macro pairs_to_recompare(alias, vars) -%}
    {%- if this is not none and is_incremental() %}
    where not exists (
        select 1
        from {{ this }} as done
        where done.right_posting_id is null
            and done.left_posting_id = {{ alias }}.posting_id
            and done.input_hash = {{ alias }}.input_hash
            and done.rules_hash = {{ processing_hash(vars) }}
    )
    {%- endif -%}
{%- endmacro %}


{#- Pre-hook: the postings not compared in their current version (pending_postings: with a
    watermark, looked for among the fingerprints written since the last run only) and
    those of them this run compares (recompared_postings: the pending postings of its batch),
    as analysed temporary tables the model reads; then drop every pair and marker of the
    recompared ones. -#}
{% macro forget_recompared_pairs(vars) -%}
    {%- set watermark = valid_watermark(processing_hash(vars)) -%}
    {{ begin_watermark(processing_hash(vars)) }}
    {%- if is_incremental() -%}
    {%- if watermark is not none %}
    {#- a posting's input is its fingerprint: only those written since the last run can be
        pending (watermarks.sql) -#}
    {{ stage_written_postings(watermark, [ref('int_posting_fingerprints')], raw=false) }}
    {%- endif %}
    create temporary table pending_postings on commit drop as
    select live.posting_id
    from (
        select
            fingerprints.posting_id,
            md5(fingerprints.content_hash || fingerprints.rules_hash) as input_hash
        from {{ ref('int_posting_fingerprints') }} as fingerprints
        inner join {{ ref('stg_raw__postings') }} as postings
            on fingerprints.posting_id = postings.posting_id
        {%- if watermark is not none %}
        where fingerprints.posting_id in (select posting_id from written_posting_ids)
        {%- endif %}
    ) as live
    {{ pairs_to_recompare('live', vars) }};
    analyze pending_postings;
    create temporary table recompared_postings on commit drop as
    select pending.posting_id
    from pending_postings as pending
    {%- if in_posting_batch('pending') %}
    where {{ in_posting_batch('pending') }}
    {%- endif %};
    analyze recompared_postings;
    {{ refuse_unbatched_backlog('recompared_postings') }}
    {#- = any(array(...)): through each end's index; planned as a semi-join, the right ends'
        delete read all 8.5M pairs at a million postings (2.7 s) to find none for 10k new -#}
    delete from {{ this }}
    where left_posting_id = any(array(select posting_id from recompared_postings));
    delete from {{ this }}
    where right_posting_id = any(array(select posting_id from recompared_postings))
    {%- else -%}
    select 1
    {%- endif -%}
{%- endmacro %}
