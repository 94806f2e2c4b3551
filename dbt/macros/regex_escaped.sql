{#
    A text column made safe to splice into a PostgreSQL regular expression as a literal:
    every character that is not a letter or digit is escaped (a backslash before any other
    character stands for that character, inside brackets too).
#}
{% macro regex_escaped(expression) -%}
    regexp_replace({{ expression }}, '([^[:alnum:]])', '\\\1', 'g')
{%- endmacro %}
