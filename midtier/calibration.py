"""`midtier calibrate`: fit the legitimacy weights on labelled postings.

The labelled postings (midtier/labelled_postings.py) are written to ``calibration.labelled``
in the database, and dbt's own macros find their signals there (macro
legitimacy_calibration_features: the legitimacy_rules text rules and every word and word pair),
so the fit sees exactly what int_postings_text_signals will find in a posting. Then:

* a regularised (L2) logistic regression on signal presence; the terms kept are the
  ``max_terms`` with the largest weights, refitted alone with every rule;
* cross-validated out-of-fold probabilities (folds grouped by title, so copies of one ad never
  sit on both sides) give the ROC-AUC and the precision and recall at the dbt var
  ``flag_score_threshold``;
* the seeds legitimacy_terms, legitimacy_weights and legitimacy_model are written.

Weights marked ``is_fitted`` false in legitimacy_weights are set by argument and kept as they
are (a blank company, pay against our own market: signals the labelled data cannot show
without bias, or at all); they count in the cross-validated figures wherever they fire.
Deterministic: the same files give the same weights (lbfgs, fixed fold seed, sorted rows).
"""

from __future__ import annotations

import contextlib
import csv
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import yaml

from midtier import database, transform
from midtier.labelled_postings import LabelledPosting, read_labels
from midtier.settings import PROJECT_ROOT

SEEDS_DIR = PROJECT_ROOT / "dbt" / "seeds"
# Inverse regularisation strength: small, because a fit that is sure of itself on one corpus
# carries its quirks (the sample's selection, its years, its industries) to ours.
REGULARISATION_C = 0.1
MAX_TERMS = 3000
# A word or word pair must appear in this many training postings to be a candidate term.
MIN_TERM_POSTINGS = 3
FOLDS = 5
SEED = 0
# The named rules are penalised less than single words (their column is scaled up, so the
# same L2 penalty costs them RULE_SCALE^2 times less): each is a documented scam pattern,
# where a word is only evidence in bulk.
RULE_SCALE = 3.0
# Never terms: the labels the EMSCAD mapping itself writes ("Requirements: ", "Benefits: "),
# which only say a field was filled (the selection bias, docs/legitimacy.md), and n-grams of
# stop words or numbers only, which carry length and layout, not meaning, and would explain
# nothing.
FIELD_LABEL_WORDS = frozenset({"requirements", "benefits"})


@dataclass(frozen=True)
class Calibration:
    intercept: float
    weights: dict[tuple[str, str], float]  # (feature_type, feature) -> fitted weight
    facts: dict[str, str]


def flag_score_threshold() -> float:
    """dbt's var flag_score_threshold, read from the project (it is set there only)."""
    project = yaml.safe_load((PROJECT_ROOT / "dbt" / "dbt_project.yml").read_text())
    return float(project["vars"]["flag_score_threshold"])


def fixed_weights(seeds_dir: Path) -> dict[tuple[str, str], float]:
    """The weights set by argument (is_fitted false), which calibrate keeps."""
    path = seeds_dir / "legitimacy_weights.csv"
    if not path.exists():
        path = SEEDS_DIR / "legitimacy_weights.csv"
    with path.open(newline="") as handle:
        return {
            (row["feature_type"], row["feature"]): float(row["weight"])
            for row in csv.DictReader(handle)
            if row["is_fitted"].strip().lower() == "false"
        }


def signals_in_database(postings: list[LabelledPosting], url: str) -> list[set[tuple[str, str]]]:
    """Each posting's signals, found by dbt's macros over calibration.labelled."""
    with contextlib.closing(database.connect(url)) as conn, conn, conn.cursor() as cur:
        cur.execute("create schema if not exists calibration")
        cur.execute("drop table if exists calibration.labelled")
        cur.execute(
            "create table calibration.labelled (posting_id integer primary key, title text,"
            " budget_text text, description_text text, company_name text)"
        )
        with cur.copy("copy calibration.labelled from stdin") as copy:
            for number, posting in enumerate(postings):
                copy.write_row(
                    (
                        number,
                        posting.title,
                        posting.budget_text,
                        posting.description,
                        posting.company,
                    )
                )
    transform.run_dbt(["seed", "--select", "legitimacy_rules"], url)
    transform.run_dbt(["run-operation", "legitimacy_calibration_features"], url)
    signals: list[set[tuple[str, str]]] = [set() for _ in postings]
    with contextlib.closing(database.connect(url)) as conn, conn.cursor() as cur:
        cur.execute("select posting_id, feature_type, feature from calibration.features")
        for posting_id, feature_type, feature in cur:
            signals[posting_id].add((feature_type, feature))
        cur.execute("drop schema calibration cascade")
        conn.commit()
    return signals


