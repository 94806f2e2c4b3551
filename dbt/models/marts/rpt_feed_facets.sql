{#
    The Feed's filter choices: one row per skill, engagement type and region present in
    fct_postings, with how many postings carry it.

    Computed once per build so the dashboard reads a few hundred rows instead of scanning
    the whole mart (every skills array unnested, two distinct scans) on each cache miss.
    Counts every posting in the mart, closed ones and every copy of a duplicate group
    included, as the dashboard's own queries did; null values are left out.
#}

with

postings as (

    select
        skills,
        engagement_type,
        region
    from {{ ref('fct_postings') }}

),

posting_skills as (

    select skill.skill_slug
    from postings
    cross join lateral unnest(postings.skills) as skill (skill_slug)
    where skill.skill_slug is not null

),

facet_values as (

    select 'skill' as facet, skill_slug as value from posting_skills
    union all
    select 'engagement_type' as facet, engagement_type as value from postings
    where engagement_type is not null
    union all
    select 'region' as facet, region as value from postings
    where region is not null

),

counted as (

    select
        facet,
        value,
        count(*) as postings
    from facet_values
    group by facet, value

),

final as (

    select
        facet::text as facet,
        value::text as value,
        postings::integer as postings
    from counted

)

select * from final
