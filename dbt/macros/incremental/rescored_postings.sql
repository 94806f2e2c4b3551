{#
    The incremental bookkeeping of int_postings_scored (see that model): which postings a
    run scores again.
#}

{#- Pre-hook (incremental runs): the analysed temporary table rescored_postings. With a
    watermark (watermarks.sql): the postings whose raw row, pay, skills, text signals or
    duplicate group were written since the last run, and those whose pay rule the market
    moved: it fires now and did not, no longer fires, or fires on another ratio or
    yardstick (the reason quotes both). Without one (the rules changed, an upgrade): every
    posting, into the emptied table — inserting a million rows afresh, not deleting and
    inserting them. -#}
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
    {{ join_yardsticks('scored.primary_skill', 'scored.rate_basis', ref('int_market_yardsticks')) }}
    cross join lateral (
        select {{ pay_vs_market_ratio('scored.rate_basis', 'scored.usd_mid') }} as ratio
    ) as now
    cross join lateral (
        select min(threshold) as threshold
        from {{ ref('legitimacy_rules') }}
        where applies_to = 'metric' and pattern = 'pay_vs_market_ratio'
    ) as pay_rule
    where scored.rate_basis = 'hourly'
        and (scored.pay_rule_ratio is not null or now.ratio >= pay_rule.threshold)
        and (scored.pay_rule_ratio, scored.pay_rule_yardstick) is distinct from (
            case when now.ratio >= pay_rule.threshold then now.ratio end,
            case when now.ratio >= pay_rule.threshold then {{ yardstick_column('yardstick_name') }} end)
    {%- endif %};
    analyze rescored_postings
    {%- else %}
    select 1
    {%- endif %}
{%- endmacro %}
