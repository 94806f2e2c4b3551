{#
    Skills v1: canonical skill slugs per posting.

    Title, each tag and the start of the description are normalised into tokens
    (normalise_phrase; hyphenated words stay one token in free text, so "rust-free" is not
    Rust, while a tag's hyphens are read as spaces), expanded into 1-, 2- and 3-grams, and joined to the skill_aliases
    seed in one set-based join. A shorter match inside a longer one is dropped
    ("react native" is React Native, not also React). Aliases marked tags_only (go, r, c,
    swift, rust, dart, spring, express, excel, ...) count when they come from the source's
    own tags, or when a context word of that skill (seed skill_context_words: "developer",
    "flutter", "boot", "node"...) stands within var skill_context_window tokens of them in
    the same text ("Go developer", "Java/Spring", "Node + Express", "Python, Go and Rust"),
    never on their own ("ready to go", "swift delivery", "express interest").
    Order of the skills array: title matches first, then tags, then description, each by
    position; primary_skill is the first.
#}

{{ config(**incremental_posting_config()) }}

{%- set rule_vars = ['skill_context_window', 'skill_description_max_chars'] %}

with

postings as (

    select * from {{ ref('stg_raw__postings') }} as postings
    {{ unprocessed_postings('postings', vars=rule_vars) }}

),

skill_aliases as (

    select * from {{ ref('skill_aliases') }}

),

skill_context_words as (

    select * from {{ ref('skill_context_words') }}

),

-- each alias as written ("scikit-learn") and with hyphens read as spaces ("scikit learn")
normalised_aliases as (

    select distinct
        alias_phrase,
        skill_slug,
        tags_only
    from skill_aliases
    cross join lateral (
        values
            ({{ normalise_phrase('alias') }}),
            ({{ normalise_phrase("replace(alias, '-', ' ')") }})
    ) as spellings (alias_phrase)

),

-- each piece of text a skill can be found in; field_rank orders the fields
fields as (

    select posting_id, 'title' as field, 1 as field_rank, 0 as piece, title as field_text
    from postings
    where title is not null

    union all

    -- a tag is a label: its hyphens are spaces ("react-native", "machine-learning")
    select postings.posting_id, 'tag', 2, tag.ordinality::integer, replace(tag.tag_text, '-', ' ')
    from postings
    cross join lateral unnest(postings.tags) with ordinality as tag (tag_text, ordinality)

    union all

    select posting_id, 'description', 3, 0,
        left(description_text, {{ var('skill_description_max_chars') }})
    from postings
    where description_text is not null

),

tokens as (

    select
        fields.posting_id,
        fields.field,
        fields.field_rank,
        fields.piece,
        token.position,
        token.token
    from fields
    -- unnest(string_to_array()), not regexp_split_to_table(): same tokens, but the planner
    -- estimates an array's length sensibly where it assumes 1,000 rows per call of the
    -- latter, and a billions-of-rows estimate sends every later hash join to disk
    -- (7x slower at 100k postings)
    cross join lateral unnest(string_to_array({{ normalise_phrase('fields.field_text') }}, ' '))
        with ordinality as token (token, position)
    where token.token <> ''

),

ngrams as (

    select
        posting_id, field, field_rank, piece, position,
        position + size - 1 as end_position,
        phrase
    from (
        select
            posting_id, field, field_rank, piece, position,
            token as phrase_1,
            token || ' ' || lead(token, 1) over piece_tokens as phrase_2,
            token || ' ' || lead(token, 1) over piece_tokens
                || ' ' || lead(token, 2) over piece_tokens as phrase_3
        from tokens
        window piece_tokens as (partition by posting_id, field, piece order by position)
    ) as windowed
    cross join lateral (
        values (1, phrase_1), (2, phrase_2), (3, phrase_3)
    ) as grams (size, phrase)
    where phrase is not null

),

alias_matches as (

    select
        ngrams.posting_id,
        ngrams.field,
        ngrams.field_rank,
        ngrams.piece,
        ngrams.position,
        ngrams.end_position,
        normalised_aliases.skill_slug,
        normalised_aliases.tags_only
    from ngrams
    inner join normalised_aliases
        on ngrams.phrase = normalised_aliases.alias_phrase

),

-- every token that is a context word of some skill, at each position it lends context to
context_reach as (

    select distinct
        tokens.posting_id,
        tokens.field,
        tokens.piece,
        tokens.position + reach.offset_tokens as reached_position,
        skill_context_words.skill_slug
    from tokens
    inner join skill_context_words
        on tokens.token = skill_context_words.context_word
    cross join generate_series(
        -{{ var('skill_context_window') }}, {{ var('skill_context_window') }}
    ) as reach (offset_tokens)
    where reach.offset_tokens <> 0

),

matches as (

    select posting_id, field, field_rank, piece, position, end_position, skill_slug
    from alias_matches
    where not tags_only or field = 'tag'

    union all

    -- a tags_only alias in free text: only with a context word of its skill nearby
    select
        alias_matches.posting_id, alias_matches.field, alias_matches.field_rank,
        alias_matches.piece, alias_matches.position, alias_matches.end_position,
        alias_matches.skill_slug
    from alias_matches
    inner join context_reach
        on alias_matches.posting_id = context_reach.posting_id
        and alias_matches.field = context_reach.field
        and alias_matches.piece = context_reach.piece
        and alias_matches.position = context_reach.reached_position
        and alias_matches.skill_slug = context_reach.skill_slug
    where alias_matches.tags_only and alias_matches.field <> 'tag'

),

-- drop a match that sits inside a longer match of the same text
longest_matches as (

    select matches.*
    from matches
    where not exists (
        select 1
        from matches as longer
        where longer.posting_id = matches.posting_id
            and longer.field = matches.field
            and longer.piece = matches.piece
            and longer.position <= matches.position
            and longer.end_position >= matches.end_position
            and (longer.end_position - longer.position) > (matches.end_position - matches.position)
    )

),

first_mentions as (

    select
        posting_id,
        skill_slug,
        min(array[field_rank, piece, position]) as first_mention
    from longest_matches
    group by posting_id, skill_slug

),

skill_lists as (

    select
        posting_id,
        array_agg(skill_slug order by first_mention) as skills
    from first_mentions
    group by posting_id

),

final as (

    select
        postings.posting_id,
        coalesce(skill_lists.skills, '{}'::text[]) as skills,
        skill_lists.skills[1] as primary_skill,
        postings.content_hash,
        {{ processing_hash(vars=rule_vars) }} as rules_hash
    from postings
    left join skill_lists
        on postings.posting_id = skill_lists.posting_id

)

select * from final
