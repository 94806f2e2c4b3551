"""The Rate floors page: publish, edit with the token, public aggregates (AppTest)."""

from __future__ import annotations

import pytest

from midtier import registry
from tests.dashboards.pages import run_page


@pytest.fixture
def app(registry_env):
    app = run_page("rate_floors")
    assert not app.error, [error.value for error in app.error]
    return app


def fill_publish(app, handle, skills, rate, region="europe", public=False):
    app.text_input(key="publish_handle").input(handle)
    app.multiselect(key="publish_skills").set_value(skills)
    app.number_input(key="publish_rate").set_value(rate)
    app.selectbox(key="publish_region").set_value(region)
    app.checkbox(key="publish_public").set_value(public)
    app.button(key="publish_submit").click().run()
    return app


def floor_of(url: str, handle: str):
    rows = registry._read(
        url, "select min_hourly_usd from registry.rate_floors where handle = %s", (handle,)
    )
    return float(rows[0]["min_hourly_usd"]) if rows else None


def issued_token(app) -> str:
    assert not app.error, [error.value for error in app.error]
    return app.code[0].value


def test_rejects_bad_input(app, registry_env):
    fill_publish(app, "x", [], 2)
    problems = app.error[0].value
    assert "Handle" in problems and "Skills" in problems and "Minimum hourly rate" in problems
    assert not app.code
    assert registry.skill_aggregates(registry_env) == []


def test_accepts_good_input_and_shows_the_token_once(app, registry_env):
    fill_publish(app, "ada-dev", ["python", "django"], 85)
    token = issued_token(app)
    assert "shown only now" in app.success[0].value
    assert registry._read(registry_env, "select edit_token_sha256 from registry.rate_floors")[0][
        "edit_token_sha256"
    ] == registry.token_hash(token)
    app.run()  # the next rerun no longer shows it
    assert not app.code


def fill_edit(app, handle, token, rate, button="edit_submit"):
    app.text_input(key="edit_handle").input(handle)
    app.text_input(key="edit_token").input(token)
    app.multiselect(key="edit_skills").set_value(["python"])
    app.number_input(key="edit_rate").set_value(rate)
    app.selectbox(key="edit_region").set_value("europe")
    app.button(key=button).click().run()
    return app


def test_edit_without_or_with_a_wrong_token_fails(app, registry_env):
    token = issued_token(fill_publish(app, "ada-dev", ["python"], 85))
    fill_edit(app, "ada-dev", "", 40)
    assert "do not match" in app.error[0].value
    fill_edit(app, "ada-dev", token + "x", 40)
    assert "do not match" in app.error[0].value
    assert floor_of(registry_env, "ada-dev") == 85
    fill_edit(app, "ada-dev", token, 40)
    assert app.success and not app.error
    assert floor_of(registry_env, "ada-dev") == 40


def test_withdraw_needs_the_token(app, registry_env):
    token = issued_token(fill_publish(app, "ada-dev", ["python"], 85))
    fill_edit(app, "ada-dev", "guess", 85, button="withdraw_submit")
    assert "do not match" in app.error[0].value
    fill_edit(app, "ada-dev", token, 85, button="withdraw_submit")
    assert "Withdrawn" in app.success[0].value
    assert floor_of(registry_env, "ada-dev") is None


def test_public_view_aggregates_budget_check_and_opt_in_names(registry_env):
    for handle, rate, public in (
        ("ada", 60, True),
        ("bob", 70, False),
        ("cyd", 80, False),
        ("dee", 90, False),
        ("eve", 100, False),
    ):
        registry.publish(
            registry_env, registry.validate(handle, ["python"], rate, "europe", public)
        )
    registry.publish(registry_env, registry.validate("fay", ["rust"], 120, "europe", False))
    app = run_page("rate_floors")
    aggregates = app.dataframe[0].value.astype(object).where(app.dataframe[0].value.notna(), None)
    assert aggregates.to_dict("records") == [
        {"skill": "python", "developers": "5–9", "p25": 70, "median": 80, "p75": 90},
        {"skill": "rust", "developers": "fewer than 5", "p25": None, "median": None, "p75": None},
    ]
    text = lambda: " ".join(element.value for element in app.markdown)  # noqa: E731
    assert "\\$75/hour meets the floors of about a quarter to a half** of the 5–9" in text()
    app.number_input(key="budget_usd").set_value(100).run()
    assert "at least about three quarters" in text()
    app.selectbox(key="budget_skill").set_value("rust").run()
    assert "Fewer than 5 developers with rust have published a floor" in text()
    named = app.dataframe[1].value
    assert list(named["handle"]) == ["ada"]  # the others did not opt in


