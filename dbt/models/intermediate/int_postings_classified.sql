{#
    Role, place and timeline, one row per posting.

    seniority, employment_type, is_remote, region and any other attribute of the
    classification_rules seed are its columns (one set-based join of every rule with every
    posting; per attribute the matching rule with the lowest priority wins). An attribute no
    rule matched is 'unknown', is_remote false; remote postings without a recognisable
    region are 'worldwide'.

    Timeline, read from title + budget text + description:
      duration_weeks  "3-month contract" -> 13, "6 weeks" -> 6, "about 40 hours" -> 40 h / basis
                      week (var hours_per_budget_period.week); durations of experience
                      ("5+ years of experience") are never a duration
      hours_per_week  "20 hrs/week", "30-40 hours per week" -> 35
      start           'asap', an ISO date ('2025-09-01', also in start_on) or 'unknown'
#}

{%- set weeks_per = {'day': '1.0 / 7', 'week': '1', 'month': '4.33', 'year': '52'} -%}

{% set rule_vars = ['hours_per_budget_period'] %}

{{ config(**incremental_posting_config(vars=rule_vars)) }}


with

postings as (

    {{ postings_to_process() }}

),

classification_rules as (

    select * from {{ ref('classification_rules') }}

),

documents as (

    select
        posting_id,
        posted_at,
        coalesce(title, '') as title_text,
        lower(concat_ws(' ', title, budget_text, left(description_text, 8000))) as posting_text,
        coalesce(location, '') as location_text,
        coalesce(employment_type, '') as employment_type_text
    from postings

),

rule_matches as (

    select distinct on (documents.posting_id, classification_rules.attribute)
        documents.posting_id,
        classification_rules.attribute,
        classification_rules.value
    from documents
    inner join classification_rules
        on case classification_rules.applies_to
            when 'title' then documents.title_text
            when 'text' then documents.posting_text
            when 'location' then documents.location_text
            when 'employment_type' then documents.employment_type_text
        end ~* classification_rules.pattern
    order by documents.posting_id, classification_rules.attribute, classification_rules.priority

),

-- one column per attribute of the seed (macro classified_attributes)
attributes as (

    select
        {%- for attribute in classified_attributes() %}
        max(value) filter (where attribute = '{{ attribute }}') as {{ attribute }},
        {%- endfor %}
        posting_id
    from rule_matches
    group by posting_id

),

-- "3-month contract", "6 weeks", "2 to 3 months"; not "5+ years of experience"
stated_durations as (

    select
        documents.posting_id,
        (
            (duration_match.parts[1]::numeric + coalesce(duration_match.parts[2], duration_match.parts[1])::numeric) / 2
            * case
                {%- for unit, weeks in weeks_per.items() %}
                when duration_match.parts[3] like '{{ unit }}%' then {{ weeks }}
                {%- endfor %}
            end
        ) as duration_weeks
    from documents
    cross join lateral regexp_match(
        documents.posting_text,
        '(?<![\d+.$€£])(\d{1,3}(?:\.\d)?)(?:\s*(?:-|–|to)\s*(\d{1,3}))?(?!\+)\s*[- ]?\s*(day|week|month|year)s?\M'
        || '(?!\s*(?:of\s+)?(?:professional\s+|relevant\s+|hands-on\s+)?(?:experience|exp\M))'
        || '(?!\s*(?:old|ago))'
    ) as duration_match (parts)
    where duration_match.parts is not null

),

-- "about 40 hours" of work in total (not "40 hours a week")
stated_hours as (

    select
        documents.posting_id,
        hours_match.parts[1]::numeric as duration_hours
    from documents
    cross join lateral regexp_match(
        documents.posting_text,
        '(?:about|approx\.?|approximately|around|roughly|estimated|est\.|~|total of|up to)\s*(\d{1,4})\s*(?:hours|hrs|h)\M'  -- noqa: LT05
        || '(?!\s*(?:/|per|a|an|each|every)\s*(?:week|wk|month|day))'
    ) as hours_match (parts)
    where hours_match.parts is not null

),

weekly_hours as (

    select
        documents.posting_id,
        (hours_match.parts[1]::numeric + coalesce(hours_match.parts[2], hours_match.parts[1])::numeric) / 2
            as hours_per_week
    from documents
    cross join lateral regexp_match(
        documents.posting_text,
        '(\d{1,2})(?:\s*(?:-|–|to)\s*(\d{1,2}))?\+?\s*(?:hours|hrs|hr|h)\s*(?:/|per|a|an|each|every)\s*(?:week|wk)\M'
    ) as hours_match (parts)
    where hours_match.parts is not null

),

starts as (

    select
        documents.posting_id,
        documents.posting_text ~ '\m(asap|immediately|immediate start|start (right away|now|today)|starting now)\M'
            as is_asap,
        -- built from its parts so an impossible date rolls over instead of failing the build
        case
            when iso_date.parts is not null then
                make_date(iso_date.parts[1]::integer, iso_date.parts[2]::integer, 1)
                    + (iso_date.parts[3]::integer - 1)
            when named_date.parts is not null then
                make_date(
                    named_date.parts[3]::integer,
                    (position(named_date.parts[1] in 'janfebmaraprmayjunjulaugsepoctnovdec') + 2) / 3,
                    1
                ) + (named_date.parts[2]::integer - 1)
            when day_first_date.parts is not null then
                make_date(
                    day_first_date.parts[3]::integer,
                    (position(day_first_date.parts[2] in 'janfebmaraprmayjunjulaugsepoctnovdec') + 2) / 3,
                    1
                ) + (day_first_date.parts[1]::integer - 1)
        end as start_on
    from documents
    cross join lateral regexp_match(documents.posting_text,
        'start[a-z]*(?:\s+date)?\s*(?:on|:|from|by|in)?\s*(20\d{2})-(0[1-9]|1[0-2])-([0-2]\d|3[01])\M'
    ) as iso_date (parts)
    cross join lateral regexp_match(documents.posting_text,
        'start[a-z]*(?:\s+date)?\s*(?:on|:|from|by|in)?\s*(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+([1-9]|[12]\d|3[01])(?:st|nd|rd|th)?,?\s+(20\d{2})\M'  -- noqa: LT05
    ) as named_date (parts)
    cross join lateral regexp_match(documents.posting_text,
        'start[a-z]*(?:\s+date)?\s*(?:on|:|from|by|in)?\s*([1-9]|[12]\d|3[01])(?:st|nd|rd|th)?\s+(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?,?\s+(20\d{2})\M'  -- noqa: LT05
    ) as day_first_date (parts)

),

final as (

    select
        postings.posting_id,
        -- an attribute no rule matched is 'unknown'; but is_remote (false), and region:
        -- 'worldwide' for remote work
        {%- for attribute in classified_attributes() if attribute not in ('is_remote', 'region') %}
        coalesce(attributes.{{ attribute }}, 'unknown') as {{ attribute }},
        {%- endfor %}
        coalesce(attributes.is_remote::boolean, false) as is_remote,
        coalesce(
            attributes.region,
            case when coalesce(attributes.is_remote::boolean, false) then 'worldwide' else 'unknown' end
        ) as region,
        round(
            coalesce(
                stated_durations.duration_weeks,
                stated_hours.duration_hours
                    / coalesce(weekly_hours.hours_per_week, {{ var('hours_per_budget_period')['week'] }})
            ),
            1
        ) as duration_weeks,
        stated_hours.duration_hours,
        weekly_hours.hours_per_week,
        case
            when starts.start_on is not null then to_char(starts.start_on, 'YYYY-MM-DD')
            when starts.is_asap then 'asap'
            else 'unknown'
        end as start,
        starts.start_on,
        postings.content_hash,
        {{ processing_hash(vars=rule_vars) }} as rules_hash
    from postings
    left join attributes
        on postings.posting_id = attributes.posting_id
    left join stated_durations
        on postings.posting_id = stated_durations.posting_id
    left join stated_hours
        on postings.posting_id = stated_hours.posting_id
    left join weekly_hours
        on postings.posting_id = weekly_hours.posting_id
    left join starts
        on postings.posting_id = starts.posting_id

)

select * from final
