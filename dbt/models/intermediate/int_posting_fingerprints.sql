{#
    What duplicate detection compares, computed once per posting version (incremental):
    int_postings_deduplicated pairs these up across all postings on every run.

      company_key      the company, lower-case, legal forms ("Inc", "GmbH", "Sp. z o.o.")
                       and punctuation removed ("Acme, Inc." = "ACME")
      title_words      distinct title words without board noise ("remote", "(m/w/d)") and
                       without the company's own words (legal form included), which some
                       boards put in the title ("Acme Inc: Senior Engineer")
      title_skill_words  the title words that name a skill unambiguously ("python",
                       "react"): two roles of one client whose titles name skills and
                       share none are different jobs
      title_key        those words sorted, as one string (a blocking key)
      location_words   the place words of the location, sorted: lower case, letters
                       outside ASCII left out, without words shorter than var
                       duplicate_location_min_word_length (codes and particles: "US",
                       "NY", "LND", "New", "San") and without the seed's location words
                       (countries, regions, states, remote and arrangement words), so
                       "US, NY, New York" and "New York" are both {york}; empty when
                       nothing is left ("Remote (US)", "Germany"): a location that names
                       no city never keeps two postings apart
      text_key         md5 of the first 4,000 description characters' words
      opening_key      md5 of the first 40 description words (a blocking key), when the
                       description has at least 20
      shingle_hashes   the distinct word 3-grams of the description as 32-bit hashes,
                       sorted (shingle_count of them; an intarray set, see macros/intarray.sql)
      word_hashes      the description's distinct words, hashed and sorted the same way
                       (word_count of them): a condensed rewrite of an ad keeps its words
                       but few of its 3-grams

    Boards edit the copies they carry: every text is compared without HTML tags and
    entities ("R&amp;D" = "R&D"), in lower case, with letters outside ASCII left out (so
    mojibake, "CafÃ©" for "Café", reads like the original), and a description without the
    header lines a board adds ("Headquarters: ...", "URL: ..."). The noise words and header
    labels are the seed fingerprint_noise_words.
#}

{{ config(**incremental_posting_config(vars=['duplicate_location_min_word_length'])) }}

with

postings as (

    {{ postings_to_process() }}

),

noise_words as (

    select * from {{ ref('fingerprint_noise_words') }}

),

skill_aliases as (

    select * from {{ ref('skill_aliases') }}

),

-- the header labels as regular-expression alternatives: links ("URL"), whose value is one
-- token, and the others ("Headquarters")
header_labels as (

    select
        string_agg({{ regex_escaped('word') }}, '|' order by length(word) desc, word)
            filter (where applies_to = 'description_header_link') as link_labels,
        string_agg({{ regex_escaped('word') }}, '|' order by length(word) desc, word)
            filter (where applies_to = 'description_header') as line_labels
    from noise_words

),

-- the noise words of each field as one array, and the header labels as one pattern: the
-- leading "<label>: <value>" of a description. A link's value is one token; another label's
-- runs to the end of its line or to the next label, never further: an imported text has its
-- line breaks folded into spaces, and "to the end of the line" then took the whole text
noise as (

    select
        noise_arrays.company_words,
        noise_arrays.title_words,
        noise_arrays.location_words,
        -- concat_ws: a kind of label the seed does not list drops out (it made the whole
        -- pattern null, and every description with it)
        '^(' || concat_ws(
            '|',
            '\s*(' || header_labels.link_labels || ')\s*:\s*\S*',
            '\s*(' || header_labels.line_labels || ')\s*:[^\n:]*(\n|(?=\s('
            || concat_ws('|', header_labels.link_labels, header_labels.line_labels) || ')\s*:))'
        ) || ')+' as header_pattern
    from (
        select
            array_agg(word) filter (where applies_to = 'company') as company_words,
            array_agg(word) filter (where applies_to = 'title') as title_words,
            array_agg(word) filter (where applies_to = 'location') as location_words
        from noise_words
    ) as noise_arrays
    cross join header_labels

),

skills as (

    select * from {{ ref('skills') }}

),

-- one-word aliases that name a skill in a title: the unambiguous ones, and the curated
-- ambiguous names of languages and frameworks ("Backend Developer (Go)"); a generated
-- tags_only alias is a common word ("architect") that says nothing about the stack
skill_words as (

    select distinct lower(skill_aliases.alias) as word
    from skill_aliases
    inner join skills
        on skill_aliases.skill_slug = skills.skill_slug
    where (not skill_aliases.tags_only or skills.source = 'midtier')
        and lower(skill_aliases.alias) ~ '^[a-z0-9+#]+$'

),

-- without HTML tags and entities, lower case; the description without a board's header
plain_texts as (

    select
        postings.posting_id,
        postings.content_hash,
        {{ markup_removed("replace(lower(coalesce(postings.company_name, '')), '.', '')") }}
            as company_text,
        {{ markup_removed("lower(coalesce(postings.title, ''))") }} as title_text,
        regexp_replace(
            {{ markup_removed("lower(coalesce(postings.location, ''))") }}, '[^\x01-\x7f]', '', 'g'
        ) as location_text,
        regexp_replace(
            {{ markup_removed("lower(left(coalesce(postings.description_text, ''), 4000))") }},
            noise.header_pattern, ''
        ) as description_text
    from postings
    cross join noise

),

normalised_columns as (

    select
        plain_texts.posting_id,
        plain_texts.content_hash,
        nullif(array_to_string(company_words.words, ''), '') as company_key,
        array(
            select distinct word
            from regexp_split_to_table(plain_texts.title_text, '[^a-z0-9+#]+') as word
            where word <> ''
                and word <> all(noise.title_words)
                -- every word of the company as written, legal form too ("Acme AS: Engineer")
                and word <> all(company_as_written.words)
        ) as title_words,
        array(
            select distinct word
            from regexp_split_to_table(plain_texts.location_text, '[^a-z0-9]+') as word
            where length(word) >= {{ var('duplicate_location_min_word_length') }}
                and word <> all(coalesce(noise.location_words, array[]::text[]))
                and word !~ '^[0-9]+$'
            order by word
        ) as location_words,
        regexp_split_to_array(
            btrim(regexp_replace(plain_texts.description_text, '[^a-z0-9]+', ' ', 'g')),
            ' '
        ) as description_words
    from plain_texts
    cross join noise
    -- split once per posting, not once per title word (limit 1 keeps it from being flattened)
    cross join lateral (
        select regexp_split_to_array(plain_texts.company_text, '[^a-z0-9+#]+') as words
        limit 1
    ) as company_as_written
    cross join lateral (
        select coalesce(array_agg(company_word.word order by company_word.position), '{}') as words
        from regexp_split_to_table(plain_texts.company_text, '[^a-z0-9]+')
            with ordinality as company_word (word, position)
        where company_word.word <> '' and company_word.word <> all(noise.company_words)
    ) as company_words

),

-- per posting, a small in-memory sort; one GROUP BY over every posting's shingles would
-- sort tens of millions of rows on disk at scale. Materialized: inlined, the array would be
-- computed twice (for shingle_hashes and for shingle_count)
shingled as materialized (

    select
        posting_id,
        {{ intarray('uniq') }}({{ intarray('sort') }}(array(
            select hashtext(word.word || ' ' || word.next_1 || ' ' || word.next_2)
            -- the words zipped with themselves shifted: no window sort, and no
            -- description_words[i], whose subscript walks the array from its start
            from unnest(description_words, description_words[2:], description_words[3:])
                as word (word, next_1, next_2)
            where word.next_2 is not null
        ))) as shingle_hashes,
        {{ intarray('uniq') }}({{ intarray('sort') }}(array(
            select hashtext(word) from unnest(description_words) as word where word <> ''
        ))) as word_hashes
    from normalised_columns

),

-- one hash join of every title word to the skill words (an INTERSECT per posting read the
-- whole word list each time)
title_skill_words as (

    select
        normalised_columns.posting_id,
        array_agg(distinct title_word.word) as words
    from normalised_columns
    cross join lateral unnest(normalised_columns.title_words) as title_word (word)
    inner join skill_words
        on title_word.word = skill_words.word
    group by normalised_columns.posting_id

),

final as (

    select
        normalised_columns.posting_id,
        normalised_columns.company_key,
        normalised_columns.title_words,
        array_to_string(
            array(
                select title_word
                from unnest(normalised_columns.title_words) as title_word
                order by title_word
            ),
            ' '
        ) as title_key,
        coalesce(title_skill_words.words, '{}') as title_skill_words,
        normalised_columns.location_words,
        md5(array_to_string(normalised_columns.description_words, ' ')) as text_key,
        case when cardinality(normalised_columns.description_words) >= 20
            then md5(array_to_string(normalised_columns.description_words[1:40], ' '))
        end as opening_key,
        shingled.shingle_hashes,
        cardinality(shingled.shingle_hashes) as shingle_count,
        shingled.word_hashes,
        cardinality(shingled.word_hashes) as word_count,
        normalised_columns.content_hash,
        {{ processing_hash(vars=['duplicate_location_min_word_length']) }} as rules_hash
    from normalised_columns
    inner join shingled
        on normalised_columns.posting_id = shingled.posting_id
    left join title_skill_words
        on normalised_columns.posting_id = title_skill_words.posting_id

)

select * from final
