{#
    The skills each piece of work shows, through the shared taxonomy: the repository's
    primary language and its topics (read as labels through skill_aliases, like a posting's
    tags), an own repository's languages holding at least var evidence_min_language_share
    of its bytes, and the extensions of the files a merged pull request touched (seed
    evidence_file_extensions). One row per work and skill; found_in lists where it showed.
#}

with

work as (

    select * from {{ ref('int_developer_evidence_classified') }}

),

skill_aliases as (

    select * from {{ ref('skill_aliases') }}

),

file_extensions as (

    select * from {{ ref('evidence_file_extensions') }}

),

-- each alias as written ("scikit-learn") and with hyphens read as spaces ("scikit learn")
normalised_aliases as (

    select distinct
        spellings.alias_phrase,
        skill_aliases.skill_slug
    from skill_aliases
    cross join lateral (
        values
            ({{ normalise_phrase('skill_aliases.alias') }}),
            ({{ normalise_phrase("replace(skill_aliases.alias, '-', ' ')") }})
    ) as spellings (alias_phrase)

),

language_bytes as (

    select
        work.handle,
        work.evidence_kind,
        work.evidence_url,
        language.language_name,
        language.byte_count::numeric
            / nullif(
                sum(language.byte_count::numeric) over (
                    partition by work.handle, work.evidence_kind, work.evidence_url
                ),
                0
            ) as byte_share
    from work
    cross join lateral jsonb_each_text(work.repository_language_bytes)
        as language (language_name, byte_count)

),

labels as (

    select handle, evidence_kind, evidence_url, repository_language as label, 'language' as found_in
    from work
    where repository_language is not null

    union all

    select work.handle, work.evidence_kind, work.evidence_url, topic.topic_name, 'topic'
    from work
    cross join lateral jsonb_array_elements_text(work.repository_topics) as topic (topic_name)

    union all

    select handle, evidence_kind, evidence_url, language_name, 'language'
    from language_bytes
    where byte_share >= {{ var('evidence_min_language_share') }}

),

label_skills as (

    select
        labels.handle,
        labels.evidence_kind,
        labels.evidence_url,
        normalised_aliases.skill_slug,
        labels.found_in
    from labels
    inner join normalised_aliases
        on normalised_aliases.alias_phrase = {{ normalise_phrase("replace(labels.label, '-', ' ')") }}

),

file_skills as (

    select
        work.handle,
        work.evidence_kind,
        work.evidence_url,
        file_extensions.skill_slug,
        'files' as found_in
    from work
    cross join lateral jsonb_array_elements(work.pull_request_files) as changed (file_object)
    inner join file_extensions
        on file_extensions.file_extension
            = lower(substring(changed.file_object ->> 'filename' from '\.([A-Za-z0-9]+)$'))

),

skills as (

    select
        handle,
        evidence_kind,
        evidence_url,
        skill_slug,
        array_agg(distinct found_in order by found_in) as found_in
    from (
        select * from label_skills
        union all
        select * from file_skills
    ) as found
    group by handle, evidence_kind, evidence_url, skill_slug

),

final as (

    select
        work.handle,
        work.evidence_url,
        skills.skill_slug,
        skills.found_in,
        work.evidence_kind,
        work.evidence_at,
        work.repository_full_name,
        work.repository_stars,
        work.is_others_repository,
        work.is_bounty
    from skills
    inner join work
        on work.handle = skills.handle
        and work.evidence_kind = skills.evidence_kind
        and work.evidence_url = skills.evidence_url

)

select * from final