def test_a_session_publishes_at_most_its_quota(app, registry_env):
    for n in range(registry.SESSION_PUBLISHES_PER_HOUR):
        issued_token(fill_publish(app, f"dev-{n}", ["python"], 50 + n))
    fill_publish(app, "one-more", ["python"], 60)
    assert "from one session" in app.error[0].value
    assert floor_of(registry_env, "one-more") is None


def test_an_unreachable_database_shows_no_address(monkeypatch):
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("DATABASE_URL", f"postgresql://postgres@127.0.0.1:{port}/midtier")
    app = run_page("rate_floors")
    assert not app.exception
    assert "Cannot reach the database right now" in app.error[0].value
    shown = " ".join(element.value for element in [*app.error, *app.markdown])
    assert str(port) not in shown and "postgresql://" not in shown


def test_a_dated_commitment_is_shown_with_its_date_and_lapsed_ones_as_lapsed(app, registry_env):
    from datetime import date, timedelta

    token = issued_token(fill_publish(app, "ada-dev", ["python"], 85, public=True))
    until = date.today() + timedelta(days=90)
    app.text_input(key="commit_handle").input("ada-dev")
    app.text_input(key="commit_token").input(token)
    app.selectbox(key="commit_category").set_value("framework")
    app.number_input(key="commit_rate").set_value(90)
    app.date_input(key="commit_until").set_value(until)
    app.button(key="commit_submit").click().run()
    assert not app.error, [error.value for error in app.error]
    registry._read(
        registry_env,
        """
        insert into registry.commitments (rate_floor_id, category, min_hourly_usd, until_on)
        select rate_floor_id, 'data', 70, current_date - 3 from registry.rate_floors
        returning commitment_id""",
    )
    app.run()
    table = next(frame.value for frame in app.dataframe if "status" in frame.value.columns)
    assert table.to_dict("records") == [
        {
            "handle": "ada-dev",
            "category": "Framework",
            "min_hourly_usd": 90.0,
            "status": f"until {until:%Y-%m-%d}",
        },
        {
            "handle": "ada-dev",
            "category": "Data",
            "min_hourly_usd": 70.0,
            "status": f"lapsed on {date.today() - timedelta(days=3):%Y-%m-%d}",
        },
    ]


def test_a_commitment_needs_the_entrys_token_and_a_future_date(app, registry_env):
    fill_publish(app, "ada-dev", ["python"], 85, public=True)
    app.text_input(key="commit_handle").input("ada-dev")
    app.text_input(key="commit_token").input("not-the-token")
    app.number_input(key="commit_rate").set_value(90)
    app.button(key="commit_submit").click().run()
    assert "Until" in app.error[0].value
    assert registry.public_commitments(registry_env) == []


def test_a_personal_feed_is_saved_with_a_private_token_and_revoked(app, registry_env):
    from midtier import feed_profiles

    app.multiselect(key="feed_skills").set_value(["python"])
    app.slider(key="feed_legitimacy").set_value(50)
    app.button(key="feed_submit").click().run()
    assert not app.error, [error.value for error in app.error]
    edit_token, feed_url = app.code[0].value, app.code[1].value
    assert feed_url.startswith("http://127.0.0.1:8502/feeds/") and feed_url.endswith(".atom")
    feed_token = feed_url.rsplit("/", 1)[1].removesuffix(".atom")
    profile = feed_profiles.by_feed_token(registry_env, feed_token)
    assert profile.filters().skills == ("python",) and profile.filters().min_legitimacy == 50

    app.text_input(key="feed_token").input(edit_token)
    app.button(key="feed_revoke").click().run()
    assert "Revoked" in app.success[0].value
    assert feed_profiles.by_feed_token(registry_env, feed_token) is None
