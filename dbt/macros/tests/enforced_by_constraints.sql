{#
    Generic test on a table: the database itself enforces these rules on every write, so no
    data test needs to read the rows for them. Each of `not_null` is a NOT NULL column and
    each of `references` (column: the relation it refers to, e.g.
    "{{ source('raw', 'crawl_runs') }}") has a foreign key. Reads the catalog only, where a
    test per column read all of raw.postings (four reads, ≈ 3 s of every build at a million
    postings). Fails, naming the rule, when a constraint is gone.
#}
{% test enforced_by_constraints(model, not_null=[], references={}) %}

{%- set table = "to_regclass('" ~ model ~ "')" %}

select missing_constraint
from (
    {%- for column in not_null %}
    select '{{ column }} is not NOT NULL' as missing_constraint
    where not exists (
        select 1 from pg_attribute
        where attrelid = {{ table }} and attname = '{{ column }}' and attnotnull
    )
    union all
    {%- endfor %}
    {%- for column, target in references.items() %}
    select '{{ column }} has no foreign key to ' || {{ "to_regclass('" ~ target ~ "')" }}::text
    where not exists (
        select 1
        from pg_constraint
        inner join pg_attribute as referencing
            on referencing.attrelid = pg_constraint.conrelid
            and referencing.attnum = pg_constraint.conkey[1]
        where pg_constraint.contype = 'f'
            and pg_constraint.conrelid = {{ table }}
            and pg_constraint.confrelid = {{ "to_regclass('" ~ target ~ "')" }}
            and cardinality(pg_constraint.conkey) = 1
            and referencing.attname = '{{ column }}'
    )
    union all
    {%- endfor %}
    select null where false
) as missing

{% endtest %}
