{#
    Candidate copies, compared once (incremental): the pairs of postings that could be the
    same job, with what int_postings_deduplicated decides on. A run compares only the
    postings whose fingerprint is new or changed (or all, when this model's rules
    changed) with the other members of their blocks; pairs of two unchanged postings are
    kept from earlier runs.

    Candidates come from blocks (same company; for a posting naming no company also same
    title words or same opening text). In a block of up to var duplicate_block_max_size
    postings a posting is compared with every other member; in a bigger one (a prolific
    client, a stock title), sorted by title and text, with its var duplicate_block_window
    neighbours on either side. Pairs from different named companies are never copies, so
    title and text blocks only pair a posting that names no company.

    Cheap tests first: only pairs whose titles agree and whose locations are not clearly
    different places (int_posting_fingerprints.location_words; a copy) or that were first seen
    within var client_velocity_window_days (client velocity) have their description
    shingles and words compared (text_overlap, word_overlap: shared / the smaller set); a
    pair with no shingle in common is not kept.

    A first build over a large backlog runs in batches of postings (vars posting_id_from, posting_id_below):
    each batch compares its postings with those compared before it and with each other.

    Rows: one per compared pair (left_posting_id < right_posting_id), plus one marker per
    compared posting version (right_posting_id null, input_hash = its fingerprint's
    content and rules) that tells the next run it is done.
#}

{%- set rule_vars = [
    'duplicate_block_max_size', 'duplicate_block_window',
    'duplicate_min_title_similarity', 'client_velocity_window_days',
] -%}

{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='sync_all_columns',
    pre_hook=[
        "set local work_mem = '" ~ var('transform_work_mem') ~ "'",
        "{{ forget_recompared_pairs(" ~ rule_vars ~ ") }}",
    ],
    indexes=[{'columns': ['left_posting_id']}, {'columns': ['right_posting_id']}],
    tags=['per_posting'],
) }}

with

postings as (

    select * from {{ ref('stg_raw__postings') }}

),

-- not materialized: the pairs look their postings' arrays up by posting_id
fingerprints as not materialized (

    select * from {{ ref('int_posting_fingerprints') }}

),

-- every posting's blocking keys without its word and shingle arrays: kept for the whole run
-- (in memory; with the arrays, 0.9 GB on disk at a million postings, read four times)
live as (

    select
        fingerprints.posting_id,
        fingerprints.company_key,
        fingerprints.title_key,
        cardinality(fingerprints.title_words) > 0 as has_title_words,
        fingerprints.text_key,
        fingerprints.opening_key,
        fingerprints.shingle_count,
        postings.first_seen_at,
        md5(fingerprints.content_hash || fingerprints.rules_hash) as input_hash
    from fingerprints
    inner join postings
        on fingerprints.posting_id = postings.posting_id

),

-- not yet compared in their current version: every posting on a full build, else found by
-- the pre-hook (forget_recompared_pairs)
pending as (

    {%- if is_incremental() %}
    select posting_id from pending_postings
    {%- else %}
    select posting_id from live
    {%- endif %}

),

-- compared by this run: the pending postings of its batch (see in_posting_batch); a pending
-- posting outside the batch is left out of the blocks, and meets this batch's postings when
-- its own batch runs
recompared as (

    {%- if is_incremental() %}
    select posting_id from recompared_postings
    {%- else %}
    select posting_id
    from pending
    {%- if in_posting_batch('pending') %}
    where {{ in_posting_batch('pending') }}
    {%- endif %}
    {%- endif %}

),

-- the blocks of the postings this run compares
touched_blocks as (

    select 'company:' || live.company_key as block_key
    from live
    inner join recompared
        on live.posting_id = recompared.posting_id
    where live.company_key is not null

    union

    select 'title:' || live.title_key
    from live
    inner join recompared
        on live.posting_id = recompared.posting_id
    where live.has_title_words

    union

    select 'text:' || live.opening_key
    from live
    inner join recompared
        on live.posting_id = recompared.posting_id
    where live.opening_key is not null

),

-- the members of those blocks, with what orders them: read off `live` once, not every
-- posting's every block joined back to `live` (3M block rows at a million postings)
blocks as (

    select live.*, 'company:' || live.company_key as block_key, true as is_company_block
    from live
    where live.company_key is not null
        and 'company:' || live.company_key in (select block_key from touched_blocks)

    union all

    select live.*, 'title:' || live.title_key, false
    from live
    where live.has_title_words
        and 'title:' || live.title_key in (select block_key from touched_blocks)

    union all

    select live.*, 'text:' || live.opening_key, false
    from live
    where live.opening_key is not null
        and 'text:' || live.opening_key in (select block_key from touched_blocks)

),

block_members as (

    select
        blocks.block_key,
        blocks.is_company_block,
        blocks.posting_id,
        blocks.company_key is not null as has_company,
        recompared.posting_id is not null as is_recompared,
        row_number() over block_order as block_rank,
        count(*) over (partition by blocks.block_key) as block_size
    from blocks
    left join recompared
        on blocks.posting_id = recompared.posting_id
    left join pending
        on blocks.posting_id = pending.posting_id
    where blocks.shingle_count > 0
        and (pending.posting_id is null or recompared.posting_id is not null)
    window block_order as (
        partition by blocks.block_key
        order by blocks.title_key, blocks.text_key, blocks.first_seen_at, blocks.posting_id
    )

),

