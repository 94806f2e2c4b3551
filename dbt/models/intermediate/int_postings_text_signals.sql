{#
    The text half of legitimacy, computed once per posting version (incremental):
    int_postings_scored adds the market and client signals and the score on every run.

    Every text and company rule of the legitimacy_rules seed is tried against the posting
    in one set-based join (applies_to text: title + budget text + description; company:
    the company name). The matches are kept as parallel arrays, heaviest first:
    matched_rule_ids, matched_signals, matched_weights and matched_reasons (the rule's
    description quoting the evidence phrase).

    A source that never shows the client (source_terms.hides_client_identity: Freelancer.com's
    project API) is exempt from the company rules of the missing_client_identity signal:
    there a blank company says nothing about the client.

    The scope the text describes (seed project_scope_markers, the most expensive first)
    is kept for the budget-vs-scope signal: scope_description, scope_evidence and
    typical_project_usd.
#}

{{ config(**incremental_posting_config()) }}

with

postings as (

    {{ postings_to_process() }}

),

legitimacy_rules as (

    select * from {{ ref('legitimacy_rules') }}

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
        regexp_replace(
            concat_ws(' ', title, budget_text, description_text), '\s+', ' ', 'g'
        ) as posting_text,
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

    select
        documents.posting_id,
        legitimacy_rules.rule_id,
        legitimacy_rules.signal,
        legitimacy_rules.weight,
        legitimacy_rules.description,
        -- the whole matched phrase is captured by the outer group
        (regexp_match(
            case legitimacy_rules.applies_to
                when 'company' then documents.company_text
                else documents.posting_text
            end,
            '(' || legitimacy_rules.pattern || ')',
            'i'
        ))[1] as evidence
    from documents
    cross join legitimacy_rules
    where legitimacy_rules.applies_to = 'text'
        or (legitimacy_rules.applies_to = 'company'
            and not (documents.hides_client_identity
                     and legitimacy_rules.signal = 'missing_client_identity'))

),

matched as (

    select
        posting_id,
        array_agg(rule_id order by weight desc, rule_id) as matched_rule_ids,
        array_agg(signal order by weight desc, rule_id) as matched_signals,
        array_agg(weight order by weight desc, rule_id) as matched_weights,
        array_agg(
            description || ': "' || coalesce(nullif(btrim(left(evidence, 120)), ''), '(blank)') || '"'
            order by weight desc, rule_id
        ) as matched_reasons
    from text_matches
    where evidence is not null
    group by posting_id

),

final as (

    select
        documents.posting_id,
        coalesce(matched.matched_rule_ids, '{}'::text[]) as matched_rule_ids,
        coalesce(matched.matched_signals, '{}'::text[]) as matched_signals,
        coalesce(matched.matched_weights, '{}'::integer[]) as matched_weights,
        coalesce(matched.matched_reasons, '{}'::text[]) as matched_reasons,
        scopes.scope_description,
        scopes.scope_evidence,
        scopes.typical_project_usd,
        documents.content_hash,
        {{ processing_hash() }} as rules_hash
    from documents
    left join matched
        on documents.posting_id = matched.posting_id
    left join scopes
        on documents.posting_id = scopes.posting_id

)

select * from final
