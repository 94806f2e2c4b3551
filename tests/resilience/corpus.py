"""The bad-input corpus: hostile bodies and field values every reader must survive.

Bodies are built from each source's own recorded responses: cut short, swapped for an HTML
page or garbage bytes, or kept valid with every text and number replaced by something nasty.
"""

from __future__ import annotations

import json

MEGABYTE_TEXT = "<p>" + "Lorem ipsum dolor sit amet. " * 37_450 + "</p>"  # ~1 MB
NASTY_TEXTS = (
    "<script>alert('x')</script><img src=x onerror=alert(1)><a href=\"javascript:alert(2)\">x</a>",
    "Robert'); DROP TABLE raw.postings;-- \" ; select pg_sleep(10); \\x00 %s %(name)s",
    "emoji 🚀👩🏽‍💻🇩🇪 and RTL مطور بايثون עברית \u202eevil\u202c and zero-width \u200b\ufeff",
    "NUL\x00inside\x00text",
    "lone surrogate \ud800 and \udfff",
    "tab\tnewline\nreturn\rbackslash\\ quote\" brace{ comma, }",
    MEGABYTE_TEXT,
)
HUGE_NUMBERS = (10 ** 400, -(10 ** 400), 1e308, 2 ** 63, -1, 0)
# A 5,000-digit integer: Python refuses to convert it (int max str digits) with a ValueError
# that is not a JSONDecodeError.
GIANT_INTEGER_JSON = "9" * 5000
NOT_JSON_BODIES = {
    "empty": b"",
    "garbage": b"{not json at all",
    "html_challenge": b"<!DOCTYPE html><html><head><title>Just a moment...</title></head>"
                      b"<body><script>window.location='/'</script></body></html>",
    "invalid_utf8": b"\xff\xfe\xfa\x80 not utf-8 \xc3\x28",
    "nul_bytes": b"\x00\x00\x00[{\"id\": 1}]\x00",
    "giant_integer": ("[" + GIANT_INTEGER_JSON + "]").encode(),
    "wrong_shape": b"\"just a string\"",
    "deep_nesting": b"[" * 100_000 + b"]" * 100_000,
}


LONG_TEXT_KEYS = {"description", "text", "body", "content", "preview_description"}


def poison_json(value, variant: int, key: str | None = None):
    """The same JSON document with every string and number replaced by a nasty one (the
    megabyte text only in description-like fields, else the corpus would be gigabytes)."""
    if isinstance(value, dict):
        return {name: poison_json(item, variant, name) for name, item in value.items()}
    if isinstance(value, list):
        return [poison_json(item, variant, key) for item in value]
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float)):
        return HUGE_NUMBERS[variant % len(HUGE_NUMBERS)]
    if isinstance(value, str):
        nasty = NASTY_TEXTS[variant % len(NASTY_TEXTS)]
        if nasty is MEGABYTE_TEXT and key not in LONG_TEXT_KEYS:
            nasty = NASTY_TEXTS[0]
        return value + " " + nasty
    return value


def poisoned_json_bodies(good: bytes) -> dict[str, bytes]:
    document = json.loads(good)
    bodies = {
        f"poisoned_{variant}": json.dumps(poison_json(document, variant), ensure_ascii=False,
                                          allow_nan=True).encode("utf-8", "surrogatepass")
        for variant in range(len(NASTY_TEXTS))
    }
    bodies["truncated"] = good[: len(good) // 2]
    bodies["raw_nul_in_string"] = good.replace(b'"', b'"\x00', 3)
    bodies["invalid_utf8_in_string"] = good.replace(b'"', b'"\xff\xfe', 3)
    return bodies


def _xml_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def poisoned_xml_bodies(good: bytes) -> dict[str, bytes]:
    bodies = {}
    for variant, nasty in enumerate(NASTY_TEXTS):
        escaped = _xml_escape(nasty).encode("utf-8", "surrogatepass")
        if nasty is MEGABYTE_TEXT:  # one megabyte description, not one per item
            bodies[f"poisoned_{variant}"] = good.replace(b"<description>", b"<description>" + escaped, 1)
            continue
        bodies[f"poisoned_{variant}"] = (good.replace(b"<title>", b"<title>" + escaped)
                                         .replace(b"<description>", b"<description>" + escaped))
    bodies["truncated"] = good[: len(good) // 2]
    bodies["cdata_script"] = good.replace(
        b"<description>", b"<description><![CDATA[<script>alert(1)</script>]]>", 1)
    bodies["raw_nul"] = good.replace(b"<title>", b"<title>\x00", 1)
    bodies["invalid_utf8"] = good.replace(b"<title>", b"<title>\xff\xfe", 1)
    bodies["billion_laughs"] = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
        b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">'
        b'<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>'
        b"<rss><channel><item><title>&lol4;</title><link>https://x.example/1</link></item>"
        b"</channel></rss>"
    )
    bodies["external_entity"] = (
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        b"<rss><channel><item><title>&xxe;</title><link>https://x.example/2</link></item>"
        b"</channel></rss>"
    )
    return bodies


def bad_jsonl_lines() -> list[bytes]:
    """Lines for `midtier import`: (mostly) one posting or one reject each."""
    def line(record: dict) -> bytes:
        return json.dumps(record, ensure_ascii=False).encode("utf-8", "surrogatepass")

    base = {"source": "community", "title": "Python developer", "url": "https://x.example/p"}
    lines = [line({**base, "id": f"nasty-{n}", "title": text, "company": text, "description": text,
                   "budget_text": text, "location": text, "tags": [text, "python"]})
             for n, text in enumerate(NASTY_TEXTS)]
    lines += [
        line({**base, "id": "huge-salary", "salary_min": 10 ** 400, "salary_max": "1e999999"}),
        line({**base, "id": "infinite-salary", "salary_min": 1e400}),
        line({**base, "id": "nan-salary", "salary_min": "NaN"}),
        line({**base, "id": "tiny-salary", "salary_min": "1e-999999"}),
        line({**base, "id": "far-future", "posted_at": "9999-12-31T23:59:59-14:00"}),
        line({**base, "id": "far-past", "posted_at": "0001-01-01T00:00:00+14:00"}),
        line({**base, "id": "huge-epoch", "posted_at": 10 ** 30}),
        line({**base, "id": "object-tags", "tags": [{"a": 1}, ["b"], None, 7]}),
        line({**base, "id": "nested-payload", "extra": {"deep": [[[[{"x": "\x00"}]]]]}}),
        line({**base, "id": "sql';--", "source": "src'); drop table raw.rejects;--"}),
        line({**base, "id": "dup-1", "title": "first"}),
        line({**base, "id": "dup-1", "title": "second"}),
        ("{" + '"source": "community", "id": "giant-int", "salary_min": ' + GIANT_INTEGER_JSON + "}").encode(),
        b'{"source": "community", "id": "truncated", "title": "cut sho',
        b"[1, 2, 3]",
        b"\xff\xfe not utf-8 at all \x80",
        b'{"source": "community", "id": "raw-nul", "title": "a\x00b"}',
        b'{"source": "community", "id": "invalid-utf8-inside", "title": "caf\xe9"}',
        b'{"source": "community", "id": "surrogate-escape", "title": "\\ud83d"}',
        b'{"source": "community", "title": "no id at all"}',
        b'{"source": "community", "id": "", "title": "empty id"}',
        b'{"source": "community", "id": "   ", "title": "blank id"}',
        b'{"source": "community", "id": 12345678901234567890123, "title": "numeric id"}',
        b"NaN",
        b'{"source": "community", "id": "dup-key", "id": "dup-key-2"}',
    ]
    return lines
