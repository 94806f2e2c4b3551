{#
    The incremental bookkeeping of int_postings_deduplicated (see that model): which
    postings a run regroups.
#}

{#- Pre-hook: the postings this run regroups, as analysed temporary tables — CTEs would
    leave the planner guessing their sizes (it guessed millions for a few thousand, and
    read every pair instead of looking up the few it needs).

    changed_postings: grouped in another version or under other rules (with a watermark,
    looked for among the postings whose raw row or marker was written since the last run
    only). regrouped_postings:
    those, their copy and velocity partners now (other pairs change nothing), their
    velocity partners before, and every member of the old groups of all of them. -#}
{% macro find_regrouped_postings(vars) -%}
    {%- set watermark = valid_watermark(processing_hash(vars)) -%}
    {{ begin_watermark(processing_hash(vars)) }}
    {%- if incremental_with('velocity_partner_ids') -%}
    {%- if watermark is not none %}
    {#- a posting's inputs are its raw row and its marker in the pairs: only those written
        since the last run can have changed (watermarks.sql) -#}
    {{ stage_written_postings(watermark, [], keyed_relations=[
        [ref('int_posting_duplicate_pairs'), 'left_posting_id', 'written.right_posting_id is null']]) }}
    {%- endif %}
    create temporary table changed_postings on commit drop as
    select inputs.posting_id
    from ({{ duplicate_group_inputs() }}) as inputs
    where {% if watermark is not none -%}
        inputs.posting_id in (select posting_id from written_posting_ids)
        and {% endif -%}
        not exists (
        select 1
        from {{ this }} as grouped_before
        where grouped_before.posting_id = inputs.posting_id
            and grouped_before.input_hash = inputs.input_hash
            and grouped_before.rules_hash = {{ processing_hash(vars) }}
    );
    analyze changed_postings;

    {#- the compared pairs of postings still in raw, with their posting dates apart -#}
    {%- set dated_pairs -%}
    (
        select pairs.*, {{ duplicate_pair_days_apart('left_posting', 'right_posting') }}
        from {{ ref('int_posting_duplicate_pairs') }} as pairs
        inner join {{ ref('stg_raw__postings') }} as left_posting
            on left_posting.posting_id = pairs.left_posting_id
        inner join {{ ref('stg_raw__postings') }} as right_posting
            on right_posting.posting_id = pairs.right_posting_id
    )
    {%- endset %}
    create temporary table touched_postings on commit drop as
    select posting_id from changed_postings
    {%- if watermark is not none %}
    {# a few changed postings (a watermark's run): their pairs through the pairs' indexes,
       each end dated through raw's; joined whole, the pairs and raw were read entirely to
       date every pair (7-14 s at a million postings), which pays only when every posting
       changed (the rules) #}
    union
    select unnest(array[pairs.left_posting_id, pairs.right_posting_id])
    from (
        select pairs.*, {{ duplicate_pair_days_apart('left_posting', 'right_posting') }}
        from (
            select pairs.*
            from changed_postings as changed
            inner join {{ ref('int_posting_duplicate_pairs') }} as pairs
                on pairs.left_posting_id = changed.posting_id
            where pairs.right_posting_id is not null
            union
            select pairs.*
            from changed_postings as changed
            inner join {{ ref('int_posting_duplicate_pairs') }} as pairs
                on pairs.right_posting_id = changed.posting_id
        ) as pairs
        {{ postings_by_id('pairs', 'left_posting', 'left_posting_id') }}
        {{ postings_by_id('pairs', 'right_posting', 'right_posting_id') }}
    ) as pairs
    where {{ duplicate_pair_is_copy('pairs') }} or {{ duplicate_pair_counts_for_velocity('pairs') }}
    {%- else %}
    union
    select pairs.right_posting_id
    from changed_postings as changed
    inner join {{ dated_pairs }} as pairs
        on pairs.left_posting_id = changed.posting_id
    where {{ duplicate_pair_is_copy('pairs') }} or {{ duplicate_pair_counts_for_velocity('pairs') }}
    union
    select pairs.left_posting_id
    from changed_postings as changed
    inner join {{ dated_pairs }} as pairs
        on pairs.right_posting_id = changed.posting_id
    where {{ duplicate_pair_is_copy('pairs') }} or {{ duplicate_pair_counts_for_velocity('pairs') }}
    {%- endif %}
    union
    -- a pair that vanished names its partner only here
    select unnest(grouped_before.velocity_partner_ids)
    from changed_postings as changed
    inner join {{ this }} as grouped_before
        on grouped_before.posting_id = changed.posting_id;
    analyze touched_postings;

    create temporary table regrouped_postings on commit drop as
    select posting_id from touched_postings
    union
    select members.posting_id
    from {{ this }} as members
    where members.duplicate_group_id in (
        select grouped_before.duplicate_group_id
        from touched_postings as touched
        inner join {{ this }} as grouped_before
            on grouped_before.posting_id = touched.posting_id
    );
    analyze regrouped_postings
    {%- else -%}
    select 1
    {%- endif -%}
{%- endmacro %}


{#- FROM-clause join (alias `pairs`): the pairs of int_posting_duplicate_pairs whose ``end``
    (left_posting_id or right_posting_id) is a posting of ``ids``; ``by_lookup``: through that
    end's index, one posting at a time (few postings), else a join the planner plans. -#}
{% macro pairs_at_end(ids, end, by_lookup) -%}
    {%- if by_lookup %}
    cross join lateral (
        select by_end.*
        from {{ ref('int_posting_duplicate_pairs') }} as by_end
        where by_end.{{ end }} = {{ ids }}.posting_id
        offset 0
    ) as pairs
    {%- else %}
    inner join {{ ref('int_posting_duplicate_pairs') }} as pairs
        on pairs.{{ end }} = {{ ids }}.posting_id
    {%- endif %}
{%- endmacro %}
