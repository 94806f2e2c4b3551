{#
    The incremental bookkeeping of int_postings_scored (see that model): which postings a
    run scores again.
#}

{#- Pre-hook (incremental runs): the analysed temporary table rescored_postings. With a
    watermark (watermarks.sql): the postings whose raw row, pay, skills, text signals or
    duplicate group were written since the last run, and those whose yardstick (macro
    market_yardsticks) is no longer the one they were scored against. Without one (the
    rules changed, an upgrade): every posting, into the emptied table — inserting a million
    rows afresh, not deleting and inserting them. -#}
{% macro stage_rescored_postings(vars) -%}
    {%- set watermarked = is_incremental() and valid_watermark(processing_hash(vars)) is not none %}
    {%- if is_incremental() and not watermarked %}
    truncate {{ this }};
    {%- endif %}
    {{ stage_postings_written_since_last_run(vars, [
        ref('int_postings_budgeted'), ref('int_postings_skill_tagged'),
        ref('int_postings_text_signals'), ref('int_postings_deduplicated')]) }};
    {%- if is_incremental() %}
    create temporary table rescored_postings on commit drop as
    select posting_id from written_posting_ids
    {%- if watermarked %}
    union
    select scored.posting_id
    from {{ this }} as scored
    {{ join_yardsticks('scored', ref('int_rate_benchmarks')) }}
    where (scored.yardstick_name, scored.yardstick) is distinct from (
        {{ yardstick_column('yardstick_name') }},
        array[{{ yardstick_column('p10') }}, {{ yardstick_column('p25') }},
              {{ yardstick_column('p50') }}, {{ yardstick_column('p75') }}])
    {%- endif %};
    analyze rescored_postings
    {%- else %}
    select 1
    {%- endif %}
{%- endmacro %}
