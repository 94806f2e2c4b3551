"""The pay-sanity seed against the checks downstream: a plausible reading must pass them."""

from __future__ import annotations

import csv

import yaml

from expectations import thresholds
from midtier.settings import PROJECT_ROOT

DBT = PROJECT_ROOT / "dbt"


def test_every_plausible_hourly_equivalent_passes_the_critical_rate_bounds_of_every_currency():
    hours = yaml.safe_load((DBT / "dbt_project.yml").read_text())["vars"]["hours_per_budget_period"]
    bounds = [*thresholds.HOURLY_USD_BOUNDS.values(), thresholds.DEFAULT_HOURLY_USD_BOUNDS]
    lowest_allowed = max(low for low, _ in bounds)
    highest_allowed = min(high for _, high in bounds)
    with open(DBT / "seeds" / "pay_plausibility_bounds.csv", newline="") as handle:
        rows = {row["budget_period"]: row for row in csv.DictReader(handle)}
    assert set(rows) == {*hours, "project"}
    for period, per_period in hours.items():
        low = round(float(rows[period]["usd_min"]) / per_period, 2)  # as the mart rounds it
        high = round(float(rows[period]["usd_max"]) / per_period, 2)
        assert lowest_allowed <= low < high <= highest_allowed, period
