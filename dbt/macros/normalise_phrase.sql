{#
    Lower-case text reduced to space-separated tokens, the shape skill aliases are matched in.
    Letters, digits and + # . - survive inside a token (c++, c#, node.js, .net, scikit-learn,
    rust-free); everything else separates tokens; dots and hyphens that end or start a token
    are dropped (end of a sentence, dashes used as punctuation).
    Applied to both the posting text and the alias seed so the two always agree.
    A run of separators becomes one space; a lone space is left as it is rather than
    replaced by itself (the same text, with a replacement for every word of it: twice the cost).
#}
{% macro normalise_phrase(expression) -%}
    btrim(
        regexp_replace(
            regexp_replace(
                regexp_replace(lower(coalesce({{ expression }}, '')), '[^a-z0-9+#.-]{2,}|(?! )[^a-z0-9+#.-]', ' ', 'g'),
                '[.-]+( |$)', '\1', 'g'
            ),
            '(^| )-+', '\1', 'g'
        )
    )
{%- endmacro %}