def _matrix(signals: list[set[tuple[str, str]]], columns: list[tuple[str, str]]):
    from scipy.sparse import csr_matrix

    index = {column: number for number, column in enumerate(columns)}
    rows, cols = [], []
    for row, posting_signals in enumerate(signals):
        for signal in posting_signals:
            if signal in index:
                rows.append(row)
                cols.append(index[signal])
    values = [RULE_SCALE if columns[col][0] == "rule" else 1.0 for col in cols]
    return csr_matrix((values, (rows, cols)), shape=(len(signals), len(columns)))


def _usable_term(term: str) -> bool:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    words = term.split(" ")
    return (
        not (FIELD_LABEL_WORDS & set(words))
        and not all(word in ENGLISH_STOP_WORDS for word in words)
        and any(character.isalpha() for character in term)
    )


def fit(
    signals: list[set[tuple[str, str]]], labels: list[int], fixed: dict[tuple[str, str], float]
) -> tuple[float, dict[tuple[str, str], float]]:
    """Intercept and weights fitted on these postings (fixed signals left out of the fit)."""
    from sklearn.linear_model import LogisticRegression

    counts: dict[tuple[str, str], int] = {}
    for posting_signals in signals:
        for signal in posting_signals:
            counts[signal] = counts.get(signal, 0) + 1
    candidates = sorted(
        signal
        for signal, count in counts.items()
        if signal not in fixed
        and (signal[0] == "rule" or (count >= MIN_TERM_POSTINGS and _usable_term(signal[1])))
    )

    def regression(columns):
        model = LogisticRegression(C=REGULARISATION_C, max_iter=10_000, random_state=SEED)
        model.fit(_matrix(signals, columns), labels)
        # back to the weight of a signal that is present (1), as dbt adds it
        model.coef_ = model.coef_ * [
            [RULE_SCALE if column[0] == "rule" else 1.0 for column in columns]
        ]
        return model

    first = regression(candidates)
    strength = {column: abs(weight) for column, weight in zip(candidates, first.coef_[0])}
    ranked = sorted(
        (column for column in candidates if column[0] == "term"),
        key=lambda column: (-strength[column], column),
    )
    kept = sorted([column for column in candidates if column[0] == "rule"] + ranked[:MAX_TERMS])
    final = regression(kept)
    return float(final.intercept_[0]), {
        column: float(weight) for column, weight in zip(kept, final.coef_[0])
    }


def _probability(intercept: float, weights: dict, posting_signals: set) -> float:
    logit = intercept + sum(weights.get(signal, 0.0) for signal in posting_signals)
    return 1 / (1 + math.exp(-logit))


def cross_validate(signals, labels, groups, fixed) -> list[float]:
    """Out-of-fold probabilities of fraud (folds grouped by title, stratified)."""
    from sklearn.model_selection import StratifiedGroupKFold

    folds = StratifiedGroupKFold(n_splits=FOLDS, shuffle=True, random_state=SEED)
    probabilities = [0.0] * len(labels)
    for train, test in folds.split(signals, labels, groups):
        intercept, weights = fit([signals[i] for i in train], [labels[i] for i in train], fixed)
        weights = {**weights, **fixed}
        for i in test:
            probabilities[i] = _probability(intercept, weights, signals[i])
    return probabilities


