{#
    The rate-floor registry's minimum cell size: no aggregate of fewer floors is published
    (docs/registry-privacy.md). Midtier's settings own the number (MIDTIER_REGISTRY_MIN_CELL_SIZE,
    never below 5); midtier/transform.py and the Airflow environment pass it to dbt.
#}
{% macro registry_min_cell_size() -%}
    {{ env_var('MIDTIER_REGISTRY_MIN_CELL_SIZE', '5') | int }}
{%- endmacro %}


{#
    A posting's pay against the published floors of its primary skill: skill_floors holds,
    per skill with at least the minimum cell size of floors, their count and their sorted
    amounts. floors_met counts the floors the posting's top hourly figure reaches (null
    without an hourly figure); both are null where the registry would suppress the count.
#}
{% macro join_skill_floors(primary_skill, floors) -%}
    left join (
        select
            skill_slug,
            count(*)::integer as floors_total,
            array_agg(floors.floor_usd_hourly order by floors.floor_usd_hourly) as amounts
        from {{ floors }} as floors
        cross join lateral unnest(floors.floor_skills) as skill_slug
        group by skill_slug
        having count(*) >= {{ registry_min_cell_size() }}
    ) as skill_floors
        on {{ primary_skill }} = skill_floors.skill_slug
{%- endmacro %}


{% macro floors_met(hourly_usd) -%}
    case when {{ hourly_usd }} is not null and skill_floors.skill_slug is not null then
        (select count(*) from unnest(skill_floors.amounts) as amount
         where amount <= {{ hourly_usd }})
    end
{%- endmacro %}
