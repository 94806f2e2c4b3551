"""Held-out check of the legitimacy model, through the real pipeline.

Splits EMSCAD-layout files (the shared sample: fraudulent.csv, legitimate.csv) by title into a
fitting part and a held-out fifth, fits the weights on the fitting part plus our own labelled
postings (`midtier calibrate`), then imports the held-out ads with `midtier import` (mapped as
the shared data's README says), runs `midtier transform` and `midtier check`, and measures the
ROC-AUC of legitimacy_score and the share of each side that is_flagged. The held-out
legitimate ads are measured twice: as they are (selected for having every field filled) and
with fields blanked at the full dataset's rates, which is closer to an unselected feed.

Nothing from EMSCAD is written inside the repository: the split files and the import files go
to --work. The seeds in dbt/seeds are restored afterwards (fit the committed weights on all the
data with `midtier calibrate`). Run it against a scratch database (MIDTIER_HOME, DATABASE_URL):
it replaces the postings of its own sources (heldout-*), keeps the others and reports which of
them are flagged.

    python -m bench.legitimacy_holdout --emscad ../shared/data/emscad --work /tmp/holdout
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import hashlib
import json
import shutil
from pathlib import Path

from midtier import calibration, database, steps
from midtier.labelled_postings import FULL_EMSCAD_BLANK_SHARE, posting_from_emscad, read_labels
from midtier.settings import PROJECT_ROOT

SEED_FILES = ("legitimacy_terms.csv", "legitimacy_weights.csv", "legitimacy_model.csv")
OUR_LABELS = PROJECT_ROOT / "data" / "labels" / "freelance_postings.csv"


def held_out(row: dict) -> bool:
    """One fifth of the titles (copies of one ad share theirs) are held out."""
    title = " ".join(row["title"].lower().split())
    return int(hashlib.md5(title.encode()).hexdigest(), 16) % 5 == 0


def split(path: Path, work: Path) -> tuple[Path, list[dict]]:
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        rows = list(reader)
        fields = reader.fieldnames
    fitting = work / f"fit-{path.name}"
    with fitting.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(row for row in rows if not held_out(row))
    return fitting, [row for row in rows if held_out(row)]


def write_import(rows: list[dict], source: str, path: Path) -> Path:
    with path.open("w", encoding="utf-8") as handle:
        for number, row in enumerate(rows):
            posting = posting_from_emscad(row)
            handle.write(
                json.dumps(
                    {
                        "source": source,
                        "source_posting_id": f"{source}-{number}",
                        "url": f"https://heldout.example/{source}/{number}",
                        **posting,
                    }
                )
                + "\n"
            )
    return path


def roc_auc(genuine: list[float], scams: list[float]) -> float:
    """P(a genuine ad scores above a scam), ties counting half."""
    wins = sum((g > s) + 0.5 * (g == s) for g in genuine for s in scams)
    return wins / (len(genuine) * len(scams))


def measure(url: str) -> dict:
    with contextlib.closing(database.connect(url)) as conn, conn.cursor() as cur:
        cur.execute("select source, legitimacy_score, is_flagged, title from marts.fct_postings")
        rows = cur.fetchall()
    by_source: dict[str, list[tuple]] = {}
    for source, score, flagged, title in rows:
        by_source.setdefault(source, []).append((score, flagged, title))
    scams = by_source.get("heldout-scams", [])
    report = {
        "scams": len(scams),
        "scams_flagged": round(sum(f for _, f, _ in scams) / len(scams), 3),
    }
    for name in ("heldout-selected", "heldout-blanked"):
        genuine = by_source.get(name, [])
        report[name] = {
            "genuine": len(genuine),
            "roc_auc": round(roc_auc([s for s, _, _ in genuine], [s for s, _, _ in scams]), 3),
            "genuine_flagged": round(sum(f for _, f, _ in genuine) / len(genuine), 3),
        }
    report["other_sources_flagged"] = sorted(
        f"{source}: {title} ({score})"
        for source, postings in by_source.items()
        if not source.startswith("heldout-")
        for score, flagged, title in postings
        if flagged
    )
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--emscad", type=Path, required=True, help="folder with fraudulent.csv and legitimate.csv"
    )
    parser.add_argument(
        "--work", type=Path, required=True, help="scratch folder outside the repository"
    )
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    url = database.database_url()
    seeds = PROJECT_ROOT / "dbt" / "seeds"
    for name in SEED_FILES:
        shutil.copy(seeds / name, args.work / name)
    try:
        fraud_fit, fraud_held = split(args.emscad / "fraudulent.csv", args.work)
        legit_fit, legit_held = split(args.emscad / "legitimate.csv", args.work)
        result = calibration.calibrate(
            [OUR_LABELS, fraud_fit], [legit_fit], seeds_dir=seeds, url=url
        )
        blanked_path = args.work / "held-legitimate.csv"
        with blanked_path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(legit_held[0]))
            writer.writeheader()
            writer.writerows(legit_held)
        # blanked at the full dataset's rates, with another seed than the fit's
        blanked = read_labels(blanked_path, selected_legitimate=True, seed=1)
        with contextlib.closing(database.connect(url)) as conn, conn, conn.cursor() as cur:
            cur.execute("delete from raw.postings where source like 'heldout-%'")
        steps.import_postings(
            write_import(fraud_held, "heldout-scams", args.work / "scams.jsonl"), "heldout-scams"
        )
        steps.import_postings(
            write_import(legit_held, "heldout-selected", args.work / "selected.jsonl"),
            "heldout-selected",
        )
        blanked_rows = [
            {
                "title": p.title,
                "company_profile": p.company,
                "description": p.description,
                "salary_range": p.budget_text,
            }
            for p in blanked
        ]
        # the blanked rows are postings already: import them as they are
        with (args.work / "blanked.jsonl").open("w", encoding="utf-8") as handle:
            for number, row in enumerate(blanked_rows):
                handle.write(
                    json.dumps(
                        {
                            "source": "heldout-blanked",
                            "source_posting_id": f"b-{number}",
                            "url": f"https://heldout.example/blanked/{number}",
                            "title": row["title"],
                            "company": row["company_profile"],
                            "description": row["description"],
                            "budget_text": row["salary_range"],
                        }
                    )
                    + "\n"
                )
        steps.import_postings(args.work / "blanked.jsonl", "heldout-blanked")
        steps.transform()
        steps.check()
        report = {
            "fit_figures": result.facts,
            "held_out": measure(url),
            "blank_rates": FULL_EMSCAD_BLANK_SHARE,
        }
        print(json.dumps(report, indent=2))
    finally:
        for name in SEED_FILES:
            shutil.copy(args.work / name, seeds / name)


if __name__ == "__main__":
    main()
