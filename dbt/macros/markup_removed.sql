{#
    Text without HTML tags and character entities ("&amp;", "&#39;", "&nbsp;"): boards
    escape a copy once more or not at all, and the words around must read the same.
#}
{% macro markup_removed(expression) -%}
    regexp_replace(
        regexp_replace({{ expression }}, '<[^>]*>', ' ', 'g'),
        '&(#[0-9]+|#x[0-9a-f]+|[a-z]+);', ' ', 'gi'
    )
{%- endmacro %}
