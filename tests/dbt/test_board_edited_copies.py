"""Copies of one job that boards have edited still group; roles sharing a client's boilerplate do not.

The edits are the ones boards make: a truncated, lower-cased copy with mojibake (RemoteOK), a
header of headquarters and URL lines and the company in the title (We Work Remotely), that
header with its line breaks folded into spaces (as `midtier import` reads a text), a legal
suffix on the company, HTML tags and escaped entities, and a condensed rewrite of the ad.
"""

from __future__ import annotations

from midtier import transform
from tests.dbt.conftest import duplicate_groups

BOILERPLATE = (
    "Fernwood Analytics builds forecasting software for independent grocers across Europe. "
    "We are a team of twenty-two people in nine countries, fully remote since our founding "
    "in 2019, and we meet twice a year in Lisbon. Our product helps store owners order the "
    "right amount of fresh food, cut waste and plan their staff rotas. We offer a yearly "
    "learning budget, flexible hours, a home office allowance and thirty days of paid leave. "
    "We value written communication, careful code review and shipping small changes often. "
)
PYTHON_ROLE = (
    "As a senior backend developer you will design the Python services that turn sales data "
    "into daily order suggestions, own the Django API our apps call, tune PostgreSQL queries "
    "that read two billion rows, and mentor two developers who joined this spring."
)
GO_ROLE = (
    "As a senior backend developer you will write the Go services that ingest till receipts "
    "from our partners in real time, run them on Kubernetes, build the gRPC interfaces the "
    "forecasting team consumes, and keep our message queues healthy under seasonal peaks."
)
PYTHON_TEXT = BOILERPLATE + PYTHON_ROLE
# the same ad as a board's short summary: reworded, few of its word 3-grams left
PYTHON_CONDENSED = (
    "Fernwood Analytics, a fully remote team of twenty-two building forecasting software "
    "for independent grocers, is hiring a senior backend developer to design Python services "
    "turning sales data into daily order suggestions, own the Django API, tune PostgreSQL "
    "queries over two billion rows and mentor two developers. Learning budget, flexible "
    "hours, home office allowance, thirty days of paid leave."
)
KESTREL_TEXT = (
    "Kestrel Mobility plant Ladestationen für Elektroautos in Wohnanlagen. Für unser "
    "Kundenportal suchen wir Verstärkung im Frontend: du baust Oberflächen mit React und "
    "TypeScript, arbeitest eng mit unserem Design-Team zusammen und schreibst Tests für "
    "jede Komponente. Wir bieten flexible Arbeitszeiten, ein Jobrad, Weiterbildungen und "
    "ein kleines Team in Leipzig, das remote-first arbeitet und sich einmal im Monat trifft."
)


def _remoteok_copy(text: str) -> str:
    """RemoteOK's copy: cut short, lower case, UTF-8 read as Latin-1 (mojibake)."""
    return text[: int(len(text) * 0.7)].lower().encode("utf-8").decode("latin-1")


def _posting(source, posting_id, title, company, description, posted_at="2026-03-02"):
    return {
        "source": source,
        "source_posting_id": posting_id,
        "title": title,
        "company": company,
        "description_text": description,
        "posted_at": posted_at,
        "url": f"https://{source}.example/jobs/{posting_id}",
    }


POSTINGS = [
    _posting(
        "himalayas",
        "a-original",
        "Senior Backend Developer (Python)",
        "Fernwood Analytics",
        PYTHON_TEXT,
    ),
    _posting(
        "remoteok",
        "a-truncated",
        "senior backend developer (python)",
        "FERNWOOD ANALYTICS",
        _remoteok_copy(PYTHON_TEXT.replace("We are", "We’re")),
        "2026-03-03",
    ),
    _posting(
        "weworkremotely",
        "a-with-header",
        "Fernwood Analytics: Senior Backend Developer (Python)",
        "Fernwood Analytics, Inc.",
        "Headquarters: Lisbon, Portugal\nURL: https://fernwood.example\n\n"
        + PYTHON_TEXT.replace("&", "&amp;").replace("we meet", "we&#39;ll meet"),
        "2026-03-04",
    ),
    _posting(
        "jobicy",
        "a-folded-header",
        "Senior Backend Developer (Python)",
        "Fernwood Analytics",
        "Headquarters: Lisbon, Portugal URL: https://fernwood.example " + PYTHON_TEXT,
        "2026-03-04",
    ),
    _posting(
        "workingnomads",
        "a-condensed",
        "Senior Backend Developer - Python",
        "Fernwood Analytics Ltd",
        PYTHON_CONDENSED,
        "2026-03-05",
    ),
    # the same client's boilerplate, another stack; and the same role one level down
    _posting(
        "himalayas",
        "b-go-role",
        "Senior Backend Developer (Go)",
        "Fernwood Analytics",
        BOILERPLATE + GO_ROLE,
    ),
    _posting(
        "himalayas",
        "b-junior-role",
        "Junior Backend Developer (Python)",
        "Fernwood Analytics",
        BOILERPLATE + PYTHON_ROLE.replace("senior", "junior"),
    ),
    _posting(
        "arbeitnow",
        "c-html",
        "Frontend-Entwickler:in (m/w/d) – React &amp; TypeScript",
        "Kestrel Mobility GmbH",
        "<p>" + KESTREL_TEXT.replace(": du", ":</p><p>du") + "</p>",
    ),
    _posting(
        "remotive",
        "c-plain",
        "Frontend-Entwickler:in – React & TypeScript",
        "Kestrel Mobility",
        KESTREL_TEXT,
        "2026-03-05",
    ),
]


def test_board_edited_copies_share_a_group(built_postings):
    groups = duplicate_groups(built_postings)
    assert (
        frozenset({"a-original", "a-truncated", "a-with-header", "a-folded-header", "a-condensed"})
        in groups
    )
    assert frozenset({"c-html", "c-plain"}) in groups


def test_roles_sharing_a_clients_boilerplate_stay_apart(built_postings):
    groups = duplicate_groups(built_postings)
    assert frozenset({"b-go-role"}) in groups
    assert frozenset({"b-junior-role"}) in groups


def test_the_canonical_copy_lists_the_others(built_postings):
    original = built_postings["a-original"]
    assert sorted(original["also_seen_on"]) == [
        "https://jobicy.example/jobs/a-folded-header",
        "https://remoteok.example/jobs/a-truncated",
        "https://weworkremotely.example/jobs/a-with-header",
        "https://workingnomads.example/jobs/a-condensed",
    ]


def test_a_table_a_build_creates_is_analysed_before_the_next_model_plans_on_it(
    built_postings, database_url, query
):
    """analyze_if_stale: building a model's indexes sets the row estimate, so "never
    analysed" must be read from pg_stats. Planned on fingerprints without statistics, the
    duplicate pairs of 100,000 postings ran for more than 26 minutes instead of 45 s."""
    transform.run_dbt(
        ["run", "--select", "int_posting_fingerprints", "--full-refresh"], database_url
    )
    (table,) = query(
        "select last_analyze from pg_stat_user_tables"
        " where schemaname = 'intermediate' and relname = 'int_posting_fingerprints'"
    )
    assert table["last_analyze"] is not None
