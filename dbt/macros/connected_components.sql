{#
    Connected components of an undirected edge list by label propagation, unrolled into CTEs
    (no recursive CTE): every node starts labelled with its own id; each round a node takes
    the smallest label among itself and its neighbours, then jumps to its label's label
    (pointer jumping), so a chain of length d settles in about log2(d) rounds.

    Writes CTEs named <prefix>_round_0 .. <prefix>_round_<rounds>, each (node_id, label);
    the last one holds the smallest node id of each component once settled. Meant to be
    called between CTEs: `{{ connected_components('edges', 'from_id', 'to_id', 8, 'cc') }},`
    where edges holds both directions of each edge.
#}
{% macro connected_components(edges, from_column, to_column, rounds, prefix) -%}
{{ prefix }}_round_0 as (

    select distinct {{ from_column }} as node_id, {{ from_column }} as label
    from {{ edges }}

)
{%- for round in range(1, rounds + 1) %},

{{ prefix }}_hooked_{{ round }} as (

    select node_id, min(label) as label
    from (
        select node_id, label from {{ prefix }}_round_{{ round - 1 }}
        union all
        select {{ edges }}.{{ from_column }}, neighbour.label
        from {{ edges }}
        inner join {{ prefix }}_round_{{ round - 1 }} as neighbour
            on {{ edges }}.{{ to_column }} = neighbour.node_id
    ) as offered
    group by node_id

),

{{ prefix }}_round_{{ round }} as (

    select
        hooked.node_id,
        least(hooked.label, coalesce(parent.label, hooked.label)) as label
    from {{ prefix }}_hooked_{{ round }} as hooked
    left join {{ prefix }}_hooked_{{ round }} as parent
        on hooked.label = parent.node_id

)
{%- endfor %}
{%- endmacro %}
