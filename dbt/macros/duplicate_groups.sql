{#
    The incremental bookkeeping of int_postings_deduplicated (see that model): what it reads
    of each posting, and which postings changed since it last grouped them.
#}

{#- Per posting in raw: what grouping reads of it (input_hash covers its pairs' version,
    through its marker in int_posting_duplicate_pairs, its url and its dates). -#}
{% macro duplicate_group_inputs() -%}
    select
        postings.posting_id,
        postings.url,
        postings.first_seen_at,
        postings.posted_at,
        md5(concat_ws('|', markers.input_hash, markers.rules_hash, postings.url,
            postings.first_seen_at, postings.posted_at)) as input_hash
    from {{ ref('stg_raw__postings') }} as postings
    left join {{ ref('int_posting_duplicate_pairs') }} as markers
        on markers.left_posting_id = postings.posting_id
        and markers.right_posting_id is null
{%- endmacro %}


{#- Both postings name the same client: equal company keys, or near-identical text where
    one names none. -#}
{% macro duplicate_pair_is_same_client(pair) -%}
    case
        when {{ pair }}.left_company_key is not null and {{ pair }}.right_company_key is not null
            then {{ pair }}.left_company_key = {{ pair }}.right_company_key
        else {{ pair }}.text_overlap >= {{ var('duplicate_min_text_overlap_without_company') }}
    end
{%- endmacro %}


{#- A pair of copies of one job: an edge of the duplicate groups. A condensed rewrite shares
    few 3-grams with its ad but keeps its words: enough for two postings that name the same
    company (text alone is not enough to say the client is the same). -#}
{% macro duplicate_pair_is_copy(pair) -%}
    ({{ duplicate_pair_is_same_client(pair) }}
        and ({{ pair }}.text_overlap >= {{ var('duplicate_min_text_overlap') }}
            or ({{ pair }}.left_company_key is not null
                and {{ pair }}.left_company_key = {{ pair }}.right_company_key
                and {{ pair }}.word_overlap >= {{ var('duplicate_min_word_overlap') }}))
        and {{ pair }}.shorter_shingle_count >= {{ var('duplicate_min_shingles') }}
        and {{ pair }}.title_similarity >= {{ var('duplicate_min_title_similarity') }}
        and not {{ pair }}.has_different_seniority
        and not {{ pair }}.has_different_stack
        and not {{ pair }}.has_different_location
        and {{ pair }}.posted_days_apart <= {{ var('duplicate_max_days_apart') }})
{%- endmacro %}


{#- Days between two postings' posting dates, or their first-seen dates when either has no
    posting date (one board's posting date against another's scrape time would part
    cross-posts of an old job): posted_days_apart. -#}
{% macro duplicate_pair_days_apart(left, right) -%}
    abs(extract(epoch from case
        when {{ left }}.posted_at is not null and {{ right }}.posted_at is not null
            then {{ left }}.posted_at - {{ right }}.posted_at
        else {{ left }}.first_seen_at - {{ right }}.first_seen_at
    end)) / 86400 as posted_days_apart
{%- endmacro %}


{#- Near-identical text of one client posted within the window, any title: counts for
    velocity. Posting dates, not first-seen ones: a first crawl of a board's archive sees a
    company's monthly re-posts on one day. -#}
{% macro duplicate_pair_counts_for_velocity(pair) -%}
    ({{ duplicate_pair_is_same_client(pair) }}
        and {{ pair }}.text_overlap >= {{ var('client_velocity_min_text_overlap') }}
        and {{ pair }}.posted_days_apart <= {{ var('client_velocity_window_days') }})
{%- endmacro %}
