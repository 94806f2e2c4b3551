{#
    Compensation v1: one row per posting with its pay normalised.

    Structured salary fields win when the source has them; otherwise the free-text
    budget_text is parsed with PostgreSQL regexes. Currency symbols/codes and period words
    come from seeds (currency_aliases, budget_period_aliases); the hourly-equivalent basis
    comes from var('hours_per_budget_period'); USD conversion from the fx_rates seed.
    Amounts stay in their original currency and unit in budget_min/budget_max.
#}

with

postings as (

    select * from {{ ref('stg_raw__postings') }}

),

currency_aliases as (

    select * from {{ ref('currency_aliases') }}

),

period_aliases as (

    select * from {{ ref('budget_period_aliases') }}

),

fx_rates as (

    select * from {{ ref('fx_rates') }}

),

-- the latest rate per currency
latest_fx_rates as (

    select distinct on (currency)
        currency,
        usd_per_unit
    from fx_rates
    order by currency, rate_date desc

),

pay_texts as (

    select
        posting_id,
        lower(budget_text) as pay_text
    from postings
    where budget_text is not null

),

-- every number in the pay text, in order: "$120k - $150k" -> 120000, 150000
text_amounts as (

    select
        pay_texts.posting_id,
        amount_match.position,
        amount_match.parts[3] is not null as has_thousands_suffix,
        (
            replace(amount_match.parts[1], ',', '')::numeric
            + coalesce(('0.' || amount_match.parts[2])::numeric, 0)
        ) * case when amount_match.parts[3] is not null then 1000 else 1 end as amount
    from pay_texts
    cross join lateral regexp_matches(
        pay_texts.pay_text,
        '(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?\s*(?:(k)(?![a-z]))?',
        'g'
    ) with ordinality as amount_match (parts, position)

),

text_ranges as (

    select
        posting_id,
        count(*) as amount_count,
        max(amount) filter (where position = 1) as first_amount,
        bool_or(has_thousands_suffix) filter (where position = 1) as first_has_suffix,
        max(amount) filter (where position = 2) as second_amount,
        bool_or(has_thousands_suffix) filter (where position = 2) as second_has_suffix
    from text_amounts
    group by posting_id

),

-- "$120-150k": the suffix on the upper bound applies to the lower bound too
text_ranges_scaled as (

    select
        posting_id,
        amount_count,
        case
            when second_has_suffix and not first_has_suffix and first_amount < 1000
                then first_amount * 1000
            else first_amount
        end as first_amount,
        second_amount
    from text_ranges

),

text_bounds as (

    select
        text_ranges_scaled.posting_id,
        case
            when amount_count >= 2 then least(first_amount, second_amount)
            when pay_texts.pay_text ~ '(up\s*to|max(imum)?|under|below|less than|<)\s*\D{0,6}\d'
                then null
            else first_amount
        end as budget_min,
        case
            when amount_count >= 2 then greatest(first_amount, second_amount)
            when pay_texts.pay_text ~ '\d\s*k?\s*\+|(from|at least|min(imum)?|starting at|over|>)\s*\D{0,6}\d'
                then null
            else first_amount
        end as budget_max
    from text_ranges_scaled
    inner join pay_texts
        on text_ranges_scaled.posting_id = pay_texts.posting_id

),

-- currency and period words, from the structured fields and from the pay text
pay_words as (

    select posting_id, 'structured' as origin, lower(salary_currency) as currency_words,
        lower(salary_period) as period_words
    from postings
    where salary_min is not null or salary_max is not null

    union all

    select posting_id, 'text' as origin, pay_text as currency_words,
        -- "p.a." -> "pa"
        regexp_replace(pay_text, '([a-z])\.', '\1', 'g') as period_words
    from pay_texts

),

currencies_found as (

    select distinct on (pay_words.posting_id, pay_words.origin)
        pay_words.posting_id,
        pay_words.origin,
        currency_aliases.currency_code
    from pay_words
    cross join lateral regexp_matches(
        pay_words.currency_words,
        '(us\$|ca\$|au\$|c\$|a\$|\$|€|£|₹|¥|(?<![a-z])[a-z]{3}(?![a-z]))',
        'g'
    ) with ordinality as currency_match (token, position)
    inner join currency_aliases
        on currency_match.token[1] = currency_aliases.alias
    order by pay_words.posting_id, pay_words.origin, currency_match.position

),

periods_found as (

    select distinct on (pay_words.posting_id, pay_words.origin)
        pay_words.posting_id,
        pay_words.origin,
        period_aliases.budget_period
    from pay_words
    cross join lateral regexp_matches(pay_words.period_words, '[a-z]+', 'g')
        with ordinality as period_match (token, position)
    inner join period_aliases
        on period_match.token[1] = period_aliases.alias
    order by pay_words.posting_id, pay_words.origin, period_aliases.priority, period_match.position

),

-- structured fields first, then the pay text
chosen as (

    select
        postings.posting_id,
        case
            when postings.salary_min is not null or postings.salary_max is not null then 'structured'
            when text_bounds.posting_id is not null then 'text'
        end as budget_origin,
        case
            when postings.salary_min is not null or postings.salary_max is not null
                then postings.salary_min
            else text_bounds.budget_min
        end as budget_min,
        case
            when postings.salary_min is not null or postings.salary_max is not null
                then postings.salary_max
            else text_bounds.budget_max
        end as budget_max,
        coalesce(structured_currency.currency_code, text_currency.currency_code) as budget_currency,
        coalesce(structured_period.budget_period, text_period.budget_period) as stated_period
    from postings
    left join text_bounds
        on postings.posting_id = text_bounds.posting_id
    left join currencies_found as structured_currency
        on postings.posting_id = structured_currency.posting_id
        and structured_currency.origin = 'structured'
    left join currencies_found as text_currency
        on postings.posting_id = text_currency.posting_id
        and text_currency.origin = 'text'
    left join periods_found as structured_period
        on postings.posting_id = structured_period.posting_id
        and structured_period.origin = 'structured'
    left join periods_found as text_period
        on postings.posting_id = text_period.posting_id
        and text_period.origin = 'text'

),

stated as (

    select
        posting_id,
        budget_origin,
        budget_min,
        budget_max,
        (budget_min is not null or budget_max is not null) as is_budget_stated,
        case when budget_min is not null or budget_max is not null then budget_currency end
            as budget_currency,
        case
            when budget_min is null and budget_max is null then null
            when stated_period is not null then stated_period
            -- a bare large figure ("$120k+") is a yearly salary
            when coalesce(budget_max, budget_min) >= {{ var('salary_inference_min_amount') }}
                then 'year'
        end as budget_period
    from chosen

),

typed as (

    select
        stated.*,
        case stated.budget_period
            when 'hour' then 'hourly'
            when 'day' then 'daily'
            when 'project' then 'fixed'
            when 'week' then 'salary'
            when 'month' then 'salary'
            when 'year' then 'salary'
            else 'unknown'
        end as engagement_type,
        {{ hours_in_budget_period('stated.budget_period') }} as hours_per_period,
        latest_fx_rates.usd_per_unit
    from stated
    left join latest_fx_rates
        on stated.budget_currency = latest_fx_rates.currency

),

converted as (

    select
        posting_id,
        engagement_type,
        budget_currency,
        budget_min,
        budget_max,
        budget_period,
        is_budget_stated,
        budget_origin,
        round(budget_min * usd_per_unit / hours_per_period, 2) as hourly_usd_min,
        round(budget_max * usd_per_unit / hours_per_period, 2) as hourly_usd_max,
        round(
            (coalesce(budget_min, budget_max) + coalesce(budget_max, budget_min)) / 2
            * usd_per_unit / hours_per_period,
            2
        ) as hourly_usd_mid,
        case when budget_period = 'project' then round(budget_min * usd_per_unit, 2) end
            as fixed_usd_min,
        case when budget_period = 'project' then round(budget_max * usd_per_unit, 2) end
            as fixed_usd_max
    from typed

),

final as (

    select * from converted

)

select * from final
