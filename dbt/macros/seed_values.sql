{#
    Lists that name columns, read from the seed that owns them when a model compiles: dbt
    builds a seed before every model that refs it, so the model's SQL is generated from the
    seed's rows and a new row is a new column. While dbt only parses, the lists are empty.
#}

{#- The distinct values of a seed's column, sorted (optionally only the rows `where` keeps). -#}
{% macro seed_column_values(seed_name, column, where=none) -%}
    {#- ref first, outside the execute guard, so the calling model depends on the seed -#}
    {%- set seed = ref(seed_name) -%}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set query -%}
        select distinct {{ column }} from {{ seed }}
        {%- if where %} where {{ where }}{% endif %}
        order by 1
    {%- endset -%}
    {{ return(run_query(query).columns[0].values() | list) }}
{%- endmacro %}


{#- The legitimacy signals shown as has_<signal> columns (seed legitimacy_signals). -#}
{% macro legitimacy_signals() -%}
    {{ return(seed_column_values('legitimacy_signals', 'signal')) }}
{%- endmacro %}


{#- The columns the classification_rules seed sets, one per attribute (seniority, region,
    is_remote, ...): int_postings_classified makes them, int_postings_enriched and
    fct_postings pass them on. -#}
{% macro classified_attributes() -%}
    {{ return(seed_column_values('classification_rules', 'attribute')) }}
{%- endmacro %}


{#- The classified columns of `relation`, one select item each. int_postings_enriched keeps
    employment_type as employment_type_normalised, beside the source's own label
    (stg_raw__postings.employment_type); for_mart reads it back under its mart name with
    the contract's type (is_* boolean, text otherwise). -#}
{% macro classified_columns(relation, for_mart=false) -%}
    {%- for attribute in classified_attributes() %}
    {%- set stored = 'employment_type_normalised' if attribute == 'employment_type' else attribute %}
    {%- if for_mart %}
    {{ relation }}.{{ stored }}::{{ 'boolean' if attribute.startswith('is_') else 'text' }} as {{ attribute }},
    {%- else %}
    {{ relation }}.{{ attribute }}{{ ' as ' ~ stored if stored != attribute }},
    {%- endif %}
    {%- endfor %}
{%- endmacro %}