def figures(labels: list[int], probabilities: list[float], threshold: float) -> dict[str, str]:
    """ROC-AUC, and precision and recall of "flagged" (score below the threshold)."""
    from sklearn.metrics import roc_auc_score

    flagged = [round(100 * (1 - p)) < threshold for p in probabilities]
    true_positives = sum(1 for flag, label in zip(flagged, labels) if flag and label)
    scams = sum(labels)
    genuine = len(labels) - scams
    return {
        "roc_auc": f"{roc_auc_score(labels, probabilities):.3f}",
        "precision": f"{true_positives / max(1, sum(flagged)):.3f}",
        "recall": f"{true_positives / max(1, scams):.3f}",
        "genuine_flagged_share": f"{(sum(flagged) - true_positives) / max(1, genuine):.3f}",
    }


def calibrate(
    label_files: list[Path],
    selected_legitimate: list[Path] = (),
    *,
    seeds_dir: Path = SEEDS_DIR,
    url: str | None = None,
    echo=print,
) -> Calibration:
    """Fit the weights on the labelled files and write the legitimacy seeds into seeds_dir."""
    url = url or database.database_url()
    selected = {path.resolve() for path in selected_legitimate}
    postings: list[LabelledPosting] = []
    for path in [*label_files, *selected_legitimate]:
        postings += read_labels(path, selected_legitimate=path.resolve() in selected, seed=SEED)
    labels = [int(posting.is_scam) for posting in postings]
    echo(f"{len(postings)} labelled postings ({sum(labels)} scams); finding their signals")
    signals = signals_in_database(postings, url)
    fixed = fixed_weights(seeds_dir)
    threshold = flag_score_threshold()
    echo(f"cross-validating ({FOLDS} folds grouped by title)")
    probabilities = cross_validate(signals, labels, [posting.group for posting in postings], fixed)
    facts = {
        "fitted_on": "; ".join(
            f"{name}: {sum(1 for p in postings if p.file == name and p.is_scam)} scams, "
            f"{sum(1 for p in postings if p.file == name and not p.is_scam)} genuine"
            + (
                " (legitimate rows selected for filled fields; fields blanked at the full "
                "dataset's rates)"
                if any(path.name == name for path in selected_legitimate)
                else ""
            )
            for name in dict.fromkeys(posting.file for posting in postings)
        )
    }
    facts["fitted_at"] = datetime.now(UTC).date().isoformat()
    facts["method"] = (
        f"L2 logistic regression (C={REGULARISATION_C}) on signal presence: "
        f"legitimacy_rules text rules and the {MAX_TERMS} strongest words and word "
        f"pairs seen in at least {MIN_TERM_POSTINGS} postings; "
        f"{FOLDS}-fold cross-validation grouped by title"
    )
    facts["flag_score_threshold"] = f"{threshold:g}"
    for name, value in figures(labels, probabilities, threshold).items():
        facts[f"cv_{name}"] = value
    for file in dict.fromkeys(posting.file for posting in postings):
        part = [number for number, posting in enumerate(postings) if posting.file == file]
        part_labels = [labels[number] for number in part]
        if 0 < sum(part_labels) < len(part_labels):
            for name, value in figures(
                part_labels, [probabilities[n] for n in part], threshold
            ).items():
                facts[f"cv_{name} ({file})"] = value
    echo("fitting on every labelled posting")
    intercept, weights = fit(signals, labels, fixed)
    write_seeds(seeds_dir, intercept, weights, fixed, facts)
    return Calibration(intercept, weights, facts)


def write_seeds(seeds_dir: Path, intercept: float, weights: dict, fixed: dict, facts: dict) -> None:
    seeds_dir.mkdir(parents=True, exist_ok=True)
    weights = {
        column: round(weight, 4) for column, weight in weights.items() if round(weight, 4) != 0
    }
    terms = sorted(feature for feature_type, feature in weights if feature_type == "term")
    with (seeds_dir / "legitimacy_terms.csv").open("w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["term"])
        writer.writerows([term] for term in terms)
    rows = [("intercept", "intercept", round(intercept, 4), "true")]
    rows += [(*column, round(weight, 4), "false") for column, weight in sorted(fixed.items())]
    rows += [(*column, weight, "true") for column, weight in sorted(weights.items())]
    with (seeds_dir / "legitimacy_weights.csv").open("w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["feature_type", "feature", "weight", "is_fitted"])
        writer.writerows(rows)
    with (seeds_dir / "legitimacy_model.csv").open("w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["fact", "value"])
        writer.writerows(facts.items())
