{#
    Duplicates: the same job cross-posted on several boards, or reposted.

    Two postings are copies when
      - their companies agree once normalised ("Acme, Inc." = "ACME"), or one names none
        and their texts are near-identical (var duplicate_min_text_overlap_without_company);
      - their descriptions overlap: shared word 3-gram shingles / the smaller shingle set
        (so a truncated copy still matches) >= var duplicate_min_text_overlap, or, when
        both name the same company, shared distinct words / the smaller word set >= var
        duplicate_min_word_overlap (a condensed rewrite keeps an ad's words, not its
        phrasing);
      - their titles agree: token Jaccard (board noise like "remote", "(m/w/d)" and the
        company's own words removed) >= var duplicate_min_title_similarity, no seniority
        word differs, and they do not name disjoint stacks ("(Python)" / "(Go)");
      - their locations are not clearly different places: when both name a place, they
        share a place word (int_posting_fingerprints.location_words: "Berlin, Germany" =
        "Berlin", "US, NY, New York" <> "US, TX, Houston"; "Remote (US)" or a missing
        location never parts two postings). A company posting one ad per city has one
        opening per city; a posting that names no place joins only the closest of its
        copies that name one (see copy_pairs);
      - both descriptions are long enough to compare (var duplicate_min_shingles);
      - they were posted within var duplicate_max_days_apart days of each other (posting
        dates when both have one, else first seen): a role a company opens again months
        later is a new job, not a copy of the old one, and belongs in the feed and the rates.
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
    the feed shows (seen first), also_seen_on the urls of the other copies (at most var
    also_seen_on_max_urls, the first by url: a list that grew with the group made each
    row's size grow with it, quadratic storage for a spammer's thousands of copies).

    client_posting_velocity counts the postings of the same client with near-identical text
    (any title) first seen within var client_velocity_window_days of this one: a legitimacy
    signal for clients spraying the same ad.

    Incremental: a run regroups only the postings a change can reach. A posting is changed
    when its pairs were compared again (its marker in int_posting_duplicate_pairs is new),
    its url or dates moved, or this model's rules did. Every pair that appeared or vanished
    touches a changed posting, so what can differ is the group and velocity of a changed
    posting, of its copy and velocity partners now, and of its velocity partners before
    (velocity_partner_ids; a vanished pair is remembered nowhere else): those postings'
    old groups are regrouped whole with all their pairs, and copy pairs never reach
    outside them.
#}

{%- set rule_vars = [
    'duplicate_min_text_overlap_without_company', 'duplicate_min_text_overlap',
    'duplicate_min_word_overlap',
    'duplicate_min_shingles', 'duplicate_min_title_similarity', 'duplicate_label_rounds',
    'client_velocity_min_text_overlap', 'client_velocity_window_days', 'also_seen_on_max_urls',
    'duplicate_max_days_apart',
] -%}

{%- set shown_urls = var('also_seen_on_max_urls') | int -%}

{%- set regroup_changed_only = incremental_with('velocity_partner_ids') -%}

{#- a run with a valid watermark regroups the few postings a crawl reached: their inputs and
    pairs are looked up one by one through the indexes. Without one (this model's rules
    changed, a restore) it may regroup every posting, and plain joins are the planner's
    choice: forced lookups took 320 s where joins take ≈ 175 s for all 1.07M. -#}
{%- set regroup_by_lookup = regroup_changed_only
    and valid_watermark(processing_hash(rule_vars)) is not none -%}

{#- label propagation hashes every copy edge once per round: in memory, not sorted on disk -#}
{{ config(
    materialized='incremental',
    unique_key='posting_id',
    incremental_strategy='delete+insert',
    on_schema_change='sync_all_columns',
    pre_hook=[
        "set local work_mem = '" ~ var('transform_work_mem') ~ "'",
        "{{ find_regrouped_postings(" ~ rule_vars ~ ") }}",
    ],
    indexes=[{'columns': ['posting_id'], 'unique': true}, {'columns': ['duplicate_group_id']}],
) }}

with

-- not materialized: the incremental path reads it by posting through its indexes
pairs as not materialized (

    select * from {{ ref('int_posting_duplicate_pairs') }}

),

{%- if regroup_changed_only %}
-- the pairs of the postings to regroup, looked up from the pre-hook's analysed table through
-- the pairs' indexes: the planner cannot size a CTE over every posting, took in_scope for
-- half of raw and read all 17.8M pairs (twice) instead of the few per posting (1M
-- postings: 297 s for 146k regrouped)
-- (sqlfluff renders one branch of the conditions below and misses the use)
scope_pairs as (  -- noqa: ST03

    select pairs.*
    from regrouped_postings
    {{ pairs_at_end('regrouped_postings', 'left_posting_id', regroup_by_lookup) }}
    where pairs.right_posting_id is not null

    union all

    -- each pair once: its left end in scope took it above
    select pairs.*
    from regrouped_postings
    {{ pairs_at_end('regrouped_postings', 'right_posting_id', regroup_by_lookup) }}
    where not exists (
        select 1
        from regrouped_postings as left_in_scope
        where left_in_scope.posting_id = pairs.left_posting_id
    )

),
{%- endif %}

-- what grouping reads of each posting (url, dates, input hash): on a full build every
-- posting's. On an incremental run the inputs of the postings regrouped, and only the url
-- and dates of the other ends of their pairs: computing every posting's inputs (a join of
-- raw with a million markers) to keep ≈ 50,000 of them, then sorting them, cost 3-4 s of
-- every run at a million postings
{%- if regroup_changed_only %}
normalised as (

    select postings.posting_id, postings.url, postings.first_seen_at, postings.posted_at
    from (
        select posting_id from regrouped_postings
        union
        select left_posting_id from scope_pairs
        union
        select right_posting_id from scope_pairs
    ) as wanted
    {%- if regroup_by_lookup %}
    {{ postings_by_id('wanted', 'postings') }}
    {%- else %}
    inner join {{ ref('stg_raw__postings') }} as postings
        on wanted.posting_id = postings.posting_id
    {%- endif %}

),

-- the postings to regroup, found by the pre-hook
in_scope as (

    select inputs.*
    {%- if regroup_by_lookup %}
    from regrouped_postings
    cross join lateral (
        {{ duplicate_group_inputs() }}
        where postings.posting_id = regrouped_postings.posting_id
        offset 0
    ) as inputs
    {%- else %}
    from ({{ duplicate_group_inputs() }}) as inputs
    where inputs.posting_id in (select posting_id from regrouped_postings)
    {%- endif %}

),
{%- else %}
normalised as (

    {{ duplicate_group_inputs() }}

),

in_scope as (

    select * from normalised

),
{%- endif %}

-- the pairs of the postings in scope whose other end is still in raw (postings gone from raw
-- drop out at the joins); a copy's other end is in scope too (see above), a velocity partner
-- need not be
scored_pairs as (

    select pairs.*, {{ duplicate_pair_days_apart('left_posting', 'right_posting') }}
    {%- if regroup_changed_only %}
    from scope_pairs as pairs
    {%- else %}
    from pairs
    {%- endif %}
    inner join normalised as left_posting
        on pairs.left_posting_id = left_posting.posting_id
    inner join normalised as right_posting
        on pairs.right_posting_id = right_posting.posting_id

),

same_client_pairs as (

    select
        *,
        {{ duplicate_pair_is_copy('scored_pairs') }} as is_copy,
        {{ duplicate_pair_counts_for_velocity('scored_pairs') }} as counts_for_velocity
    from scored_pairs

),

-- a posting whose location names no place ("Remote (US)", none) joins, of its copies that
-- name one, only the closest (text, then words, then posting date; one): a board's remote
-- copy of one city's ad is as near to the other cities' ads (often word for word), and
-- would join them all in one group
copy_pairs as (

    select
        left_posting_id,
        right_posting_id,
        left_names_place = right_names_place
        or row_number() over (
            partition by
                left_names_place = right_names_place,
                case when left_names_place then right_posting_id else left_posting_id end
            order by
                text_overlap desc, word_overlap desc, posted_days_apart,
                case when left_names_place then left_posting_id else right_posting_id end
        ) = 1 as is_edge
    from same_client_pairs
    where is_copy

),

copy_edges as (

    select copy_pairs.left_posting_id, copy_pairs.right_posting_id
    from copy_pairs
    {%- if regroup_changed_only %}
    -- both ends in scope (both are in raw: scored_pairs)
    inner join regrouped_postings as left_posting
        on copy_pairs.left_posting_id = left_posting.posting_id
    inner join regrouped_postings as right_posting
        on copy_pairs.right_posting_id = right_posting.posting_id
    {%- endif %}
    where is_edge

),

undirected_edges as (

    select left_posting_id as from_id, right_posting_id as to_id from copy_edges
    union all
    select right_posting_id, left_posting_id from copy_edges

),

-- the postings on a copy edge numbered in posting_id order, so the propagation hashes
-- integers instead of 32-character ids every round (half the time and memory; the smallest
-- number of a group is still its smallest posting_id)
node_numbers as (

    select from_id as posting_id, row_number() over (order by from_id) as node
    from undirected_edges
    group by from_id

),

numbered_edges as (

    select from_node.node as from_node, to_node.node as to_node
    from undirected_edges
    inner join node_numbers as from_node
        on undirected_edges.from_id = from_node.posting_id
    inner join node_numbers as to_node
        on undirected_edges.to_id = to_node.posting_id

),

-- copies form groups transitively: label propagation over the copy edges
{{ connected_components('numbered_edges', 'from_node', 'to_node', var('duplicate_label_rounds'), 'components') }},

groups as (

    select
        in_scope.posting_id,
        coalesce(group_node.posting_id, in_scope.posting_id) as duplicate_group_id
    from in_scope
    left join node_numbers as own_node
        on in_scope.posting_id = own_node.posting_id
    left join components_round_{{ var('duplicate_label_rounds') }} as components
        on own_node.node = components.node_id
    left join node_numbers as group_node
        on components.label = group_node.node

),

grouped as (

    select
        in_scope.posting_id,
        in_scope.url,
        groups.duplicate_group_id,
        min(in_scope.first_seen_at) over group_members as group_first_seen_at,
        count(*) over group_members as group_size,
        row_number() over (
            partition by groups.duplicate_group_id
            order by in_scope.first_seen_at, in_scope.posted_at nulls last, in_scope.posting_id
        ) = 1 as is_canonical,
        row_number() over (
            partition by groups.duplicate_group_id, in_scope.url is null
            order by in_scope.url, in_scope.posting_id
        ) as url_rank
    from in_scope
    inner join groups
        on in_scope.posting_id = groups.posting_id
    window group_members as (partition by groups.duplicate_group_id)

),

-- the group's first urls, one more than shown: each posting's own (one occurrence of it)
-- is cut out before the list is cut to length
group_urls as (

    select
        duplicate_group_id,
        (array_agg(url order by url, posting_id) filter (where url is not null))[:{{ shown_urls + 1 }}]
            as urls
    from grouped
    where group_size > 1
    group by duplicate_group_id

),

other_urls as (

    select
        grouped.posting_id,
        case
            when grouped.url is null or grouped.url_rank > {{ shown_urls + 1 }}
                then group_urls.urls[:{{ shown_urls }}]
            else (group_urls.urls[:grouped.url_rank - 1] || group_urls.urls[grouped.url_rank + 1:])[:{{ shown_urls }}]
        end as also_seen_on
    from grouped
    inner join group_urls
        on grouped.duplicate_group_id = group_urls.duplicate_group_id

),

-- near-identical text from the same client within the window, any title
velocity as (

    select
        posting_id,
        count(*) as near_identical_count,
        array_agg(partner_id order by partner_id) as partner_ids
    from (
        select left_posting_id as posting_id, right_posting_id as partner_id
        from same_client_pairs
        where counts_for_velocity
        union all
        select right_posting_id, left_posting_id
        from same_client_pairs
        where counts_for_velocity
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
        (1 + coalesce(velocity.near_identical_count, 0))::integer as client_posting_velocity,
        coalesce(velocity.partner_ids, '{}'::text[]) as velocity_partner_ids,
        in_scope.input_hash,
        {{ processing_hash(rule_vars) }} as rules_hash
    from grouped
    inner join in_scope
        on grouped.posting_id = in_scope.posting_id
    left join other_urls
        on grouped.posting_id = other_urls.posting_id
    left join velocity
        on grouped.posting_id = velocity.posting_id

)

select * from final
