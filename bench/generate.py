"""Seeded, streaming generator of realistic postings for the benchmarks and scale drills.

Every record is shaped like a line of a `midtier import` JSONL file, written as each source
would describe it: Remote OK's numeric salary range, Freelancer's fixed/hourly budgets,
Hacker News' pipe-separated headers, RSS descriptions with the budget in prose, and so on.
About 8 % of postings reappear on a second source within two weeks (same job, new id), about
3 % are scams, and a few carry non-ASCII text (emoji, right-to-left scripts). Clients grow with
the data set (one per ≈ 15 postings, at least 702), so a client posts about fifteen jobs over
the 120 days at every size and now and then re-opens a role it posted before. The same seed
gives the same records, byte for byte; nothing is held in memory beyond the record being
produced.

    python -m bench.generate --size 100000 --out postings.jsonl
    python -m bench.generate --size 10000 --seed 7 --clients-of 1000000 --out more.jsonl
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

# A fixed "now" keeps the data set independent of the day it is generated on.
EPOCH = datetime(2026, 11, 1, tzinfo=UTC)
WINDOW_DAYS = 120

SOURCES = (
    "remoteok",
    "freelancer",
    "hackernews",
    "rss",
    "weworkremotely",
    "remotive",
    "arbeitnow",
    "himalayas",
    "jobicy",
    "github",
)
SKILLS = (
    "python",
    "django",
    "flask",
    "fastapi",
    "react",
    "typescript",
    "javascript",
    "node",
    "go",
    "rust",
    "java",
    "kotlin",
    "swift",
    "php",
    "laravel",
    "ruby",
    "rails",
    "aws",
    "gcp",
    "azure",
    "kubernetes",
    "docker",
    "terraform",
    "postgresql",
    "mysql",
    "mongodb",
    "redis",
    "graphql",
    "vue",
    "angular",
    "svelte",
    "next.js",
    "flutter",
    "react-native",
    "data-engineering",
    "airflow",
    "dbt",
    "spark",
    "pandas",
    "machine-learning",
    "pytorch",
    "llm",
    "shopify",
    "wordpress",
    "woocommerce",
    "devops",
    "security",
)
ROLES = (
    "Backend Engineer",
    "Full-Stack Developer",
    "Frontend Developer",
    "Data Engineer",
    "DevOps Engineer",
    "Mobile Developer",
    "ML Engineer",
    "Platform Engineer",
    "Site Reliability Engineer",
    "Software Consultant",
    "API Developer",
    "Tech Lead",
)
SENIORITY = ("", "Junior ", "Mid-level ", "Senior ", "Staff ", "Lead ", "Principal ")
ENGAGEMENT = ("contract", "freelance", "full-time", "part-time", "fixed-price project")
# Company names: prefix x suffix (702), then each of those with a city (70,902 in all). A fixed
# client count would make every client post thousands of jobs at 1M, and one client's postings
# of one role would then be copies of each other, not the ≈ 8 % re-posts the data is meant
# to hold.
COMPANY_PREFIXES = (
    "Northwind",
    "Acme",
    "Blue Fjord",
    "Kestrel",
    "Tallow",
    "Orbital",
    "Lumen",
    "Quartz",
    "Harbor",
    "Greenleaf",
    "Paperplane",
    "Mosaic",
    "Atlas",
    "Brightpath",
    "Cobalt",
    "Driftwood",
    "Evergreen",
    "Fable",
    "Juniper",
    "Copperline",
    "Saltmarsh",
    "Redwood",
    "Silverback",
    "Tidewater",
    "Ironbark",
    "Halcyon",
)
COMPANY_SUFFIXES = (
    "Data",
    "Analytics",
    "Labs",
    "Commerce",
    "Health",
    "AI",
    "Energy",
    "Fintech",
    "Logistics",
    "Learning",
    "Games",
    "Media",
    "Bank",
    "Studio",
    "Robotics",
    "Security",
    "Cloud",
    "Mobility",
    "Foods",
    "Travel",
    "Insurance",
    "Systems",
    "Works",
    "Collective",
    "Partners",
    "Software",
    "Ventures",
)
# Words for the posting's own paragraph: no two jobs share their text by accident.
PRODUCT_WORDS = (
    "billing",
    "onboarding",
    "search",
    "checkout",
    "reporting",
    "scheduling",
    "inventory",
    "routing",
    "pricing",
    "messaging",
    "analytics",
    "payments",
    "compliance",
    "recommendations",
    "notifications",
    "identity",
    "catalogue",
    "forecasting",
    "moderation",
    "ingestion",
    "export",
    "audit",
    "mapping",
    "booking",
    "claims",
    "telemetry",
    "ledger",
    "dispatch",
    "matching",
    "tagging",
)
AUDIENCES = (
    "clinics",
    "retailers",
    "schools",
    "freight brokers",
    "restaurants",
    "insurers",
    "nonprofits",
    "farmers",
    "landlords",
    "airlines",
    "game studios",
    "law firms",
    "city councils",
    "dentists",
    "gyms",
    "hotels",
    "publishers",
    "banks",
)
LOCATIONS = (
    "Remote",
    "Remote (EU)",
    "Remote (US)",
    "Worldwide",
    "Berlin, Germany",
    "London, UK",
    "Remote, UTC-3 to UTC+3",
    "Lisbon / Remote",
    "New York, NY",
    "Toronto, Canada",
    "Anywhere (async)",
)
CITIES = (
    "Oslo",
    "Austin",
    "Lyon",
    "Porto",
    "Leeds",
    "Graz",
    "Turin",
    "Malmo",
    "Ghent",
    "Cork",
    "Brno",
    "Bergen",
    "Denver",
    "Quebec",
    "Perth",
    "Osaka",
    "Seville",
    "Tartu",
    "Kassel",
    "Utrecht",
    "Nantes",
    "Bilbao",
    "Dundee",
    "Tampere",
    "Aarhus",
    "Leipzig",
    "Krakow",
    "Split",
    "Galway",
    "Basel",
    "Boise",
    "Tucson",
    "Halifax",
    "Hobart",
    "Nagoya",
    "Pune",
    "Recife",
    "Mendoza",
    "Cusco",
    "Accra",
    "Kigali",
    "Durban",
    "Izmir",
    "Haifa",
    "Tbilisi",
    "Riga",
    "Vilnius",
    "Gdansk",
    "Debrecen",
    "Plovdiv",
    "Cluj",
    "Novi Sad",
    "Maribor",
    "Trieste",
    "Bolzano",
    "Lucerne",
    "Linz",
    "Salzburg",
    "Bremen",
    "Rostock",
    "Aachen",
    "Eindhoven",
    "Leuven",
    "Namur",
    "Lille",
    "Rennes",
    "Dijon",
    "Grenoble",
    "Malaga",
    "Vigo",
    "Braga",
    "Faro",
    "Bath",
    "York",
    "Exeter",
    "Inverness",
    "Limerick",
    "Akureyri",
    "Turku",
    "Oulu",
    "Uppsala",
    "Lund",
    "Odense",
    "Stavanger",
    "Tromso",
    "Savannah",
    "Spokane",
    "Omaha",
    "Madison",
    "Raleigh",
    "Tulsa",
    "Fresno",
    "Reno",
    "Kelowna",
    "Regina",
    "Dunedin",
    "Nelson",
    "Darwin",
    "Cairns",
)
CURRENCIES = (("USD", "$"), ("EUR", "€"), ("GBP", "£"), ("CAD", "CA$"))
SCAM_TITLES = (
    "Earn $5000/week from home - no experience needed",
    "Data entry job, instant payment via Telegram",
    "Crypto trading assistant (pay small registration fee)",
    "Urgent!!! Easy typing work $80/hr WhatsApp only",
)
UNICODE_SNIPPETS = (
    "🚀 Join our team ✨",
    "مطور بايثون عن بعد",
    "מפתח תוכנה בכיר",
    "Développeur·se « full-stack »",
    "Программист Python",
    "日本語のできる開発者",
    "Ingeniero/a de datos — remoto",
)


def _budget(rng: random.Random, source: str) -> dict:
    """The pay as ``source`` would state it: free text and/or structured fields."""
    code, symbol = rng.choice(CURRENCIES)
    hourly = rng.random() < 0.5
    low = rng.randrange(25, 120) if hourly else rng.randrange(40, 180) * 1000
    high = low + (rng.randrange(5, 60) if hourly else rng.randrange(5, 60) * 1000)
    if rng.random() < 0.12:
        return {}  # no pay stated
    if source == "remoteok":
        return {
            "salary_min": low * (2080 if hourly else 1),
            "salary_max": high * (2080 if hourly else 1),
            "salary_currency": "USD",
            "salary_period": "year",
        }
    if source == "freelancer":
        fixed = rng.randrange(2, 200) * 50
        return (
            {
                "salary_min": low,
                "salary_max": high,
                "salary_currency": code,
                "salary_period": "hour",
                "budget_text": f"{symbol}{low}-{high} {code} per hour",
            }
            if hourly
            else {
                "salary_min": fixed,
                "salary_max": fixed * 2,
                "salary_currency": code,
                "salary_period": "project",
                "budget_text": f"{symbol}{fixed:,} - {symbol}{fixed * 2:,} {code}",
            }
        )
    if source == "hackernews":
        return {
            "budget_text": rng.choice(
                (
                    f"{symbol}{low}-{high}/hr",
                    f"{symbol}{low // 1000}k-{high // 1000}k + equity"
                    if not hourly
                    else f"{code} {low}-{high} an hour",
                    f"{symbol}{low}/h DOE",
                )
            )
        }
    if source in ("rss", "weworkremotely"):
        return {
            "budget_text": rng.choice(
                (
                    f"Hourly Range: {symbol}{low}.00-{symbol}{high}.00",
                    f"Budget: {symbol}{low * 40:,}",
                    f"{symbol}{low}k–{symbol}{high}k per year"
                    if not hourly
                    else f"up to {symbol}{high}/hour",
                )
            )
        }
    if source == "github":
        return {
            "budget_text": rng.choice(
                (
                    f"Bounty: {symbol}{low * 10}",
                    f"💎 {symbol}{low * 5} bounty",
                    "paid",
                    f"{low * 10} {code}",
                )
            )
        }
    text = (
        f"{symbol}{low:,} - {symbol}{high:,} per {'hour' if hourly else 'year'}"
        if rng.random() < 0.6
        else f"{code} {low}-{high}{'/h' if hourly else ' p.a.'}"
    )
    fields = {"budget_text": text}
    if source in ("himalayas", "jobicy") and rng.random() < 0.7:
        fields.update(
            salary_min=low,
            salary_max=high,
            salary_currency=code,
            salary_period="hour" if hourly else "year",
        )
    return fields


def _description(
    rng: random.Random, title: str, company: str, skills: list[str], scam: bool
) -> str:
    if scam:
        return (
            "<p><b>NO EXPERIENCE REQUIRED!</b> Work 2 hours a day and earn big. "
            "Contact us on Telegram @quickpay_jobs or WhatsApp +1 555 0100. A small "
            "refundable registration fee of $49 secures your place.</p>"
        )
    product = rng.sample(PRODUCT_WORDS, 3)
    paragraphs = [
        f"<p>{company} is hiring a <strong>{title}</strong> to help us ship faster.</p>",
        f"<p>This role owns our {product[0]} and {product[1]} services for "
        f"{rng.choice(AUDIENCES)} across {rng.randrange(3, 60)} markets; first up is rebuilding "
        f"{product[2]} for {rng.choice(AUDIENCES)}, which handles {rng.randrange(2, 900)}k "
        f"requests a day, by week {rng.randrange(2, 12)}.</p>",
        f"<p>You would join {rng.randrange(2, 14)} engineers in {rng.choice(LOCATIONS)}, "
        f"replace our {rng.choice(PRODUCT_WORDS)} batch jobs with {rng.choice(SKILLS)} and "
        f"cut {rng.choice(PRODUCT_WORDS)} latency from {rng.randrange(200, 5000)} ms.</p>",
        "<p>You will design, build and run services used by thousands of customers, pair with "
        "product and design, and own features from idea to production. We value clear "
        "writing, small pull requests and calm on-call.</p>",
        "<ul>"
        + "".join(f"<li>Hands-on experience with {skill}</li>" for skill in skills)
        + "</ul>",
        "<p>We offer flexible hours, a hardware budget, and an async-first culture across time "
        "zones. Tell us about something you built that you are proud of.</p>",
    ]
    if rng.random() < 0.03:
        paragraphs.insert(1, f"<p>{rng.choice(UNICODE_SNIPPETS)}</p>")
    return "".join(paragraphs)


def client_count(size: int) -> int:
    """How many clients post a data set of ``size`` postings."""
    return min(max(size // 15, 702), 702 * (len(CITIES) + 1))


def company_name(client: int) -> str:
    """The name of client number ``client`` (0 <= client < client_count of any size)."""
    name = f"{COMPANY_PREFIXES[client % 26]} {COMPANY_SUFFIXES[client // 26 % 27]}"
    return name if client < 702 else f"{name} {CITIES[client // 702 - 1]}"


def postings(size: int, seed: int = 6, clients_of: int | None = None) -> Iterator[dict]:
    """``size`` posting records, streamed. Deterministic for a given (size, seed, clients_of).

    ``clients_of``: draw clients as for a data set of that size (more postings for a data set
    already loaded come from its clients, not a small set of their own).
    """
    rng = random.Random(seed)
    clients = client_count(clients_of or size)
    recent: list[dict] = []  # a small window of earlier postings to re-post elsewhere
    for number in range(size):
        source = SOURCES[number % len(SOURCES)]
        posted = EPOCH - timedelta(seconds=rng.randrange(WINDOW_DAYS * 86400))
        if recent and rng.random() < 0.08:
            original = rng.choice(recent)
            record = {
                key: value
                for key, value in original.items()
                if key not in ("source", "id", "posted")
            }
            # cross-posted within two weeks of the original
            posted = min(original["posted"] + timedelta(seconds=rng.randrange(14 * 86400)), EPOCH)
        else:
            scam = rng.random() < 0.03
            skills = rng.sample(SKILLS, rng.randrange(1, 6))
            company = (
                company_name(rng.randrange(clients))
                if not scam
                else rng.choice(("QuickPay Jobs", "", "Global Hiring Agency"))
            )
            title = (
                rng.choice(SCAM_TITLES)
                if scam
                else f"{rng.choice(SENIORITY)}{rng.choice(ROLES)} ({rng.choice(ENGAGEMENT)})"
            )
            record = {
                "title": title,
                "company": company or None,
                "description": _description(rng, title, company, skills, scam),
                "tags": skills if source != "hackernews" else None,
                "location": rng.choice(LOCATIONS),
                "employment_type": rng.choice(ENGAGEMENT),
                **_budget(rng, source),
            }
            recent.append({**record, "source": source, "posted": posted})
            if len(recent) > 500:
                recent.pop(0)
        posting_id = f"{source[:2]}{seed}-{number:08d}"
        record.update(
            source=source,
            id=posting_id,
            url=f"https://{source}.example/jobs/{posting_id}",
            apply_url=f"https://{source}.example/apply/{posting_id}",
            posted_at=posted.isoformat().replace("+00:00", "Z"),
        )
        yield {key: value for key, value in record.items() if value is not None}


def write_jsonl(path: Path, size: int, seed: int = 6, clients_of: int | None = None) -> Path:
    """Write ``size`` records to ``path`` (one JSON object a line), streaming."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".part")
    with open(tmp, "w", encoding="utf-8") as handle:
        for record in postings(size, seed, clients_of):
            handle.write(json.dumps(record, ensure_ascii=False))
            handle.write("\n")
    tmp.replace(path)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, required=True)
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument(
        "--clients-of",
        type=int,
        metavar="SIZE",
        help="draw clients as for a data set of SIZE postings (default: --size)",
    )
    parser.add_argument("--out", type=Path, help="JSONL file (default: standard output)")
    args = parser.parse_args(argv)
    if args.out:
        write_jsonl(args.out, args.size, args.seed, args.clients_of)
    else:
        for record in postings(args.size, args.seed, args.clients_of):
            sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
