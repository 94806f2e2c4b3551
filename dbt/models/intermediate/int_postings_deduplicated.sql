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

    Copies form groups (transitively); duplicate_group_id is the smallest posting_id in the
    group, first_seen_at the group's earliest, is_canonical marks the one posting per group
    the feed shows (seen first), also_seen_on the urls of the other copies.

    client_posting_velocity counts the postings of the same client with near-identical text
    (any title) first seen within var client_velocity_window_days of this one: a legitimacy
    signal for clients spraying the same ad.
#}

with recursive

postings as (

    select * from {{ ref('stg_raw__postings') }}

),

normalised as (

    select
        posting_id,
        url,
        first_seen_at,
        posted_at,
        nullif(
            regexp_replace(
                regexp_replace(
                    lower(coalesce(company_name, '')),
                    '\m(inc|llc|ltd|limited|gmbh|bv|b\.v|sa|sas|ag|corp|corporation|co|company|plc|oy|ab|srl|pty|the)\M',
                    '', 'g'
                ),
                '[^a-z0-9]+', '', 'g'
            ),
            ''
        ) as company_key,
        array(
            select distinct word
            from regexp_split_to_table(lower(coalesce(title, '')), '[^a-z0-9+#]+') as word
            where word <> ''
                and word not in (
                    'remote', 'hybrid', 'onsite', 'us', 'usa', 'uk', 'eu', 'emea', 'europe',
                    'worldwide', 'anywhere', 'global', 'contract', 'freelance', 'full', 'part',
                    'time', 'm', 'w', 'd', 'f', 'x', 'h', 'only', 'job', 'position', 'role',
                    'hiring', 'we', 're', 'wanted', 'needed', 'a', 'an', 'the', 'for', 'with',
                    'and', 'in', 'of'
                )
        ) as title_words,
        regexp_split_to_array(
            btrim(regexp_replace(lower(left(coalesce(description_text, ''), 4000)), '[^a-z0-9]+', ' ', 'g')),
            ' '
        ) as description_words
    from postings

),

shingles as (

    select distinct
        normalised.posting_id,
        normalised.description_words[word_position]
            || ' ' || normalised.description_words[word_position + 1]
            || ' ' || normalised.description_words[word_position + 2] as shingle
    from normalised
    cross join lateral generate_series(1, cardinality(normalised.description_words) - 2)
        as word_position

),

shingle_counts as (

    select posting_id, count(*) as shingle_count
    from shingles
    group by posting_id

),

-- candidate pairs: same company, same title words, or the same opening text
blocks as (

    select posting_id, 'company:' || company_key as block_key
    from normalised
    where company_key is not null

    union

    select posting_id, 'title:' || array_to_string(array(select unnest(title_words) order by 1), ' ')
    from normalised
    where cardinality(title_words) > 0

    union

    select posting_id, 'text:' || md5(array_to_string(description_words[1:40], ' '))
    from normalised
    where cardinality(description_words) >= 20

),

candidate_pairs as (

    select distinct
        left_block.posting_id as left_posting_id,
        right_block.posting_id as right_posting_id
    from blocks as left_block
    inner join blocks as right_block
        on left_block.block_key = right_block.block_key
        and left_block.posting_id < right_block.posting_id

),

shared_shingles as (

    select
        candidate_pairs.left_posting_id,
        candidate_pairs.right_posting_id,
        count(*) as shared_count
    from candidate_pairs
    inner join shingles as left_shingle
        on candidate_pairs.left_posting_id = left_shingle.posting_id
    inner join shingles as right_shingle
        on candidate_pairs.right_posting_id = right_shingle.posting_id
        and left_shingle.shingle = right_shingle.shingle
    group by candidate_pairs.left_posting_id, candidate_pairs.right_posting_id

),

scored_pairs as (

    select
        shared_shingles.left_posting_id,
        shared_shingles.right_posting_id,
        shared_shingles.shared_count::numeric
            / nullif(least(left_count.shingle_count, right_count.shingle_count), 0) as text_overlap,
        least(left_count.shingle_count, right_count.shingle_count) as shorter_shingle_count,
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
    from shared_shingles
    inner join shingle_counts as left_count
        on shared_shingles.left_posting_id = left_count.posting_id
    inner join shingle_counts as right_count
        on shared_shingles.right_posting_id = right_count.posting_id
    inner join normalised as left_posting
        on shared_shingles.left_posting_id = left_posting.posting_id
    inner join normalised as right_posting
        on shared_shingles.right_posting_id = right_posting.posting_id

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

-- every posting reaches itself and, transitively, every copy
reachable (posting_id, member_id) as (

    select posting_id, posting_id from normalised

    union

    select reachable.posting_id, undirected_edges.to_id
    from reachable
    inner join undirected_edges
        on reachable.member_id = undirected_edges.from_id

),

groups as (

    select posting_id, min(member_id) as duplicate_group_id
    from reachable
    group by posting_id

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
        ) = 1 as is_canonical
    from normalised
    inner join groups
        on normalised.posting_id = groups.posting_id
    window group_members as (partition by groups.duplicate_group_id)

),

other_urls as (

    select
        grouped.posting_id,
        array_agg(other.url order by other.url) filter (where other.url is not null) as also_seen_on
    from grouped
    inner join grouped as other
        on grouped.duplicate_group_id = other.duplicate_group_id
        and grouped.posting_id <> other.posting_id
    group by grouped.posting_id

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
