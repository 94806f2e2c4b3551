"""One company's same ad for other places is other openings; a board's copy of one ad is not.

A company hiring in several cities often posts one ad per city with the same title and text:
those are other jobs. A board that carries a copy reformats or shortens its location
("US, NY, New York" as "New York", "Berlin, Germany" as "Berlin", a city as "Remote (US)"),
and a copy without a location stays with its original.
"""

from __future__ import annotations

import contextlib

from midtier import database, transform
from tests.dbt.conftest import duplicate_groups

DEDUPLICATED = "intermediate.int_postings_deduplicated"


def _ad(city: str) -> str:
    return (
        "Lanternfish Freight moves refrigerated goods for grocers and pharmacies across the "
        "country. Our dispatch software plans four thousand deliveries a night, and the "
        f"customer success team in {city} keeps our largest shippers running. You will "
        "onboard new accounts, run quarterly reviews, turn support tickets into product "
        "requests and train shippers on the routing dashboard. We offer health cover, a "
        "yearly learning budget and twenty-eight days of paid leave."
    )


def _berlin_ad(city: str) -> str:
    return (
        "Quillmoor baut Buchhaltungssoftware für Handwerksbetriebe. Für unser Team in "
        f"{city} suchen wir eine Person für den Kundensupport: du beantwortest Fragen per "
        "Telefon und E-Mail, schreibst Anleitungen für unser Hilfe-Center und gibst "
        "Rückmeldungen an das Produktteam weiter. Wir bieten flexible Arbeitszeiten, ein "
        "Deutschlandticket und dreißig Tage Urlaub."
    )


DENTAL_AD = (
    "Brightwater Dental runs forty clinics and is hiring a practice manager. You will plan "
    "the rota of six dentists and their nurses, keep stock of materials, answer patients' "
    "complaints, report monthly figures to the regional director and lead the reception "
    "team. We offer a pension, private health cover and a bonus tied to patient reviews."
)


def _posting(source, posting_id, title, company, location, description, posted_at):
    return {
        "source": source,
        "source_posting_id": posting_id,
        "title": title,
        "company": company,
        "location": location,
        "description_text": description,
        "posted_at": posted_at,
        "url": f"https://{source}.example/jobs/{posting_id}",
    }


LANTERNFISH = "Lanternfish Freight"
CSM = "Customer Success Manager"
QUILLMOOR = "Quillmoor GmbH"
SUPPORT = "Kundensupport (m/w/d)"

POSTINGS = [
    # the same ad for two cities: two openings, each with a board's copy
    _posting(
        "himalayas", "ny", CSM, LANTERNFISH, "US, NY, New York", _ad("New York"), "2026-03-02"
    ),
    _posting("remoteok", "ny-copy", CSM, LANTERNFISH, "New York", _ad("New York"), "2026-03-03"),
    _posting(
        "himalayas", "houston", CSM, LANTERNFISH, "US, TX, Houston", _ad("Houston"), "2026-03-02"
    ),
    _posting(
        "remotive", "houston-copy", CSM, LANTERNFISH, "Remote (US)", _ad("Houston"), "2026-03-04"
    ),
    # a shortened location is the same place; another city of the same country is not
    _posting(
        "arbeitnow",
        "berlin",
        SUPPORT,
        QUILLMOOR,
        "Berlin, Germany",
        _berlin_ad("Berlin"),
        "2026-03-02",
    ),
    _posting(
        "jobicy", "berlin-copy", SUPPORT, "Quillmoor", "Berlin", _berlin_ad("Berlin"), "2026-03-03"
    ),
    _posting(
        "arbeitnow",
        "leipzig",
        SUPPORT,
        QUILLMOOR,
        "Leipzig, Deutschland",
        _berlin_ad("Leipzig"),
        "2026-03-02",
    ),
    # word for word the same ad for two cities, and a board's remote copy of the later one
    _posting(
        "himalayas",
        "leeds",
        "Practice Manager",
        "Brightwater Dental",
        "Leeds, UK",
        DENTAL_AD,
        "2026-03-02",
    ),
    _posting(
        "himalayas",
        "bristol",
        "Practice Manager",
        "Brightwater Dental",
        "Bristol, UK",
        DENTAL_AD,
        "2026-03-10",
    ),
    _posting(
        "remotive",
        "bristol-copy",
        "Practice Manager",
        "Brightwater Dental",
        "Remote",
        DENTAL_AD,
        "2026-03-11",
    ),
]


def test_the_same_ad_for_another_city_is_another_job(built_postings):
    groups = duplicate_groups(built_postings)
    assert frozenset({"ny", "ny-copy"}) in groups
    assert frozenset({"houston", "houston-copy"}) in groups
    assert frozenset({"leipzig"}) in groups


def test_a_copy_naming_no_place_joins_one_city_not_all(built_postings):
    # as near to either city's ad: the closest posting date decides
    groups = duplicate_groups(built_postings)
    assert frozenset({"bristol", "bristol-copy"}) in groups
    assert frozenset({"leeds"}) in groups


def test_a_copy_with_a_shortened_location_stays_with_its_original(built_postings):
    assert frozenset({"berlin", "berlin-copy"}) in duplicate_groups(built_postings)


def test_one_ad_per_city_still_counts_for_the_clients_velocity(built_postings):
    # the same text sprayed over cities is a legitimacy signal even though each is a job
    assert built_postings["ny"]["client_posting_velocity"] == 4


def _stored_groups(url: str) -> dict[str, str]:
    with contextlib.closing(database.connect(url)) as conn, conn.cursor() as cur:
        cur.execute(
            f"select postings.source_posting_id, grouped.duplicate_group_id from {DEDUPLICATED}"
            " as grouped inner join staging.stg_raw__postings as postings using (posting_id)"
        )
        return dict(cur.fetchall())


def _move(url: str, posting_id: str, location: str) -> None:
    with contextlib.closing(database.connect(url)) as conn, conn, conn.cursor() as cur:
        cur.execute(
            "update raw.postings set location = %s, content_hash = md5(content_hash || %s)"
            " where source_posting_id = %s",
            (location, location, posting_id),
        )


def test_a_moved_location_regroups_incrementally_as_a_full_rebuild_would(
    built_postings, database_url
):
    """Last in the module: it leaves the moved location in place."""
    # Leeds's opening moves to Bristol: the same ad for the same place is one job again
    _move(database_url, "leeds", "Bristol")
    transform.build(database_url)
    incremental = _stored_groups(database_url)
    assert incremental["leeds"] == incremental["bristol"] == incremental["bristol-copy"]
    transform.run_dbt(
        [
            "run",
            "--select",
            "int_posting_duplicate_pairs",
            "int_postings_deduplicated",
            "--full-refresh",
        ],
        database_url,
    )
    assert _stored_groups(database_url) == incremental