block_pairs as (

    select recompared_member.*, other_member.posting_id as other_posting_id,
        other_member.has_company as other_has_company
    from block_members as recompared_member
    inner join block_members as other_member
        on recompared_member.block_key = other_member.block_key
        and recompared_member.posting_id <> other_member.posting_id
    where recompared_member.is_recompared
        and recompared_member.block_size <= {{ var('duplicate_block_max_size') }}

    union all

    select recompared_member.*, other_member.posting_id, other_member.has_company
    from block_members as recompared_member
    cross join generate_series(-{{ var('duplicate_block_window') }}, {{ var('duplicate_block_window') }}) as step
    inner join block_members as other_member
        on recompared_member.block_key = other_member.block_key
        and other_member.block_rank = recompared_member.block_rank + step
    where recompared_member.is_recompared
        and recompared_member.block_size > {{ var('duplicate_block_max_size') }}
        and step <> 0

),

candidate_pairs as (

    select distinct
        least(posting_id, other_posting_id) as left_posting_id,
        greatest(posting_id, other_posting_id) as right_posting_id
    from block_pairs
    where is_company_block or not has_company or not other_has_company

),

titled_pairs as (

    select
        candidate_pairs.left_posting_id,
        candidate_pairs.right_posting_id,
        left_posting.company_key as left_company_key,
        right_posting.company_key as right_company_key,
        least(left_posting.shingle_count, right_posting.shingle_count) as shorter_shingle_count,
        (
            select count(*) from (
                select unnest(left_words.title_words)
                intersect
                select unnest(right_words.title_words)
            ) as shared_words
        )::numeric / nullif((
            select count(*) from (
                select unnest(left_words.title_words)
                union
                select unnest(right_words.title_words)
            ) as all_words
        ), 0) as title_similarity,
        exists(
            select 1
            from unnest(left_words.title_words || right_words.title_words) as word
            where word in ('senior', 'sr', 'junior', 'jr', 'lead', 'principal', 'staff', 'intern',
                           'mid', 'head', 'director', 'manager', 'associate', 'i', 'ii', 'iii')
                and not (word = any(left_words.title_words) and word = any(right_words.title_words))
        ) as has_different_seniority,
        -- "Backend engineer (Python)" and "Backend engineer (Go)": both titles name skills
        -- and share none, so one client's boilerplate does not make them one job
        (
            cardinality(left_words.title_skill_words) > 0
            and cardinality(right_words.title_skill_words) > 0
            and not (left_words.title_skill_words && right_words.title_skill_words)
        ) as has_different_stack,
        -- "US, NY, New York" and "US, TX, Houston": one opening per city, often the same ad
        cardinality(left_words.location_words) > 0 as left_names_place,
        cardinality(right_words.location_words) > 0 as right_names_place,
        (
            cardinality(left_words.location_words) > 0
            and cardinality(right_words.location_words) > 0
            and not (left_words.location_words && right_words.location_words)
        ) as has_different_location,
        abs(extract(epoch from left_posting.first_seen_at - right_posting.first_seen_at)) / 86400
            as days_apart
    from candidate_pairs
    inner join live as left_posting
        on candidate_pairs.left_posting_id = left_posting.posting_id
    inner join live as right_posting
        on candidate_pairs.right_posting_id = right_posting.posting_id
    inner join fingerprints as left_words
        on candidate_pairs.left_posting_id = left_words.posting_id
    inner join fingerprints as right_words
        on candidate_pairs.right_posting_id = right_words.posting_id

),

-- materialized: PostgreSQL would otherwise inline these and run the per-pair sub-selects
-- once for the filter and again for the output
plausible_pairs as materialized (

    select *
    from titled_pairs
    where (
        title_similarity >= {{ var('duplicate_min_title_similarity') }}
        and not has_different_seniority
        and not has_different_location
    )
        or days_apart <= {{ var('client_velocity_window_days') }}

),

-- shared shingles per pair: the intersection of two short sorted integer sets (intarray),
-- far cheaper than one join of every pair's shingles at once
shared_shingles as materialized (

    select
        plausible_pairs.*,
        {{ intarray('icount') }}(
            {{ intarray('_int_inter') }}(left_posting.shingle_hashes, right_posting.shingle_hashes)
        ) as shared_count,
        {{ intarray('icount') }}(
            {{ intarray('_int_inter') }}(left_posting.word_hashes, right_posting.word_hashes)
        )::numeric / nullif(least(left_posting.word_count, right_posting.word_count), 0)
            as word_overlap
    from plausible_pairs
    inner join fingerprints as left_posting
        on plausible_pairs.left_posting_id = left_posting.posting_id
    inner join fingerprints as right_posting
        on plausible_pairs.right_posting_id = right_posting.posting_id

),

compared_pairs as (

    select
        left_posting_id,
        right_posting_id,
        shared_count::numeric / nullif(shorter_shingle_count, 0) as text_overlap,
        word_overlap,
        shorter_shingle_count,
        left_company_key,
        right_company_key,
        title_similarity,
        has_different_seniority,
        has_different_stack,
        left_names_place,
        right_names_place,
        has_different_location,
        days_apart,
        null::text as input_hash
    from shared_shingles
    where shared_count > 0

),

markers as (

    select
        live.posting_id as left_posting_id,
        null::text as right_posting_id,
        null::numeric as text_overlap,
        null::numeric as word_overlap,
        null::bigint as shorter_shingle_count,
        null::text as left_company_key,
        null::text as right_company_key,
        null::numeric as title_similarity,
        null::boolean as has_different_seniority,
        null::boolean as has_different_stack,
        null::boolean as left_names_place,
        null::boolean as right_names_place,
        null::boolean as has_different_location,
        null::numeric as days_apart,
        live.input_hash
    from live
    inner join recompared
        on live.posting_id = recompared.posting_id

),

final as (

    select *, {{ processing_hash(vars=rule_vars) }} as rules_hash
    from (
        select * from compared_pairs
        union all
        select * from markers
    ) as compared

)

select * from final
