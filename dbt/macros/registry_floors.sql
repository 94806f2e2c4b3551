{#
    The rate-floor registry's minimum cell size: no aggregate of fewer floors is published
    (docs/registry-privacy.md). Midtier's settings own the number (MIDTIER_REGISTRY_MIN_CELL_SIZE,
    never below 5); midtier/transform.py and the Airflow environment pass it to dbt.
#}
{% macro registry_min_cell_size() -%}
    {{ env_var('MIDTIER_REGISTRY_MIN_CELL_SIZE', '5') | int }}
{%- endmacro %}


{#
    A posting's pay against the published floors of its primary skill: the joined subquery
    (alias `as_name`) holds, per skill with at least the minimum cell size of floors, their
    count and their sorted amounts. floors_met counts the floors the posting's top hourly
    figure reaches (null without an hourly figure); both are null where the registry would
    suppress the count. `floors` is a relation with floor_skills and floor_usd_hourly.
#}
{% macro join_skill_floors(primary_skill, floors, as_name='skill_floors') -%}
    left join (
        select
            skill_slug,
            count(*)::integer as floors_total,
            array_agg(floors.floor_usd_hourly order by floors.floor_usd_hourly) as amounts
        from {{ floors }} as floors
        cross join lateral unnest(floors.floor_skills) as skill_slug
        where floors.floor_usd_hourly is not null
        group by skill_slug
        having count(*) >= {{ registry_min_cell_size() }}
    ) as {{ as_name }}
        on {{ primary_skill }} = {{ as_name }}.skill_slug
{%- endmacro %}


{% macro floors_met(hourly_usd, as_name='skill_floors') -%}
    case when {{ hourly_usd }} is not null and {{ as_name }}.skill_slug is not null then
        (select count(*) from unnest({{ as_name }}.amounts) as amount
         where amount <= {{ hourly_usd }})
    end
{%- endmacro %}


{#
    The floors of evidence-backed developers (fct_developer_skills.is_evidence_backed:
    verified and opted-in only), one row per developer and evidenced skill, in the shape
    join_skill_floors reads. A developer counts for a posting when evidence backs them in
    its primary skill, as the registry's own counts go by the primary skill.
#}
{% macro evidenced_floors(developer_skills, floors) -%}
    (
        select
            array[evidenced.skill_slug] as floor_skills,
            evidenced_floors.floor_usd_hourly
        from {{ developer_skills }} as evidenced
        inner join {{ floors }} as evidenced_floors
            on evidenced.handle = evidenced_floors.handle
        where evidenced.is_evidence_backed
    )
{%- endmacro %}
