"""Spiders find the clause that states an amount with dbt's own currency and multiplier seeds."""

from __future__ import annotations

import pytest

from scrapers.amounts import states_amount


@pytest.mark.parametrize(
    "clause",
    [
        "€80–95/hour",
        "$170k-$210k + equity",
        "CHF 120'000",
        "120 PLN/h",
        "15 000 zł brutto",
        "65 Tsd. € / Jahr",
        "R$ 8 mil por mês",
        "Bounty: 500 USDC",
        "₩5,000,000 per month",
        "NOK 950 per time",
        "95/Std.",
    ],
)
def test_a_clause_with_an_amount_is_passed_on(clause):
    assert states_amount(clause)


@pytest.mark.parametrize(
    "clause",
    [
        "Remote (US)",
        "Full-time",
        "NYC 2024",
        "YC W21",
        "ISO 27001 certified",
        "SOC 2",
        "2 years of experience",
        "24/7 support",
        "Series B",
        None,
    ],
)
def test_a_clause_without_one_is_not(clause):
    assert not states_amount(clause)
