{#
    The words and word pairs of a posting that the legitimacy terms are looked up in: the
    text is normalised once (normalise_phrase, the skill aliases' shape), cut to var
    legitimacy_text_max_chars, split into tokens, and each token is paired with the next by
    zipping the token array with itself shifted by one (no window sort, no per-element
    subscripts). One row per occurrence: callers keep distinct n-grams after their join (a
    term counts once however often it is written; the weights are fitted on presence).

    Used by int_postings_text_signals (joined to the legitimacy_terms seed) and by
    `midtier calibrate` (macro legitimacy_calibration_features), so the fitted terms are the
    ones dbt finds.
#}
{% macro legitimacy_ngrams(documents, text_column='posting_text') -%}
    select documents.posting_id, grams.ngram
    from {{ documents }} as documents
    cross join lateral (
        select array_remove(string_to_array(
            {{ normalise_phrase('left(documents.' ~ text_column ~ ', ' ~ var('legitimacy_text_max_chars') ~ ')') }},
            ' '), '') as words
        -- limit 1 (of one row) keeps the sub-select from being flattened, which would
        -- normalise the text once per use of words
        limit 1
    ) as text
    cross join lateral unnest(text.words, text.words[2:]) as pair (token, next_token)
    cross join lateral (
        values (pair.token), (pair.token || ' ' || pair.next_token)
    ) as grams (ngram)
    where grams.ngram is not null
{%- endmacro %}


{#
    The text the legitimacy rules and terms are searched in: title, budget text, description,
    each run of white space one space. A lone space is left alone rather than replaced by
    itself: the same text at a fifth of the cost.
#}
{% macro legitimacy_posting_text(title, budget_text, description) -%}
    regexp_replace(concat_ws(' ', {{ title }}, {{ budget_text }}, {{ description }}), '\s{2,}|(?! )\s', ' ', 'g')
{%- endmacro %}


{#
    The text and company rules of the legitimacy_rules seed matched against documents
    (posting_id, posting_text, company_text, hides_client_identity): one row per match with
    the whole matched phrase as evidence. A source that never shows the client is exempt
    from the company rules of the missing_client_identity signal. A plain test finds the
    matches and only they are searched again for the phrase: most pairs of posting and rule
    do not match, and the test costs less than the search (12.7 s against 15.6 s for 10k
    postings and every rule).
#}
{% macro legitimacy_rule_matches(documents, rules) -%}
    select
        documents.posting_id,
        rules.rule_id,
        rules.signal,
        rules.description,
        -- the whole matched phrase is captured by the outer group
        (regexp_match(searched.searched_text, '(' || rules.pattern || ')', 'i'))[1] as evidence
    from {{ documents }} as documents
    cross join {{ rules }} as rules
    cross join lateral (
        select case rules.applies_to
            when 'company' then documents.company_text
            else documents.posting_text
        end as searched_text
    ) as searched
    where (rules.applies_to = 'text'
            or (rules.applies_to = 'company'
                and not (documents.hides_client_identity
                         and rules.signal = 'missing_client_identity')))
        and searched.searched_text ~* rules.pattern
{%- endmacro %}


{#
    `midtier calibrate` (midtier/calibration.py): the features of its labelled postings,
    found exactly as int_postings_text_signals finds them. Reads calibration.labelled
    (posting_id, title, budget_text, description_text, company_name), writes calibration.features (posting_id,
    feature_type 'rule' or 'term', feature) with every n-gram, not only the seed's terms:
    the fit chooses the vocabulary.
#}
{% macro legitimacy_calibration_features() %}
    {% set sql %}
    drop table if exists calibration.features;
    create table calibration.features as
    with documents as (
        select
            posting_id,
            {{ legitimacy_posting_text('title', 'budget_text', 'description_text') }} as posting_text,
            coalesce(company_name, '') as company_text,
            false as hides_client_identity
        from calibration.labelled
    ),
    rule_matches as (
        {{ legitimacy_rule_matches('documents', ref('legitimacy_rules')) }}
    )
    select posting_id, 'rule'::text as feature_type, rule_id as feature
    from rule_matches
    where evidence is not null
    union
    select posting_id, 'term', ngram
    from ({{ legitimacy_ngrams('documents') }}) as ngrams;
    {% endset %}
    {% do run_query(sql) %}
{% endmacro %}
