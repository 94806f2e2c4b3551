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

{% set rule_vars = ['skill_context_window', 'skill_description_max_chars'] %}

{{ config(**incremental_posting_config(vars=rule_vars)) }}


with

postings as (

    {{ postings_to_process() }}

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

-- every non-empty token with the two that follow it in its piece. The window runs inside
-- each piece (a few dozen rows sorted in memory), never over every token of a batch at once
-- (at 100k postings, 30M rows sorted on disk). Array subscripts instead would walk the
-- array from its start on every access.
tokens as (

    select
        fields.posting_id,
        fields.field,
        fields.field_rank,
        fields.piece,
        token.position,
        token.token,
        token.next_1,
        token.next_2
    from fields
    cross join lateral (
        select
            piece_token.position,
            piece_token.token,
            lead(piece_token.token, 1) over piece_order as next_1,
            lead(piece_token.token, 2) over piece_order as next_2
        -- unnest(string_to_array()), not regexp_split_to_table(): the planner estimates an
        -- array's length sensibly where it assumes 1,000 rows per call of the latter
        from unnest(string_to_array({{ normalise_phrase('fields.field_text') }}, ' '))
            with ordinality as piece_token (token, position)
        where piece_token.token <> ''
        window piece_order as (order by piece_token.position)
    ) as token

),

ngrams as (

    select
        tokens.posting_id,
        tokens.field,
        tokens.field_rank,
        tokens.piece,
        tokens.position,
        tokens.position + grams.size - 1 as end_position,
        grams.phrase
    from tokens
    cross join lateral (
        values
            (1, tokens.token),
            (2, tokens.token || ' ' || tokens.next_1),
            (3, tokens.token || ' ' || tokens.next_1 || ' ' || tokens.next_2)
    ) as grams (size, phrase)
    where grams.phrase is not null

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

-- a tags_only alias in free text, the only matches that need context
ambiguous_matches as (

    select *
    from alias_matches
    where tags_only and field <> 'tag'

),

-- the context words of those matches' skills in the same pieces, with their places (the
-- pieces tokenised again: a few, where keeping every token of the batch would be millions)
context_words as (

    select
        fields.posting_id,
        fields.field,
        fields.piece,
        context.position,
        skill_context_words.skill_slug
    from fields
    cross join lateral unnest(string_to_array({{ normalise_phrase('fields.field_text') }}, ' '))
        with ordinality as context (word, position)
    inner join skill_context_words
        on context.word = skill_context_words.context_word
    where (fields.posting_id, fields.field, fields.piece) in (
        select posting_id, field, piece from ambiguous_matches
    )

),

matches as (

    select posting_id, field, field_rank, piece, position, end_position, skill_slug
    from alias_matches
    where not tags_only or field = 'tag'

    union all

    -- a tags_only alias in free text: only with a context word of its skill nearby
    select
        ambiguous_matches.posting_id, ambiguous_matches.field, ambiguous_matches.field_rank,
        ambiguous_matches.piece, ambiguous_matches.position, ambiguous_matches.end_position,
        ambiguous_matches.skill_slug
    from ambiguous_matches
    where exists (
        select 1
        from context_words
        where context_words.posting_id = ambiguous_matches.posting_id
            and context_words.field = ambiguous_matches.field
            and context_words.piece = ambiguous_matches.piece
            and context_words.skill_slug = ambiguous_matches.skill_slug
            and context_words.position <> ambiguous_matches.position
            and abs(context_words.position - ambiguous_matches.position)
                <= {{ var('skill_context_window') }}
    )

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
