{#
    The Sources & quality page's per-source counts: postings in fct_postings, the open ones,
    and those flagged by their legitimacy score (below var flag_score_threshold).

    Counted once per build so the page reads a row per source instead of aggregating the
    whole mart on each cache miss (0.8 s at a million postings). Flags the data-quality
    checks write after dbt ran are not counted here: the page adds the postings with an
    open check flag whose score is not below flag_score_threshold (a short index lookup per
    flag), so its flagged count stays what fct_postings.is_flagged says.
#}

{%- set threshold = var('flag_score_threshold') -%}

with

postings as (

    select
        source,
        closed_at,
        legitimacy_score
    from {{ ref('fct_postings') }}

),

counted as (

    select
        source,
        count(*) as postings,
        count(*) filter (where closed_at is null) as open_postings,
        count(*) filter (where legitimacy_score < {{ threshold }}) as score_flagged_postings
    from postings
    group by source

),

final as (

    select
        source::text as source,
        postings::integer as postings,
        open_postings::integer as open_postings,
        score_flagged_postings::integer as score_flagged_postings,
        {{ threshold }}::integer as flag_score_threshold
    from counted

)

select * from final
