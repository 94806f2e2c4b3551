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

    Which pairs are compared (blocks of the same company, title words or opening text,
    bounded so the work grows linearly) and the pair measures are in
    int_posting_duplicate_pairs, which compares each posting version once; this model
    decides which pairs are copies and groups them on every run. In big blocks a copy far
    from its twin in the block's order can be missed and client_posting_velocity counts
    at most about twice the window (well above the legitimacy threshold).

    Copies form groups (transitively, by var duplicate_label_rounds rounds of label
    propagation with pointer jumping, the macro connected_components); duplicate_group_id is the smallest posting_id in the
    group, first_seen_at the group's earliest, is_canonical marks the one posting per group
    the feed shows (seen first), also_seen_on the urls of the other copies.

    client_posting_velocity counts the postings of the same client with near-identical text
    (any title) first seen within var client_velocity_window_days of this one: a legitimacy
    signal for clients spraying the same ad.
#}

{#- label propagation hashes every copy edge once per round: in memory, not sorted on disk -#}
{{ config(pre_hook="set local work_mem = '{{ var(\'transform_work_mem\') }}'") }}

with

postings as (

    select * from {{ ref('stg_raw__postings') }}

),

pairs as (

    select * from {{ ref('int_posting_duplicate_pairs') }}

),

normalised as (

    select posting_id, url, first_seen_at, posted_at
    from postings

),

-- the compared pairs of postings still in raw
scored_pairs as (

    select pairs.*
    from pairs
    inner join normalised as left_posting
        on pairs.left_posting_id = left_posting.posting_id
    inner join normalised as right_posting
        on pairs.right_posting_id = right_posting.posting_id

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
