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
    'tab\tnewline\nreturn\rbackslash\\ quote" brace{ comma, }',
    MEGABYTE_TEXT,
)
HUGE_NUMBERS = (10**400, -(10**400), 1e308, 2**63, -1, 0)
# A 5,000-digit integer: Python refuses to convert it (int max str digits) with a ValueError
# that is not a JSONDecodeError.
GIANT_INTEGER_JSON = "9" * 5000
NOT_JSON_BODIES = {
    "empty": b"",
    "garbage": b"{not json at all",
    "html_challenge": b"<!DOCTYPE html><html><head><title>Just a moment...</title></head>"
    b"<body><script>window.location='/'</script></body></html>",
    "invalid_utf8": b"\xff\xfe\xfa\x80 not utf-8 \xc3\x28",
    "nul_bytes": b'\x00\x00\x00[{"id": 1}]\x00',
    "giant_integer": ("[" + GIANT_INTEGER_JSON + "]").encode(),
    "wrong_shape": b'"just a string"',
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
        f"poisoned_{variant}": json.dumps(
            poison_json(document, variant), ensure_ascii=False, allow_nan=True
        ).encode("utf-8", "surrogatepass")
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
            bodies[f"poisoned_{variant}"] = good.replace(
                b"<description>", b"<description>" + escaped, 1
            )
            continue
        bodies[f"poisoned_{variant}"] = good.replace(b"<title>", b"<title>" + escaped).replace(
            b"<description>", b"<description>" + escaped
        )
    bodies["truncated"] = good[: len(good) // 2]
    bodies["cdata_script"] = good.replace(
        b"<description>", b"<description><![CDATA[<script>alert(1)</script>]]>", 1
    )
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
    lines = [
        line(
            {
                **base,
                "id": f"nasty-{n}",
                "title": text,
                "company": text,
                "description": text,
                "budget_text": text,
                "location": text,
                "tags": [text, "python"],
            }
        )
        for n, text in enumerate(NASTY_TEXTS)
    ]
    lines += [
        line({**base, "id": "huge-salary", "salary_min": 10**400, "salary_max": "1e999999"}),
        line({**base, "id": "infinite-salary", "salary_min": 1e400}),
        line({**base, "id": "nan-salary", "salary_min": "NaN"}),
        line({**base, "id": "tiny-salary", "salary_min": "1e-999999"}),
        line({**base, "id": "far-future", "posted_at": "9999-12-31T23:59:59-14:00"}),
        line({**base, "id": "far-past", "posted_at": "0001-01-01T00:00:00+14:00"}),
        line({**base, "id": "huge-epoch", "posted_at": 10**30}),
        line({**base, "id": "object-tags", "tags": [{"a": 1}, ["b"], None, 7]}),
        line({**base, "id": "nested-payload", "extra": {"deep": [[[[{"x": "\x00"}]]]]}}),
        line({**base, "id": "sql';--", "source": "src'); drop table raw.rejects;--"}),
        line({**base, "id": "dup-1", "title": "first"}),
        line({**base, "id": "dup-1", "title": "second"}),
        (
            "{"
            + '"source": "community", "id": "giant-int", "salary_min": '
            + GIANT_INTEGER_JSON
            + "}"
        ).encode(),
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


# -- the hostile pipeline corpus (tests/resilience/test_hostile_pipeline.py) ---------------
_WORDS = [
    "api",
    "backend",
    "schema",
    "queue",
    "cache",
    "deploy",
    "metrics",
    "invoice",
    "ledger",
    "billing",
    "search",
    "index",
    "report",
    "export",
    "import",
    "sync",
    "webhook",
    "audit",
    "tenant",
    "session",
    "upload",
    "storage",
    "cluster",
    "shard",
    "replica",
    "migration",
    "dashboard",
    "chart",
    "alert",
    "retry",
    "batch",
    "stream",
    "parser",
    "validator",
    "scheduler",
    "worker",
    "gateway",
    "token",
    "rollout",
    "feature",
    "legacy",
    "refactor",
    "latency",
    "throughput",
    "payment",
    "customer",
    "inventory",
    "catalog",
    "pricing",
    "checkout",
    "warehouse",
    "shipment",
    "forecast",
    "model",
]
_SKILLS = (("Python", "python"), ("React", "react"), ("Go", "golang"))


def ordinary_postings(count: int = 36, seed: int = 22) -> list[dict]:
    """Honest postings: three skills, hourly pay from $40 to $110, distinct companies and texts
    (so no two are copies of one job)."""
    import random

    rng = random.Random(seed)
    records = []
    for n in range(count):
        skill, tag = _SKILLS[n % len(_SKILLS)]
        low = rng.randrange(40, 100)
        text = " ".join(rng.choice(_WORDS) for _ in range(60))
        records.append(
            {
                "id": f"ordinary-{n}",
                "title": f"{skill} developer: {' '.join(rng.sample(_WORDS, 3))}",
                "company": f"Ordinary Company {n}",
                "url": f"https://jobs.example.test/ordinary/{n}",
                "description": f"We need a {skill} developer. {text}. Apply through our careers page.",
                "budget_text": f"${low}-{low + rng.randrange(5, 15)}/hr",
                "tags": [tag],
                "posted_at": "2026-11-02T09:00:00Z",
            }
        )
    return records


PLANTED_SCAMS = [
    {
        "id": "scam-telegram",
        "title": "Remote data entry assistant",
        "company": "Global Staffing",
        "description": "Easy remote work. Contact me on Telegram @fast_hr_desk to get started.",
        "budget_text": "$45/hr",
        "url": "https://jobs.example.test/scam/1",
    },
    {
        "id": "scam-fee",
        "title": "Virtual assistant",
        "company": "Prime Remote Jobs",
        "description": "Before onboarding you pay a refundable registration fee of $50.",
        "budget_text": "$40/hr",
        "url": "https://jobs.example.test/scam/2",
    },
    {
        "id": "scam-budget",
        "title": "Copy and paste product names",
        "company": "Listing Helpers",
        "description": "Copy product names from one spreadsheet into another.",
        "budget_text": "$900/hr",
        "url": "https://jobs.example.test/scam/3",
    },
]

OVERLONG_ID = "x" * 4000


def hostile_postings() -> dict[str, list[dict]]:
    """Hostile records by what must happen to them: ``land`` (stored, whatever their pay) and
    ``reject`` (refused at validation: negative or non-finite pay, an overlong id)."""

    def python_job(key: str, **fields) -> dict:
        return {
            "id": key,
            "title": f"Python developer {key}",
            "company": f"Hostile {key}",
            "description": f"Python work for {key}, {' '.join(_WORDS[len(key) : len(key) + 12])}.",
            "tags": ["python"],
            "url": f"https://jobs.example.test/hostile/{key}",
            "posted_at": "2026-11-02T09:00:00Z",
            **fields,
        }

    land = [
        python_job("absurd-hourly", budget_text="$99999999999/hr"),
        python_job(
            "trillion-hourly",
            salary_min="1000000000000",
            salary_currency="USD",
            salary_period="hour",
        ),
        python_job("huge-budget", budget_text="$10000000000000000 fixed budget"),
        python_job("e309-salary", salary_min="1e309", salary_currency="USD", salary_period="year"),
        python_job("thousands-of-digits", budget_text="$" + "9" * 5000 + "/hr"),
        python_job("salary-per-hour", budget_text="£156000-215000/hr"),
        python_job(
            "salary-per-hour-usd",
            salary_min=120000,
            salary_max=150000,
            salary_currency="USD",
            salary_period="hourly",
        ),
        python_job("cent-rate", budget_text="$0.01/hr"),
        python_job("zero-rate", budget_text="$0 per hour"),
        python_job("formula-title", title='=HYPERLINK("https://evil.example","Apply")'),
        python_job(
            "formula-plus", title="+cmd|' /C calc'!A0", company="@SUM(1+1)*cmd|' /C calc'!A0"
        ),
        python_job("formula-minus", title="-2+3+cmd|' /C calc'!A0", location="=1+1"),
        python_job("formula-at", title="@SUM(A1:A9)", company="\t=1+1"),
        python_job("nul-title", title="Python\x00 developer\x00", description="text\x00with NUL"),
        python_job(
            "rtl-override",
            title="Python developer \u202egnp.exe\u202c",
            company="\u202eevil\u202c corp",
        ),
    ]
    reject = [
        python_job("negative-salary", salary_min=-50, salary_currency="USD", salary_period="hour"),
        python_job("negative-text-salary", salary_min="-120000", salary_period="year"),
        python_job("nan-salary", salary_min="NaN", salary_period="hour"),
        python_job("infinite-salary", salary_max="Infinity", salary_period="year"),
        python_job(OVERLONG_ID),
    ]
    return {"land": land, "reject": reject}
