"""html_to_text: readable text from a source's HTML, nothing run, nothing fetched."""

from __future__ import annotations

import pytest

from midtier.html_text import html_to_text


@pytest.mark.parametrize(
    "html", [None, "", "   \n\t", "<!-- only a comment -->", "<p> </p>", "<img src=x>"]
)
def test_no_text_gives_none(html):
    assert html_to_text(html) is None


def test_whitespace_inside_a_paragraph_collapses():
    assert html_to_text("<p>Build   <b>Django</b>\n  services</p>") == "Build Django services"


def test_paragraphs_stay_apart():
    assert html_to_text("<p>One.</p>\n\n\n<p>Two.</p>") == "One.\n\nTwo."


def test_list_items_and_line_breaks_become_lines():
    html = "<p>Stack:</p><ul>\n<li>Python</li>\n<li>Go</li></ul>Rate<br>$80/hr"
    assert html_to_text(html) == "Stack:\n\nPython\nGo\n\nRate\n$80/hr"


@pytest.mark.parametrize(
    ("html", "text"),
    [
        # a line edge beside a paragraph edge, spaces between: the paragraph break wins
        ("<ul><li>a</li> </ul> <p> b </p>", "a\n\nb"),
        ("<p>a</p> <li> b</li>", "a\n\nb"),
        # line edges only, with spaces and empty items between: one line break
        ("<li>a </li> <li> </li><li> b</li>", "a\nb"),
        # a <br> keeps its line between two block edges
        ("<li>a</li><br><li>b</li>", "a\n\nb"),
    ],
)
def test_adjacent_block_edges_are_one_break_the_widest(html, text):
    assert html_to_text(html) == text


def test_entities_are_decoded():
    assert (
        html_to_text("<p>R&amp;D&nbsp;team &lt;remote&gt; &#39;ok&#39;</p>")
        == "R&D team <remote> 'ok'"
    )


def test_scripts_and_styles_are_dropped_unread():
    html = "<style>p {color: red}</style><p>Apply<script>alert('x')</script> now</p><noscript>x</noscript>"
    assert html_to_text(html) == "Apply now"


def test_plain_text_passes_through():
    assert html_to_text("Rate: $55-70/hr, 20 hrs/week.") == "Rate: $55-70/hr, 20 hrs/week."


def test_a_whole_document_gives_its_body_text():
    html = "<html><head><title>Job</title></head><body><h1>Role</h1><p>Details</p></body></html>"
    assert html_to_text(html) == "Role\n\nDetails"


def test_an_encoding_declaration_is_accepted():
    assert html_to_text("<?xml version='1.0' encoding='utf-8'?><p>caf\u00e9</p>") == "caf\u00e9"


def test_mojibake_and_emoji_are_left_as_written():
    assert (
        html_to_text("<p>We\u00e2\u20ac\u2122re hiring \U0001f680</p>")
        == "We\u00e2\u20ac\u2122re hiring \U0001f680"
    )


def test_table_cells_are_spaced_and_rows_are_lines():
    html = "<table><tr><td>Rate</td><td>$90/hr</td></tr><tr><td>Length</td><td>6 months</td></tr></table>"
    assert html_to_text(html) == "Rate $90/hr\nLength 6 months"


def test_marks_of_the_walk_in_the_input_are_spaces_even_with_no_element_left():
    # Once the marks become spaces nothing may be left to parse; that is no text, not an error.
    assert html_to_text("</p>\x02") is None
    assert html_to_text("<b>a\x01b</b>\x03c") == "a b c"
