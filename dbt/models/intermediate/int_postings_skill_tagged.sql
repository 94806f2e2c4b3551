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

{#- merge joins off: the n-gram phrases and the alias phrases are computed, so the planner
    has no statistics on them, takes every probe of a hash join for a scan of a long bucket,
    and sorted the 45M n-grams of 110k postings on disk for a merge join (120 s; hashed: a
    few seconds) -#}
{{ config(**incremental_posting_config(vars=rule_vars, planner={'enable_mergejoin': 'off'})) }}


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

-- what is looked up in the text: every alias phrase, and each context word with the skills
-- it gives context to (one row a word, so a common one like "developer" is one match)
vocabulary as (

    select alias_phrase as phrase, skill_slug, tags_only, null::text[] as context_of
    from normalised_aliases

    union all

    select context_word, null, false, array_agg(skill_slug order by skill_slug)
    from skill_context_words
    group by context_word

),

-- every non-empty token with the two that follow it in its piece, by zipping the token array
-- with itself shifted (no window sort per piece, no subscript walking the array from its
-- start); positions count non-empty tokens
tokens as (

    select
        fields.posting_id,
        fields.field,
        fields.field_rank,
        fields.piece,
        token.position::integer as position,
        token.token,
        token.next_1,
        token.next_2
    from fields
    -- limit 1 (of one row) keeps the sub-select from being flattened, which would normalise
    -- the text once per use of words
    cross join lateral (
        select array_remove(string_to_array({{ normalise_phrase('fields.field_text') }}, ' '), '') as words
        limit 1
    ) as piece_text
    cross join lateral unnest(piece_text.words, piece_text.words[2:], piece_text.words[3:])
        with ordinality as token (token, next_1, next_2, position)

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

-- one hash join of every n-gram to the vocabulary (context words are single tokens)
vocabulary_matches as (

    select
        ngrams.posting_id,
        ngrams.field,
        ngrams.field_rank,
        ngrams.piece,
        ngrams.position,
        ngrams.end_position,
        vocabulary.skill_slug,
        vocabulary.tags_only,
        vocabulary.context_of
    from ngrams
    inner join vocabulary
        on ngrams.phrase = vocabulary.phrase
    where vocabulary.context_of is null or ngrams.end_position = ngrams.position

),

alias_matches as (

    select *
    from vocabulary_matches
    where context_of is null

),

-- a tags_only alias in free text, the only matches that need context
ambiguous_matches as (

    select *
    from alias_matches
    where tags_only and field <> 'tag'

),

-- the context words in the pieces that have such a match
context_words as (

    select posting_id, field, piece, position, context_of
    from vocabulary_matches
    where context_of is not null
        and (posting_id, field, piece) in (
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
            and ambiguous_matches.skill_slug = any(context_words.context_of)
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
