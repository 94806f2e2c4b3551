{#
    What duplicate detection compares, computed once per posting version (incremental):
    int_postings_deduplicated pairs these up across all postings on every run.

      company_key      the company, lower-case, legal suffixes ("Inc", "GmbH") and
                       punctuation removed ("Acme, Inc." = "ACME")
      title_words      distinct title words without board noise ("remote", "(m/w/d)")
      title_key        those words sorted, as one string (a blocking key)
      text_key         md5 of the first 4,000 description characters' words
      opening_key      md5 of the first 40 description words (a blocking key), when the
                       description has at least 20
      shingle_hashes   the distinct word 3-grams of the description as 32-bit hashes,
                       sorted (shingle_count of them; an intarray set, see macros/intarray.sql)
#}

{{ config(**incremental_posting_config()) }}

with

postings as (

    {{ postings_to_process() }}

),

normalised_columns as (

    select
        posting_id,
        content_hash,
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

-- per posting, a small in-memory sort; one GROUP BY over every posting's shingles would
-- sort tens of millions of rows on disk at scale. Materialized: inlined, the array would be
-- computed twice (for shingle_hashes and for shingle_count)
shingled as materialized (

    select
        posting_id,
        {{ intarray('uniq') }}({{ intarray('sort') }}(array(
            select hashtext(word.word || ' ' || word.next_1 || ' ' || word.next_2)
            -- lead(), not description_words[i]: a subscript walks the array from its start
            from (
                select
                    description_word.word,
                    lead(description_word.word, 1) over word_order as next_1,
                    lead(description_word.word, 2) over word_order as next_2
                from unnest(description_words) with ordinality as description_word (word, position)
                window word_order as (order by description_word.position)
            ) as word
            where word.next_2 is not null
        ))) as shingle_hashes
    from normalised_columns

),

final as (

    select
        normalised_columns.posting_id,
        normalised_columns.company_key,
        normalised_columns.title_words,
        array_to_string(array(select unnest(normalised_columns.title_words) order by 1), ' ') as title_key,
        md5(array_to_string(normalised_columns.description_words, ' ')) as text_key,
        case when cardinality(normalised_columns.description_words) >= 20
            then md5(array_to_string(normalised_columns.description_words[1:40], ' '))
        end as opening_key,
        shingled.shingle_hashes,
        cardinality(shingled.shingle_hashes) as shingle_count,
        normalised_columns.content_hash,
        {{ processing_hash() }} as rules_hash
    from normalised_columns
    inner join shingled
        on normalised_columns.posting_id = shingled.posting_id

)

select * from final
