{#
    The text half of legitimacy, computed once per posting version (incremental):
    int_postings_scored adds the market and client signals and the score on every run.

    Two kinds of signal, both facts about the text with no weight attached (the weights are
    fitted by `midtier calibrate` into the legitimacy_weights seed, which only
    int_postings_scored reads: a new weight re-scores without running this model again):
      - every text and company rule of the legitimacy_rules seed, tried in one set-based
        join (macro legitimacy_rule_matches; applies_to text: title + budget text +
        description; company: the company name), kept as parallel arrays by rule id:
        matched_rule_ids, matched_signals and matched_reasons (the rule's description
        quoting the evidence phrase);
      - matched_terms: the words and word pairs of the text (macro legitimacy_ngrams, one
        tokenisation per posting) that are in the legitimacy_terms seed, sorted.

    A source that never shows the client (source_terms.hides_client_identity: Freelancer.com's
    project API) is exempt from the company rules of the missing_client_identity signal:
    there a blank company says nothing about the client.

    The scope the text describes (seed project_scope_markers, the most expensive first)
    is kept for the budget-vs-scope signal: scope_description, scope_evidence and
    typical_project_usd.
#}

{% set rule_vars = ['legitimacy_text_max_chars'] %}

{{ config(**incremental_posting_config(vars=rule_vars)) }}

with

postings as (

    {{ postings_to_process() }}

),

legitimacy_rules as (

    select * from {{ ref('legitimacy_rules') }}

),

legitimacy_terms as (

    select * from {{ ref('legitimacy_terms') }}

),

scope_markers as (

    select * from {{ ref('project_scope_markers') }}

),

terms as (

    select * from {{ ref('source_terms') }}

),

documents as (

    select
        postings.posting_id,
        postings.content_hash,
        coalesce(terms.hides_client_identity, false) as hides_client_identity,
        {{ legitimacy_posting_text('title', 'budget_text', 'description_text') }} as posting_text,
        coalesce(postings.company_name, '') as company_text
    from postings
    left join terms
        on postings.source = terms.source

),

-- the scope the text describes, the most expensive first
scopes as (

    select distinct on (documents.posting_id)
        documents.posting_id,
        scope_markers.scope_description,
        scope_markers.typical_project_usd,
        substring(documents.posting_text from '(?i)(' || scope_markers.pattern || ')') as scope_evidence
    from documents
    inner join scope_markers
        on documents.posting_text ~* scope_markers.pattern
    order by documents.posting_id, scope_markers.typical_project_usd desc, scope_markers.pattern

),

text_matches as (

    {{ legitimacy_rule_matches('documents', 'legitimacy_rules') }}

),

matched as (

    select
        posting_id,
        array_agg(rule_id order by rule_id) as matched_rule_ids,
        array_agg(signal order by rule_id) as matched_signals,
        array_agg(
            description || ': "' || coalesce(nullif(btrim(left(evidence, 120)), ''), '(blank)') || '"'
            order by rule_id
        ) as matched_reasons
    from text_matches
    where evidence is not null
    group by posting_id

),

ngrams as (

    {{ legitimacy_ngrams('documents') }}

),

term_matches as (

    select ngrams.posting_id, array_agg(distinct ngrams.ngram order by ngrams.ngram) as matched_terms
    from ngrams
    inner join legitimacy_terms
        on ngrams.ngram = legitimacy_terms.term
    group by ngrams.posting_id

),

final as (

    select
        documents.posting_id,
        coalesce(matched.matched_rule_ids, '{}'::text[]) as matched_rule_ids,
        coalesce(matched.matched_signals, '{}'::text[]) as matched_signals,
        coalesce(matched.matched_reasons, '{}'::text[]) as matched_reasons,
        coalesce(term_matches.matched_terms, '{}'::text[]) as matched_terms,
        scopes.scope_description,
        scopes.scope_evidence,
        scopes.typical_project_usd,
        documents.content_hash,
        {{ processing_hash(rule_vars) }} as rules_hash
    from documents
    left join matched
        on documents.posting_id = matched.posting_id
    left join scopes
        on documents.posting_id = scopes.posting_id
    left join term_matches
        on documents.posting_id = term_matches.posting_id

)

select * from final
