-- Two aliases of different skills that normalise to the same phrase would tag a posting with
-- both: the generated taxonomy (scripts/build_skill_taxonomy.py) must never produce them.
select
    spellings.alias_phrase,
    array_agg(distinct skill_aliases.skill_slug) as skill_slugs
from {{ ref('skill_aliases') }} as skill_aliases
cross join lateral (
    values
        ({{ normalise_phrase('skill_aliases.alias') }}),
        ({{ normalise_phrase("replace(skill_aliases.alias, '-', ' ')") }})
) as spellings (alias_phrase)
group by spellings.alias_phrase
having count(distinct skill_aliases.skill_slug) > 1
