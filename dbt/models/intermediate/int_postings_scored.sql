{#
    Legitimacy v1: every rule of the legitimacy_rules seed is tried against every posting
    (one set-based join). A matched rule subtracts its weight once; the score never drops
    below 0. Each reason names the rule and quotes the phrase that triggered it.
    Flagging is decided in the mart (fct_postings), not here.
#}

with

postings as (

    select * from {{ ref('stg_raw__postings') }}

),

legitimacy_rules as (

    select * from {{ ref('legitimacy_rules') }}

),

documents as (

    select
        posting_id,
        regexp_replace(
            concat_ws(' ', title, description_text), '\s+', ' ', 'g'
        ) as posting_text,
        coalesce(company_name, '') as company_text
    from postings

),

rule_matches as (

    select
        documents.posting_id,
        legitimacy_rules.rule_id,
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

),

matched as (

    select
        posting_id,
        rule_id,
        weight,
        description || ': "' || coalesce(nullif(btrim(left(evidence, 120)), ''), '(blank)') || '"'
            as reason
    from rule_matches
    where evidence is not null

),

scores as (

    select
        posting_id,
        sum(weight) as penalty,
        array_agg(reason order by weight desc, rule_id) as legitimacy_reasons,
        array_agg(rule_id order by weight desc, rule_id) as legitimacy_rule_ids
    from matched
    group by posting_id

),

final as (

    select
        postings.posting_id,
        greatest(0, 100 - coalesce(scores.penalty, 0))::integer as legitimacy_score,
        coalesce(scores.legitimacy_reasons, '{}'::text[]) as legitimacy_reasons,
        coalesce(scores.legitimacy_rule_ids, '{}'::text[]) as legitimacy_rule_ids
    from postings
    left join scores
        on postings.posting_id = scores.posting_id

)

select * from final
