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


{#
    Evidence-backed developers (fct_developer_skills.is_evidence_backed, verified and
    opted-in only) in any of the posting's skills who published a floor: how many there are,
    or with met_by_hourly_usd, how many of them that pay reaches. A correlated subquery, so
    a query that reads neither column never touches the developers, and one page of the
    feed counts only its own cards. Null below the registry's minimum cell size; the count
    met is also null without an hourly figure.
#}
{% macro evidenced_floors(skills, developer_skills, floors, met_by_hourly_usd=none) -%}
    (
        select
            case when count(distinct evidenced.handle) >= {{ registry_min_cell_size() }} then
            {%- if met_by_hourly_usd is not none %}
                case when {{ met_by_hourly_usd }} is not null then
                    count(distinct evidenced.handle)
                        filter (where evidenced_floors.floor_usd_hourly <= {{ met_by_hourly_usd }})
                end
            {%- else %}
                count(distinct evidenced.handle)
            {%- endif %}
            end
        from {{ developer_skills }} as evidenced
        inner join {{ floors }} as evidenced_floors
            on evidenced_floors.handle = evidenced.handle
        where evidenced.is_evidence_backed
            and evidenced_floors.floor_usd_hourly is not null
            and evidenced.skill_slug = any({{ skills }})
    )
{%- endmacro %}
