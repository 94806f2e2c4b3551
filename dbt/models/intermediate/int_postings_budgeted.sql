{#
    Compensation: one row per posting with its pay normalised.

    Structured salary fields win when the source has them; otherwise the free-text
    budget_text is read token by token:

      1. the text is cut into tokens (numbers with their k/lakh suffix, currency symbols,
         words, punctuation); every number is read in its own grouping (1,500 / 60.000 /
         120'000 / 15,00,000 / 37.50 / 45,50);
      2. a number next to a currency (or with a k suffix) is money; a bare number followed by
         hours/weeks/months/%/people is a quantity ("20 hrs/week", "3 months") and never pay,
         with a multiplier too when the word counts things ("50 million people per month");
      3. the anchor is the first money number; a neighbouring number joined to it only by
         range words ("-", "to", currency, "/hr") makes a range ("$50 - $70/hr", "60-75k");
      4. "up to" before a lone amount keeps only the max, "+"/"from" only the min;
      5. the period is the nearest period word that belongs to the pay, not to a quantity
         ("/hr", "per annum", "daily", "brutto/Jahr"); unit nouns count only after a per
         marker ("/", "per", "a") or before "rate"; hints (budget, fixed, salary) come last;
         a bare amount of at least var salary_inference_min_amount is a yearly salary;
      6. a text that calls the pay negotiable ("DOE", "VB", "a convenir") and states no
         money amount and no period has no pay in it ("negotiable, 2 openings").

    Every word list lives in a seed: currency_aliases, budget_period_aliases, budget_words.
    The tokenizer's regular expression is built from them in SQL (token_patterns), so a
    new multiplier or currency symbol is one seed row. Letters are ASCII letters plus the
    Latin-1 and Latin Extended-A/B ranges: the database may run in the C locale, where
    [[:alpha:]] and lower() know ASCII only ("godzinę", "månad", "día").
    Hourly equivalents use var('hours_per_budget_period'); USD uses the fx_rates seed (the
    latest rate dated on or before the posting, else the latest).

    Pay sanity: the pay in USD per its period must lie within that period's bounds (seed
    pay_plausibility_bounds). Outside them the posting keeps its text but gets
    pay_is_plausible false, null figures and pay_plausibility_reason, so no absurd amount
    reaches a cast or a percentile downstream. An amount per hour, day or week that is
    plausible only per year (and at least var salary_inference_min_amount as written:
    "£156000-215000/hr") is read as the yearly salary it is and shown as one, but its
    usd_mid stays null: a reinterpretation is a guess and never moves the market figures.
#}

{% set rule_vars = ['hours_per_budget_period', 'salary_inference_min_amount'] %}
{# letters beyond ASCII: Latin-1 and Latin Extended-A/B, without × and ÷ #}
{% set letter_ranges = '\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f' %}
{% set letter = '[[:alpha:]' ~ letter_ranges ~ ']' %}

{{ config(**incremental_posting_config(vars=rule_vars)) }}


with

postings as (

    {{ postings_to_process() }}

),

currency_aliases as (

    select * from {{ ref('currency_aliases') }}

),

period_aliases as (

    select * from {{ ref('budget_period_aliases') }}

),

budget_words as (

    select * from {{ ref('budget_words') }}

),

fx_rates as (

    select * from {{ ref('fx_rates') }}

),

-- a word may play several roles ("a": per marker and range connector)
word_roles as (

    select
        phrase,
        bool_or(role = 'range_connector') as is_range_connector,
        bool_or(role = 'per_marker') as is_per_marker
    from budget_words
    where role in ('range_connector', 'per_marker')
    group by phrase

),

-- the words that make a number a duration, a share or a count, and whether each is a
-- period word too ("80k year" is pay)
quantity_words as (

    select
        quantity.phrase,
        bool_or(period_aliases.alias is not null) as is_period
    from budget_words as quantity
    left join period_aliases
        on quantity.phrase = period_aliases.alias
    where quantity.role = 'quantity'
    group by quantity.phrase

),

-- the tokenizer's and the negotiable test's regular expressions, built from the seeds;
-- longest alternatives first, every non-alphanumeric character escaped
token_patterns as (

    select
        '(\d(?:[\d.,'']*\d)?)(?:\s*(' || multipliers.alternation || ')(?!{{ letter }}))?'
        || '|(' || symbols.alternation || ')'
        || '|({{ letter }}+)\.?'
        || '|([^\s[:alnum:]' || symbol_characters.characters || '])' as token_pattern,
        '(^|[^[:alnum:]{{ letter_ranges }}])(' || negotiable.alternation
        || ')($|[^[:alnum:]{{ letter_ranges }}])' as negotiable_pattern
    from (
        select string_agg({{ regex_escaped('phrase') }}, '|' order by length(phrase) desc, phrase)
            as alternation
        from budget_words
        where role = 'multiplier'
    ) as multipliers
    cross join (
        select string_agg({{ regex_escaped('alias') }}, '|' order by length(alias) desc, alias)
            as alternation
        from currency_aliases
        -- symbols and symbol-bearing codes ("$", "r$"); plain words are read as words
        where alias !~ '^{{ letter }}+$'
    ) as symbols
    cross join (
        select string_agg(distinct {{ regex_escaped('symbol_character') }}, '') as characters
        from currency_aliases
        cross join lateral regexp_split_to_table(currency_aliases.alias, '') as symbol_character
        where symbol_character !~ '[[:alnum:]]'
    ) as symbol_characters
    cross join (
        select string_agg({{ regex_escaped('phrase') }}, '|' order by length(phrase) desc, phrase)
            as alternation
        from budget_words
        where role = 'negotiable'
    ) as negotiable

),

pay_bounds as (

    select * from {{ ref('pay_plausibility_bounds') }}

),

pay_texts as (

    select
        posting_id,
        -- lower case (Latin letters beyond ASCII too); unicode apostrophes and spaces made
        -- plain; "60 000" -> "60000"; "p.a." -> "pa", "p/h" -> "ph"; an apostrophe after a
        -- letter separates words ("l'heure", "all'ora")
        regexp_replace(
            regexp_replace(
                regexp_replace(
                    regexp_replace(
                        translate(
                            lower(budget_text),
                            'ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÐÑÒÓÔÕÖØÙÚÛÜÝÞĄĆĘŁŃŚŹŻ’´'
                                || chr(160) || chr(8201) || chr(8239),
                            'àáâãäåæçèéêëìíîïðñòóôõöøùúûüýþąćęłńśźż''''   '
                        ),
                        '(\d) (?=\d{3}(?!\d))', '\1', 'g'
                    ),
                    '\m([a-z])\.([a-z])\.', '\1\2', 'g'
                ),
                '\mp/([ahdwm])\M', 'p\1', 'g'
            ),
            '({{ letter }})''', '\1 ', 'g'
        ) as pay_text
    from postings
    where budget_text is not null

),

pay_texts_read as (

    select
        pay_texts.posting_id,
        pay_texts.pay_text,
        pay_texts.pay_text ~ token_patterns.negotiable_pattern as calls_pay_negotiable
    from pay_texts
    cross join token_patterns

),

-- number (with an optional multiplier word) | currency symbol | word (a dot after it
-- dropped: "Tsd.", "pr. time", "godz.") | any other symbol
raw_tokens as (

    select
        pay_texts.posting_id,
        pay_texts.calls_pay_negotiable,
        token_match.position::integer as position,
        token_match.parts[1] as number_text,
        token_match.parts[2] as multiplier_word,
        coalesce(token_match.parts[3], token_match.parts[4], token_match.parts[5]) as token_text,
        case
            when token_match.parts[1] is not null then 'number'
            when token_match.parts[3] is not null then 'symbol'
            when token_match.parts[4] is not null then 'word'
            else 'punct'
        end as token_kind
    from pay_texts_read as pay_texts
    cross join token_patterns
    cross join lateral regexp_matches(
        pay_texts.pay_text, token_patterns.token_pattern, 'g'
    ) with ordinality as token_match (parts, position)

),

-- the number as written, in its own digit grouping
read_numbers as (

    select
        raw_tokens.*,
        case
            -- Indian lakh grouping: 15,00,000
            when number_plain ~ '^\d{1,2}(,\d{2})+,\d{3}$' then replace(number_plain, ',', '')
            -- 1,500 / 1,500.50
            when number_plain ~ '^\d{1,3}(,\d{3})+(\.\d+)?$' then replace(number_plain, ',', '')
            -- European grouping: 60.000 / 60.000,50
            when number_plain ~ '^\d{1,3}(\.\d{3})+(,\d+)?$'
                then replace(replace(number_plain, '.', ''), ',', '.')
            when number_plain ~ '^\d+(\.\d+)?$' then number_plain
            -- decimal comma: 45,50
            when number_plain ~ '^\d+,\d{1,2}$' then replace(number_plain, ',', '.')
        end::numeric as number_value
    from raw_tokens
    -- Swiss grouping: 120'000
    cross join lateral (select replace(raw_tokens.number_text, '''', '') as number_plain) as plain

),

tokens as (

    select
        read_numbers.posting_id,
        read_numbers.calls_pay_negotiable,
        read_numbers.position,
        read_numbers.token_kind,
        read_numbers.token_text,
        read_numbers.multiplier_word,
        read_numbers.number_value * coalesce(multipliers.multiplier, 1) as amount,
        read_numbers.number_value as number_as_written,
        multipliers.multiplier is not null as has_multiplier,
        currency_aliases.currency_code,
        currency_aliases.priority as currency_priority,
        coalesce(word_roles.is_range_connector, false) as is_range_connector,
        coalesce(word_roles.is_per_marker, false) as is_per_marker,
        period_aliases.budget_period as period_word,
        period_aliases.alias_kind as period_word_kind
    from read_numbers
    left join budget_words as multipliers
        on read_numbers.multiplier_word = multipliers.phrase
        and multipliers.role = 'multiplier'
    left join currency_aliases
        on read_numbers.token_text = currency_aliases.alias
    left join word_roles
        on read_numbers.token_text = word_roles.phrase
    left join period_aliases
        on read_numbers.token_text = period_aliases.alias

),

-- each token with its neighbours
neighbours as (

    select
        tokens.*,
        lag(currency_code, 1) over text_order as previous_currency,
        lag(currency_code, 2) over text_order as second_previous_currency,
        lag(token_kind, 1) over text_order as previous_kind,
        lag(token_text, 1) over text_order as previous_text,
        lag(is_per_marker, 1) over text_order as follows_per_marker,
        lag(token_kind, 1) over text_order as previous_token_kind,
        lag(amount, 1) over text_order as previous_amount,
        lead(currency_code, 1) over text_order as next_currency,
        lead(currency_code, 2) over text_order as second_next_currency,
        lead(token_kind, 1) over text_order as next_kind,
        lead(token_text, 1) over text_order as next_text,
        lead(token_text, 2) over text_order as second_next_text,
        bool_or(period_word is not null) over (partition by posting_id) as has_period_word
    from tokens
    window text_order as (partition by posting_id order by position)

),

numbers as (

    select
        neighbours.posting_id,
        neighbours.position,
        neighbours.amount,
        neighbours.number_as_written,
        neighbours.has_multiplier,
        (
            -- a multiplier makes a bare number money, but not a count ("50 million people
            -- per month" is a reach, not pay); a period word is no count ("80k year")
            (neighbours.has_multiplier and (quantity_word.phrase is null or quantity_word.is_period))
            or previous_currency is not null
            or next_currency is not null
            or (second_previous_currency is not null and previous_kind = 'punct')
            or (second_next_currency is not null and next_kind = 'punct')
        ) as is_money,
        neighbours.calls_pay_negotiable and not neighbours.has_period_word
            as is_negotiable_without_period,
        quantity_word.phrase is not null as is_followed_by_quantity_word
    from neighbours
    -- "20 hrs/week", "3-month", "5+ years", "10%", "2 million users"
    left join quantity_words as quantity_word
        on quantity_word.phrase = case
            when neighbours.next_text in ('-', '+') then neighbours.second_next_text
            else neighbours.next_text
        end
    where neighbours.token_kind = 'number'
        and neighbours.amount is not null
        -- "401k" is a retirement plan, not pay
        and not (neighbours.number_as_written = 401 and neighbours.has_multiplier)

),

-- a negotiable text that states neither a money amount nor a period has no pay in it
numbers_in_text as (

    select
        numbers.*,
        numbers.is_negotiable_without_period
            and not bool_or(numbers.is_money) over (partition by numbers.posting_id)
            as is_negotiable_without_amount
    from numbers

),

candidate_numbers as (

    select
        numbers_in_text.*,
        row_number() over (partition by posting_id order by position) as number_rank
    from numbers_in_text
    where is_money or not (is_followed_by_quantity_word or is_negotiable_without_amount)

),

anchors as (

    select distinct on (posting_id)
        posting_id,
        position,
        number_rank
    from candidate_numbers
    order by posting_id, is_money desc, position

),

-- consecutive candidate numbers joined only by range words, currencies and period words
consecutive_numbers as (

    select
        lower_number.posting_id,
        lower_number.position as lower_position,
        upper_number.position as upper_position,
        lower_number.number_rank as lower_rank,
        lower_number.amount as lower_amount,
        lower_number.number_as_written as lower_as_written,
        lower_number.has_multiplier as lower_has_multiplier,
        upper_number.amount as upper_amount,
        upper_number.number_as_written as upper_as_written,
        upper_number.amount / nullif(upper_number.number_as_written, 0) as upper_multiplier,
        upper_number.has_multiplier as upper_has_multiplier
    from candidate_numbers as lower_number
    inner join candidate_numbers as upper_number
        on lower_number.posting_id = upper_number.posting_id
        and upper_number.number_rank = lower_number.number_rank + 1

),

range_pairs as (

    select consecutive_numbers.*
    from consecutive_numbers
    inner join tokens as between_token
        on consecutive_numbers.posting_id = between_token.posting_id
        and between_token.position > consecutive_numbers.lower_position
        and between_token.position < consecutive_numbers.upper_position
    {%- set grouped = [
        'posting_id', 'lower_position', 'upper_position', 'lower_rank', 'lower_amount',
        'lower_as_written', 'lower_has_multiplier', 'upper_amount', 'upper_as_written',
        'upper_multiplier', 'upper_has_multiplier',
    ] %}
    group by
    {%- for column in grouped %}
        consecutive_numbers.{{ column }}{{ "," if not loop.last }}
    {%- endfor %}
    having bool_or(between_token.is_range_connector)
        and bool_and(
            between_token.is_range_connector
            or between_token.is_per_marker
            or between_token.currency_code is not null
            or between_token.period_word is not null
        )

),

-- the words just before and just after the anchor (currencies and ":" skipped), found with
-- one join of the tokens to their posting's anchor, not a lookup per posting
anchor_near_tokens as (

    select
        anchors.posting_id,
        tokens.position,
        tokens.token_text,
        tokens.position < anchors.position as is_before,
        row_number() over (
            partition by anchors.posting_id, tokens.position < anchors.position
            order by abs(tokens.position - anchors.position)
        ) as distance_rank
    from anchors
    inner join tokens
        on anchors.posting_id = tokens.posting_id
        and tokens.position <> anchors.position
        and tokens.currency_code is null
    where (tokens.position < anchors.position and tokens.token_text is distinct from ':')
        -- "$50/hr minimum": the period between amount and bound is skipped
        or (
            tokens.position > anchors.position
            and tokens.period_word is null
            and not tokens.is_per_marker
        )

),

anchor_context as (

    select
        anchors.posting_id,
        anchors.number_rank,
        string_agg(near.token_text, ' ' order by near.position)
            filter (where near.is_before and near.distance_rank <= 3) as words_before,
        string_agg(near.token_text, ' ' order by near.position)
            filter (where not near.is_before and near.distance_rank <= 2) as words_after
    from anchors
    left join anchor_near_tokens as near
        on anchors.posting_id = near.posting_id
    group by anchors.posting_id, anchors.number_rank

),

open_ends as (

    select
        anchor_context.posting_id,
        bool_or(budget_words.role in ('max_before', 'max_after')) as is_max_only,
        bool_or(budget_words.role in ('min_before', 'min_after')) as is_min_only
    from anchor_context
    -- the words before end with the phrase, the words after start with it (tokens hold no
    -- spaces, so a string comparison finds whole words; a regular expression built per
    -- phrase was compiled again on every row, since more phrases than PostgreSQL caches)
    inner join budget_words
        on (
            budget_words.role in ('max_before', 'min_before')
            and right(' ' || anchor_context.words_before, length(budget_words.phrase) + 1)
                = ' ' || budget_words.phrase
        )
        or (
            budget_words.role in ('min_after', 'max_after')
            and left(anchor_context.words_after || ' ', length(budget_words.phrase) + 1)
                = budget_words.phrase || ' '
        )
    group by anchor_context.posting_id

),

text_bounds as (

    select
        anchors.posting_id,
        coalesce(following_pair.lower_rank, preceding_pair.lower_rank) is not null as is_range,
        -- "$120-150k": the upper bound's suffix scales a bare lower bound too
        case
            when pair.lower_amount is null then null
            when pair.upper_has_multiplier and not pair.lower_has_multiplier
                and pair.lower_as_written <= pair.upper_as_written
                then pair.lower_amount * pair.upper_multiplier
            else pair.lower_amount
        end as range_lower,
        pair.upper_amount as range_upper,
        anchor.amount as single_amount,
        anchor.position as anchor_position,
        coalesce(open_ends.is_max_only, false) as is_max_only,
        coalesce(open_ends.is_min_only, false) as is_min_only
    from anchors
    inner join candidate_numbers as anchor
        on anchors.posting_id = anchor.posting_id
        and anchors.number_rank = anchor.number_rank
    left join range_pairs as following_pair
        on anchors.posting_id = following_pair.posting_id
        and following_pair.lower_rank = anchors.number_rank
    left join range_pairs as preceding_pair
        on anchors.posting_id = preceding_pair.posting_id
        and preceding_pair.lower_rank = anchors.number_rank - 1
    left join open_ends
        on anchors.posting_id = open_ends.posting_id
    cross join lateral (
        select
            coalesce(following_pair.lower_amount, preceding_pair.lower_amount) as lower_amount,
            coalesce(following_pair.lower_as_written, preceding_pair.lower_as_written) as lower_as_written,
            coalesce(following_pair.lower_has_multiplier, preceding_pair.lower_has_multiplier) as lower_has_multiplier,
            coalesce(following_pair.upper_amount, preceding_pair.upper_amount) as upper_amount,
            coalesce(following_pair.upper_as_written, preceding_pair.upper_as_written) as upper_as_written,
            coalesce(following_pair.upper_multiplier, preceding_pair.upper_multiplier) as upper_multiplier,
            coalesce(following_pair.upper_has_multiplier, preceding_pair.upper_has_multiplier) as upper_has_multiplier
    ) as pair

),

text_amounts as (

    select
        posting_id,
        anchor_position,
        case
            when is_range then least(range_lower, range_upper)
            when is_max_only then null
            else single_amount
        end as budget_min,
        case
            when is_range then greatest(range_lower, range_upper)
            when is_min_only and not is_max_only then null
            else single_amount
        end as budget_max
    from text_bounds

),

-- the number each token follows: a period word after a quantity ("20 hrs/week") is not pay
owned_tokens as (

    select
        following.*,
        following.owner_position is not null and candidate_numbers.position is null
            as follows_a_quantity
    from (
        select
            tokens.*,
            max(case when tokens.token_kind = 'number' and tokens.amount is not null
                then tokens.position end) over (
                partition by tokens.posting_id
                order by tokens.position
                rows between unbounded preceding and 1 preceding
            ) as owner_position
        from tokens
    ) as following
    left join candidate_numbers
        on following.posting_id = candidate_numbers.posting_id
        and following.owner_position = candidate_numbers.position

),

text_periods as (

    select distinct on (owned_tokens.posting_id)
        owned_tokens.posting_id,
        owned_tokens.period_word as budget_period
    from owned_tokens
    inner join neighbours
        on owned_tokens.posting_id = neighbours.posting_id
        and owned_tokens.position = neighbours.position
    inner join text_amounts
        on owned_tokens.posting_id = text_amounts.posting_id
    where owned_tokens.period_word is not null
        and not coalesce(owned_tokens.follows_a_quantity, false)
        and (
            owned_tokens.period_word_kind in ('rate', 'hint')
            -- a unit noun states a period after "/", "per", "a" or a money amount, or before
            -- "rate"; a short one that is another word elsewhere only after a per marker
            or neighbours.follows_per_marker
            or (
                owned_tokens.period_word_kind = 'unit'
                and (neighbours.previous_token_kind = 'number' or neighbours.next_text = 'rate')
            )
        )
    order by
        owned_tokens.posting_id,
        owned_tokens.period_word_kind = 'hint',
        abs(owned_tokens.position - text_amounts.anchor_position)

),

text_currencies as (

    select distinct on (tokens.posting_id)
        tokens.posting_id,
        tokens.currency_code
    from tokens
    inner join text_amounts
        on tokens.posting_id = text_amounts.posting_id
    where tokens.currency_code is not null
    order by tokens.posting_id, tokens.currency_priority,
        abs(tokens.position - text_amounts.anchor_position)

),

-- the structured fields' currency and period, read with the same seeds
structured as (

    select
        postings.posting_id,
        postings.salary_min,
        postings.salary_max,
        currency_aliases.currency_code,
        (
            select period_aliases.budget_period
            from regexp_split_to_table(lower(postings.salary_period), '[^[:alpha:]{{ letter_ranges }}]+') as word
            inner join period_aliases
                on word = period_aliases.alias
            order by period_aliases.alias_kind = 'hint'
            limit 1
        ) as budget_period
    from postings
    left join currency_aliases
        on lower(postings.salary_currency) = currency_aliases.alias
    where postings.salary_min is not null or postings.salary_max is not null

),

-- structured fields first, then the pay text
chosen as (

    select
        postings.posting_id,
        postings.posted_at,
        case
            when structured.posting_id is not null then 'structured'
            when text_amounts.posting_id is not null then 'text'
        end as budget_origin,
        case when structured.posting_id is not null then structured.salary_min
            else text_amounts.budget_min end as budget_min,
        case when structured.posting_id is not null then structured.salary_max
            else text_amounts.budget_max end as budget_max,
        coalesce(structured.currency_code, text_currencies.currency_code) as budget_currency,
        coalesce(structured.budget_period, text_periods.budget_period) as stated_period
    from postings
    left join structured
        on postings.posting_id = structured.posting_id
    left join text_amounts
        on postings.posting_id = text_amounts.posting_id
    left join text_currencies
        on postings.posting_id = text_currencies.posting_id
    left join text_periods
        on postings.posting_id = text_periods.posting_id

),

stated as (

    select
        posting_id,
        posted_at,
        budget_origin,
        budget_min,
        budget_max,
        (budget_min is not null or budget_max is not null) as is_budget_stated,
        case when budget_min is not null or budget_max is not null then budget_currency end
            as budget_currency,
        case
            when budget_min is null and budget_max is null then null
            when stated_period is not null then stated_period
            -- a bare large figure ("$120k+", "120.000 €") is a yearly salary
            when coalesce(budget_max, budget_min) >= {{ var('salary_inference_min_amount') }}
                then 'year'
        end as budget_period
    from chosen

),

-- a lateral join, not a sub-select in the select list: the steps below use the rate many
-- times over, and an inlined sub-select ran again for every use (a third of the model's time)
rated as (

    select
        stated.*,
        rate.usd_per_unit
    from stated
    left join lateral (
        select fx_rates.usd_per_unit
        from fx_rates
        where fx_rates.currency = stated.budget_currency
        order by
            fx_rates.rate_date <= coalesce(stated.posted_at::date, fx_rates.rate_date) desc,
            fx_rates.rate_date desc
        limit 1
    ) as rate on true

),

-- the stated pay in US dollars per its period, against that period's bounds and a year's
-- (seed pay_plausibility_bounds); a currency without a rate is judged as if dollars
judged as (

    select
        rated.*,
        coalesce(rated.budget_min, rated.budget_max) * coalesce(rated.usd_per_unit, 1) as usd_low,
        coalesce(rated.budget_max, rated.budget_min) * coalesce(rated.usd_per_unit, 1) as usd_high,
        period_bounds.usd_min as period_usd_min,
        period_bounds.usd_max as period_usd_max,
        year_bounds.usd_min as year_usd_min,
        year_bounds.usd_max as year_usd_max
    from rated
    left join pay_bounds as period_bounds
        on rated.budget_period = period_bounds.budget_period
    left join pay_bounds as year_bounds
        on year_bounds.budget_period = 'year'

),

-- plausible as stated; read_as_year: a salary written per hour, day or week ("£156000/hr":
-- no one pays that an hour, many pay it a year) -- read as the yearly salary it is, shown
-- as such, but left out of the market figures (a guess must not move them); implausible:
-- the text is kept, every figure nulled
verdicts as (

    select
        judged.*,
        case
            when not judged.is_budget_stated then 'plausible'
            when judged.usd_low <= 0 then 'implausible'
            when judged.period_usd_min is null then 'plausible'
            when judged.usd_low >= judged.period_usd_min and judged.usd_high <= judged.period_usd_max
                then 'plausible'
            when judged.budget_period in ('hour', 'day', 'week')
                and coalesce(judged.budget_min, judged.budget_max) >= {{ var('salary_inference_min_amount') }}
                and judged.usd_low >= judged.year_usd_min and judged.usd_high <= judged.year_usd_max
                then 'read_as_year'
            else 'implausible'
        end as pay_verdict,
        -- the amount as written, cut short: a hostile one may have thousands of digits
        left(
            trim_scale(round(coalesce(judged.budget_min, judged.budget_max), 2))::text
            || case when judged.budget_min <> judged.budget_max
                then '-' || trim_scale(round(judged.budget_max, 2))::text else '' end,
            40
        ) || coalesce(' ' || judged.budget_currency, '') || ' per ' || coalesce(judged.budget_period, 'unstated period')
            as pay_as_read
    from judged

),

typed as (

    select
        verdicts.posting_id,
        verdicts.posted_at,
        verdicts.budget_origin,
        verdicts.is_budget_stated,
        verdicts.budget_currency,
        verdicts.usd_per_unit,
        verdicts.pay_verdict,
        case when verdicts.pay_verdict <> 'implausible' then verdicts.budget_min end as budget_min,
        case when verdicts.pay_verdict <> 'implausible' then verdicts.budget_max end as budget_max,
        period.budget_period,
        verdicts.pay_verdict <> 'implausible' as pay_is_plausible,
        case verdicts.pay_verdict
            when 'read_as_year' then
                'Pay of ' || verdicts.pay_as_read || ' only makes sense per year: read as a '
                || 'yearly salary, left out of market rates'
            when 'implausible' then
                'Pay of ' || verdicts.pay_as_read || ' is outside the plausible range'
                || coalesce(' (' || verdicts.period_usd_min || ' to ' || verdicts.period_usd_max
                    || ' USD per ' || verdicts.budget_period || ')', '')
                || ': its figures are left out'
        end as pay_plausibility_reason,
        case period.budget_period
            when 'hour' then 'hourly'
            when 'day' then 'daily'
            when 'project' then 'fixed'
            when 'week' then 'salary'
            when 'month' then 'salary'
            when 'year' then 'salary'
            else 'unknown'
        end as engagement_type,
        {{ hours_in_budget_period('period.budget_period') }} as hours_per_period
    from verdicts
    cross join lateral (
        select case when verdicts.pay_verdict = 'read_as_year' then 'year'
            else verdicts.budget_period end as budget_period
    ) as period

),

converted as (

    select
        posting_id,
        engagement_type,
        budget_currency,
        -- "60.000" * 1 and "60" * 1000 both read 60000, without trailing decimals
        trim_scale(round(budget_min, 4)) as budget_min,
        trim_scale(round(budget_max, 4)) as budget_max,
        budget_period,
        is_budget_stated,
        budget_origin,
        pay_is_plausible,
        pay_plausibility_reason,
        pay_verdict,
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

priced as (

    select
        converted.*,
        -- a fixed budget's USD midpoint (one bound stands for both when the other is open)
        (coalesce(converted.fixed_usd_min, converted.fixed_usd_max)
            + coalesce(converted.fixed_usd_max, converted.fixed_usd_min)) / 2 as fixed_usd_mid
    from converted

),

final as (

    select
        priced.*,
        -- the pay the market compares (int_rate_benchmarks): a fixed budget per project,
        -- any other stated period per hour
        case when priced.engagement_type = 'fixed' then 'fixed' else 'hourly' end as rate_basis,
        -- only pay plausible as stated: a salary read as yearly is a guess
        case
            when priced.pay_verdict <> 'plausible' then null
            when priced.engagement_type = 'fixed' then priced.fixed_usd_mid
            when priced.engagement_type in ('hourly', 'daily', 'salary') then priced.hourly_usd_mid
        end as usd_mid,
        postings.content_hash,
        {{ processing_hash(vars=rule_vars) }} as rules_hash
    from priced
    inner join postings
        on priced.posting_id = postings.posting_id

)

select * from final
