"""The rate-floor registry: validation, hashed edit tokens, parameterised SQL, public aggregates."""

from __future__ import annotations

import contextlib
from decimal import Decimal

import pytest

from midtier import database, registry


@pytest.fixture(scope="module")
def registry_url(make_database) -> str:
    url = make_database("registry_test")
    database.apply_schema(url)
    return url


@pytest.fixture
def url(registry_url) -> str:
    with contextlib.closing(database.connect(registry_url)) as conn, conn, conn.cursor() as cur:
        cur.execute("truncate registry.rate_floors")
    return registry_url


def stored(url: str, handle: str) -> dict | None:
    rows = registry._read(url, "select * from registry.rate_floors where handle = %s", (handle,))
    return rows[0] if rows else None


def publish(url, handle, rate, skills=("python",), region="europe", public=False) -> str:
    return registry.publish(url, registry.validate(handle, skills, rate, region, public))


def test_validate_accepts_good_input_and_normalises_it():
    floor = registry.validate("  Ada-Dev ", ["Python", "django", "python"], "85.5", "europe", True)
    assert floor == registry.RateFloor("ada-dev", ("python", "django"), Decimal("85.50"), "europe", True)


@pytest.mark.parametrize(
    ("handle", "skills", "rate", "region", "problem"),
    [
        ("a", ["python"], 80, "europe", "Handle"),
        ("robert'); drop table registry.rate_floors;--", ["python"], 80, "europe", "Handle"),
        ("<script>", ["python"], 80, "europe", "Handle"),
        ("ada", [], 80, "europe", "Skills: choose at least one"),
        ("ada", ["python", "cobol-9000"], 80, "europe", "not in the taxonomy: cobol-9000"),
        ("ada", ["python"], 2, "europe", "Minimum hourly rate"),
        ("ada", ["python"], 5000, "europe", "Minimum hourly rate"),
        ("ada", ["python"], "NaN", "europe", "Minimum hourly rate"),
        ("ada", ["python"], "eighty", "europe", "Minimum hourly rate"),
        ("ada", ["python"], 80, "atlantis", "Region"),
    ],
)
def test_validate_rejects_bad_input(handle, skills, rate, region, problem):
    with pytest.raises(registry.RegistryError) as caught:
        registry.validate(handle, skills, rate, region)
    assert any(problem in line for line in caught.value.problems)


def test_publish_stores_only_the_hash_of_the_token(url):
    token = publish(url, "ada", 80)
    assert len(token) >= 40
    row = stored(url, "ada")
    assert row["edit_token_sha256"] == registry.token_hash(token)
    assert token not in str(row)


def test_handles_are_unique(url):
    publish(url, "ada", 80)
    with pytest.raises(registry.RegistryError, match="taken"):
        publish(url, "ADA", 90)


def test_edit_needs_the_right_token(url):
    token = publish(url, "ada", 80)
    changed = registry.validate("ada", ["python", "go"], 95, "worldwide", True)
    for wrong in (None, "", "not-the-token", token[:-1]):
        with pytest.raises(registry.WrongToken):
            registry.update(url, wrong, changed)
    assert stored(url, "ada")["min_hourly_usd"] == Decimal("80.00")
    registry.update(url, token, changed)
    row = stored(url, "ada")
    assert (row["skills"], row["min_hourly_usd"], row["region"], row["is_handle_public"]) == (
        ["python", "go"], Decimal("95.00"), "worldwide", True)


def test_unknown_handle_and_wrong_token_are_the_same_error(url):
    publish(url, "ada", 80)
    with pytest.raises(registry.WrongToken) as unknown:
        registry.withdraw(url, "nobody", "whatever")
    with pytest.raises(registry.WrongToken) as wrong:
        registry.withdraw(url, "ada", "whatever")
    assert str(unknown.value) == str(wrong.value)


def test_withdraw_with_the_token_deletes(url):
    token = publish(url, "ada", 80)
    registry.withdraw(url, "Ada", token)
    assert stored(url, "ada") is None


def test_aggregates_are_anonymous_and_suppressed_below_three(url):
    for handle, rate in (("ada", 60), ("bob", 80), ("cyd", 100), ("dee", 120)):
        publish(url, handle, rate, skills=("python",))
    publish(url, "eve", 150, skills=("rust",))
    aggregates = {aggregate.skill: aggregate for aggregate in registry.skill_aggregates(url)}
    assert aggregates["python"] == registry.SkillAggregate("python", 4, 75.0, 90.0, 105.0)
    assert aggregates["rust"] == registry.SkillAggregate("rust", 1, None, None, None)


def test_budget_meets_floors(url):
    publish(url, "ada", 60, skills=("python",), region="europe")
    publish(url, "bob", 80, skills=("python", "go"), region="europe")
    publish(url, "cyd", 100, skills=("go",), region="asia_pacific")
    assert registry.developers_met(url, 80) == (2, 3)
    assert registry.developers_met(url, 80, skill="go") == (1, 2)
    assert registry.developers_met(url, 100, skill="go", region="asia_pacific") == (1, 1)


def test_names_appear_only_with_opt_in(url):
    publish(url, "ada", 60, public=True)
    publish(url, "bob", 80, public=False)
    assert [entry["handle"] for entry in registry.public_entries(url)] == ["ada"]


def test_token_comparison_is_constant_time_hmac():
    token = registry.new_token()
    assert registry.token_matches(token, registry.token_hash(token))
    assert not registry.token_matches(token + "x", registry.token_hash(token))
