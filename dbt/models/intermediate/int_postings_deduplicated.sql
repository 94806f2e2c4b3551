{#
    Duplicates: the same job cross-posted on several boards, or reposted.

    Two postings are copies when
      - their companies agree once normalised ("Acme, Inc." = "ACME"), or one names none
        and their texts are near-identical (var duplicate_min_text_overlap_without_company);
      - their descriptions overlap: shared word 3-gram shingles / the smaller shingle set
        (so a truncated copy still matches) >= var duplicate_min_text_overlap;
      - their titles agree: token Jaccard (board noise like "remote", "(m/w/d)" removed)
        >= var duplicate_min_title_similarity, and no seniority word differs;
      - both descriptions are long enough to compare (var duplicate_min_shingles).
    A title alone never makes a copy: two roles of one company with boilerplate descriptions
    differ in title, and two postings with the same title need overlapping descriptions.

    Candidates come from blocks (same company; for a posting naming no company also same
    title words or same opening text). A block of up to var duplicate_block_max_size
    postings is compared all against all; a bigger one is sorted by title and text and each
    posting compared with its next var duplicate_block_window neighbours, so the work grows
    linearly. In such big blocks a copy far from its twin in that order can be missed and
    client_posting_velocity counts at most about twice the window (well above the
    legitimacy threshold).

    Copies form groups (transitively, by var duplicate_label_rounds rounds of label
    propagation with pointer jumping, the macro connected_components); duplicate_group_id is the smallest posting_id in the
    group, first_seen_at the group's earliest, is_canonical marks the one posting per group
    the feed shows (seen first), also_seen_on the urls of the other copies.

    client_posting_velocity counts the postings of the same client with near-identical text
    (any title) first seen within var client_velocity_window_days of this one: a legitimacy
    signal for clients spraying the same ad.
#}

{#- the pair comparisons hash tens of millions of rows at scale: in memory, not sorted on disk -#}
{{ config(pre_hook="set local work_mem = '{{ var(\'transform_work_mem\') }}'") }}

with

postings as (

    select * from {{ ref('stg_raw__postings') }}

),

fingerprints as (

    select * from {{ ref('int_posting_fingerprints') }}

),

normalised as (

    select
        postings.posting_id,
        postings.url,
        postings.first_seen_at,
        postings.posted_at,
        fingerprints.company_key,
        fingerprints.title_words,
        fingerprints.title_key,
        fingerprints.text_key,
        fingerprints.opening_key,
        fingerprints.shingle_hashes,
        -- a compact key for the pair work, in posting_id order
        row_number() over (order by postings.posting_id) as posting_number
    from postings
    inner join fingerprints
        on postings.posting_id = fingerprints.posting_id

),

shingles as (

    select normalised.posting_number, shingle.shingle_hash
    from normalised
    cross join lateral unnest(normalised.shingle_hashes) as shingle (shingle_hash)

),

shingle_counts as (

    select posting_number, cardinality(shingle_hashes) as shingle_count
    from normalised
    where cardinality(shingle_hashes) > 0

),

-- candidate pairs come from blocks: same company, same title words, or the same opening
-- text. Pairs from different named companies are never copies, so the title and text
-- blocks only pair a posting that names no company.
blocks as (

    select posting_id, 'company:' || company_key as block_key, true as is_company_block
    from normalised
    where company_key is not null

    union all

    select posting_id, 'title:' || title_key, false
    from normalised
    where cardinality(title_words) > 0

    union all

    select posting_id, 'text:' || opening_key, false
    from normalised
    where opening_key is not null

),

-- a block small enough is compared all against all; a bigger one (a prolific client, a
-- stock title) is sorted so copies sit together (title, then text) and each posting is
-- compared with the next var duplicate_block_window postings only: candidate pairs grow
-- linearly with the number of postings
block_members as (

    select
        blocks.block_key,
        blocks.is_company_block,
        normalised.posting_number,
        normalised.company_key is not null as has_company,
        row_number() over block_order as block_rank,
        count(*) over (partition by blocks.block_key) as block_size
    from blocks
    inner join normalised
        on blocks.posting_id = normalised.posting_id
    inner join shingle_counts
        on normalised.posting_number = shingle_counts.posting_number
    window block_order as (
        partition by blocks.block_key
        order by normalised.title_key, normalised.text_key, normalised.first_seen_at,
            normalised.posting_id
    )

),

block_pairs as (

    select left_member.*, right_member.posting_number as other_posting_number,
        right_member.has_company as other_has_company
    from block_members as left_member
    inner join block_members as right_member
        on left_member.block_key = right_member.block_key
        and left_member.block_rank < right_member.block_rank
    where left_member.block_size <= {{ var('duplicate_block_max_size') }}

    union all

    select left_member.*, right_member.posting_number, right_member.has_company
    from block_members as left_member
    cross join generate_series(1, {{ var('duplicate_block_window') }}) as step
    inner join block_members as right_member
        on left_member.block_key = right_member.block_key
        and right_member.block_rank = left_member.block_rank + step
    where left_member.block_size > {{ var('duplicate_block_max_size') }}

),

candidate_pairs as (

    select distinct
        least(posting_number, other_posting_number) as left_posting_number,
        greatest(posting_number, other_posting_number) as right_posting_number
    from block_pairs
    where is_company_block or not has_company or not other_has_company

),

-- the cheap tests first: a pair can only be a copy when its titles agree, and only count
-- for client velocity when first seen within the window; only those pairs have their
-- descriptions compared (same result, far fewer shingle joins)
titled_pairs as (

    select
        candidate_pairs.left_posting_number,
        candidate_pairs.right_posting_number,
        left_posting.posting_id as left_posting_id,
        right_posting.posting_id as right_posting_id,
        left_posting.company_key as left_company_key,
        right_posting.company_key as right_company_key,
        (
            select count(*) from (
                select unnest(left_posting.title_words)
                intersect
                select unnest(right_posting.title_words)
            ) as shared_words
        )::numeric / nullif((
            select count(*) from (
                select unnest(left_posting.title_words)
                union
                select unnest(right_posting.title_words)
            ) as all_words
        ), 0) as title_similarity,
        exists (
            select 1
            from unnest(left_posting.title_words || right_posting.title_words) as word
            where word in ('senior', 'sr', 'junior', 'jr', 'lead', 'principal', 'staff', 'intern',
                           'mid', 'head', 'director', 'manager', 'associate', 'i', 'ii', 'iii')
                and not (word = any(left_posting.title_words) and word = any(right_posting.title_words))
        ) as has_different_seniority,
        least(left_posting.first_seen_at, right_posting.first_seen_at) as earlier_seen_at,
        abs(extract(epoch from left_posting.first_seen_at - right_posting.first_seen_at)) / 86400
            as days_apart
    from candidate_pairs
    inner join normalised as left_posting
        on candidate_pairs.left_posting_number = left_posting.posting_number
    inner join normalised as right_posting
        on candidate_pairs.right_posting_number = right_posting.posting_number

),

plausible_pairs as (

    select *
    from titled_pairs
    where (title_similarity >= {{ var('duplicate_min_title_similarity') }} and not has_different_seniority)
        or days_apart <= {{ var('client_velocity_window_days') }}

),

-- each pair with the left posting's shingles first (a fence, so the planner never joins
-- shingles to shingles across all postings), then matched against the right posting's
left_pair_shingles as materialized (

    select
        plausible_pairs.left_posting_number,
        plausible_pairs.right_posting_number,
        left_shingle.shingle_hash
    from plausible_pairs
    inner join shingles as left_shingle
        on plausible_pairs.left_posting_number = left_shingle.posting_number

),

shared_shingles as (

    select
        left_pair_shingles.left_posting_number,
        left_pair_shingles.right_posting_number,
        count(*) as shared_count
    from left_pair_shingles
    inner join shingles as right_shingle
        on left_pair_shingles.right_posting_number = right_shingle.posting_number
        and left_pair_shingles.shingle_hash = right_shingle.shingle_hash
    group by left_pair_shingles.left_posting_number, left_pair_shingles.right_posting_number

),

scored_pairs as (

    select
        plausible_pairs.left_posting_id,
        plausible_pairs.right_posting_id,
        shared_shingles.shared_count::numeric
            / nullif(least(left_count.shingle_count, right_count.shingle_count), 0) as text_overlap,
        least(left_count.shingle_count, right_count.shingle_count) as shorter_shingle_count,
        plausible_pairs.left_company_key,
        plausible_pairs.right_company_key,
        plausible_pairs.title_similarity,
        plausible_pairs.has_different_seniority,
        plausible_pairs.earlier_seen_at,
        plausible_pairs.days_apart
    from plausible_pairs
    inner join shared_shingles
        on plausible_pairs.left_posting_number = shared_shingles.left_posting_number
        and plausible_pairs.right_posting_number = shared_shingles.right_posting_number
    inner join shingle_counts as left_count
        on plausible_pairs.left_posting_number = left_count.posting_number
    inner join shingle_counts as right_count
        on plausible_pairs.right_posting_number = right_count.posting_number

),

same_client_pairs as (

    select
        *,
        case
            when left_company_key is not null and right_company_key is not null
                then left_company_key = right_company_key
            else text_overlap >= {{ var('duplicate_min_text_overlap_without_company') }}
        end as is_same_client
    from scored_pairs

),

copy_edges as (

    select left_posting_id, right_posting_id
    from same_client_pairs
    where is_same_client
        and text_overlap >= {{ var('duplicate_min_text_overlap') }}
        and shorter_shingle_count >= {{ var('duplicate_min_shingles') }}
        and title_similarity >= {{ var('duplicate_min_title_similarity') }}
        and not has_different_seniority

),

undirected_edges as (

    select left_posting_id as from_id, right_posting_id as to_id from copy_edges
    union all
    select right_posting_id, left_posting_id from copy_edges

),

-- copies form groups transitively: label propagation over the copy edges
{{ connected_components('undirected_edges', 'from_id', 'to_id', var('duplicate_label_rounds'), 'components') }},

groups as (

    select
        normalised.posting_id,
        coalesce(components.label, normalised.posting_id) as duplicate_group_id
    from normalised
    left join components_round_{{ var('duplicate_label_rounds') }} as components
        on normalised.posting_id = components.node_id

),

grouped as (

    select
        normalised.posting_id,
        normalised.url,
        groups.duplicate_group_id,
        min(normalised.first_seen_at) over group_members as group_first_seen_at,
        count(*) over group_members as group_size,
        row_number() over (
            partition by groups.duplicate_group_id
            order by normalised.first_seen_at, normalised.posted_at nulls last, normalised.posting_id
        ) = 1 as is_canonical,
        row_number() over (
            partition by groups.duplicate_group_id, normalised.url is null
            order by normalised.url, normalised.posting_id
        ) as url_rank
    from normalised
    inner join groups
        on normalised.posting_id = groups.posting_id
    window group_members as (partition by groups.duplicate_group_id)

),

-- the urls of the group, each posting's own (one occurrence of it) cut out
group_urls as (

    select
        duplicate_group_id,
        array_agg(url order by url, posting_id) filter (where url is not null) as urls
    from grouped
    where group_size > 1
    group by duplicate_group_id

),

other_urls as (

    select
        grouped.posting_id,
        case
            when grouped.url is null then group_urls.urls
            else group_urls.urls[:grouped.url_rank - 1] || group_urls.urls[grouped.url_rank + 1:]
        end as also_seen_on
    from grouped
    inner join group_urls
        on grouped.duplicate_group_id = group_urls.duplicate_group_id

),

-- near-identical text from the same client within the window, any title
velocity as (

    select posting_id, count(*) as near_identical_count
    from (
        select left_posting_id as posting_id from same_client_pairs
        where is_same_client
            and text_overlap >= {{ var('client_velocity_min_text_overlap') }}
            and days_apart <= {{ var('client_velocity_window_days') }}
        union all
        select right_posting_id from same_client_pairs
        where is_same_client
            and text_overlap >= {{ var('client_velocity_min_text_overlap') }}
            and days_apart <= {{ var('client_velocity_window_days') }}
    ) as pair_ends
    group by posting_id

),

final as (

    select
        grouped.posting_id,
        grouped.duplicate_group_id,
        grouped.group_size::integer as duplicate_group_size,
        grouped.is_canonical,
        coalesce(other_urls.also_seen_on, '{}'::text[]) as also_seen_on,
        grouped.group_first_seen_at,
        (1 + coalesce(velocity.near_identical_count, 0))::integer as client_posting_velocity
    from grouped
    left join other_urls
        on grouped.posting_id = other_urls.posting_id
    left join velocity
        on grouped.posting_id = velocity.posting_id

)

select * from final
