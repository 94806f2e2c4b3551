"""The Feed page, run headless with Streamlit's AppTest against a small test mart."""

from __future__ import annotations

import csv
import io
import re
import socket
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = Path(__file__).resolve().parents[2] / "dashboards" / "app.py"


def run_app() -> AppTest:
    return AppTest.from_file(str(APP), default_timeout=30).run()


def shown_titles(app: AppTest) -> list[str]:
    """Posting titles in page order, unescaped from their Markdown links."""
    titles = []
    for element in app.markdown:
        if element.value.startswith("## "):
            label = element.value.removeprefix("## [").split("](", 1)[0]
            titles.append(label.replace("\\", ""))
    return titles


@pytest.fixture
def app(mart_env) -> AppTest:
    app = run_app()
    assert not app.exception, app.exception
    assert not app.error, [error.value for error in app.error]
    return app


def test_shows_open_unflagged_contract_and_freelance_postings_freshest_first(app):
    assert shown_titles(app) == [
        "Senior Python Data Engineer",
        "React Frontend Contractor",
        "Django API Developer",
    ]


def test_salaried_jobs_show_only_when_asked_for(app):
    app.toggle(key="include_salaried").set_value(True).run()
    assert shown_titles(app)[-1] == "Go Backend Engineer"
    assert any("full\\-time salaried" in element.value for element in app.caption)
    app.toggle(key="include_salaried").set_value(False).run()
    app.multiselect(key="employment").set_value(["salaried"]).run()
    assert shown_titles(app) == ["Go Backend Engineer"]
    app.multiselect(key="employment").set_value(["freelance"]).run()
    assert shown_titles(app) == ["Django API Developer"]


def test_contract_and_freelance_work_comes_before_the_rest(app, mart_env):
    import streamlit as st

    from tests.dashboards.conftest import run_sql

    # the newest posting, part-time: listed after the contract and freelance work
    run_sql(
        mart_env,
        "update marts.fct_postings set employment_type = 'part-time', "
        "posted_at = '2025-06-05 00:00+00' where posting_id = 'weworkremotely:php-3'",
    )
    try:
        st.cache_data.clear()
        app = run_app()
        app.toggle(key="open_only").set_value(False).run()
        assert shown_titles(app)[-1] == "Legacy PHP Maintenance"
        app.radio(key="sort").set_value("legitimacy").run()
        # an explicit sort is that sort alone: 85, then the part-time 75
        assert shown_titles(app)[:2] == ["Senior Python Data Engineer", "Legacy PHP Maintenance"]
    finally:
        run_sql(
            mart_env,
            "update marts.fct_postings set employment_type = 'contract', "
            "posted_at = '2025-05-31 08:00+00' where posting_id = 'weworkremotely:php-3'",
        )
        st.cache_data.clear()


def test_posting_card_shows_link_budget_skills_legitimacy_and_source(app):
    text = "\n".join(element.value for element in [*app.markdown, *app.caption])
    assert "[Senior Python Data Engineer](https://remoteok.com/remote-jobs/1001)" in text
    assert "400–500 EUR \\/ day \\(≈ \\$54–\\$67\\.50 \\/ hour\\)" in text
    assert ":blue-badge[node\\.js]" in text
    assert "Legitimacy 85/100" in text and "budget stated" in text
    assert "via remoteok" in text


def test_posting_card_says_how_many_published_floors_its_pay_meets(app):
    captions = [element.value for element in app.caption]
    assert "Meets the floor of 7 of 12 registered Python developers" in captions
    assert sum("registered" in caption for caption in captions) == 1  # suppressed elsewhere


def test_posting_card_says_how_many_evidence_backed_developers_floors_its_pay_meets(app):
    captions = [element.value for element in app.caption]
    assert "Meets the floor of 3 of 6 evidence\\-backed Python developers" in captions
    assert sum("evidence\\-backed" in caption for caption in captions) == 1


def test_the_legitimacy_scale_is_explained_in_place(app):
    lines = [element for element in app.markdown if "Legitimacy " in element.value]
    assert lines and all(
        "100 means none of the scam signals" in element.proto.help for element in lines
    )
    assert all("Below 50 a posting is flagged" in element.proto.help for element in lines)
    explained = "\n".join(element.value for element in app.markdown)
    assert "Below 50 a posting is flagged" in explained  # the expander's text: the mart's threshold


def test_a_clean_posting_says_no_red_flags_were_found(app, mart_env):
    import streamlit as st

    from tests.dashboards.conftest import run_sql

    run_sql(
        mart_env,
        "update marts.fct_postings set legitimacy_score = 100, legitimacy_reasons = '{}' "
        "where posting_id = 'remoteok:1002'",
    )
    try:
        st.cache_data.clear()
        app = run_app()
        [line] = [
            element.value for element in app.markdown if "Legitimacy 100/100" in element.value
        ]
        assert "no red flags found" in line
    finally:
        run_sql(
            mart_env,
            "update marts.fct_postings set legitimacy_score = 60, "
            "legitimacy_reasons = array['new account'] where posting_id = 'remoteok:1002'",
        )
        st.cache_data.clear()


def test_skill_filter_narrows_the_feed(app):
    app.multiselect(key="skills").set_value(["react"]).run()
    assert shown_titles(app) == ["React Frontend Contractor"]


def test_minimum_hourly_rate_drops_cheaper_and_unrated_postings(app):
    app.toggle(key="include_salaried").set_value(True).run()
    app.number_input(key="min_hourly_usd").set_value(70).run()
    assert shown_titles(app) == ["Senior Python Data Engineer", "Go Backend Engineer"]


def test_flagged_postings_appear_only_when_asked(app):
    app.toggle(key="show_flagged").set_value(True).run()
    assert shown_titles(app)[0] == "Crypto Wallet Recovery Expert"
    assert any(":red-badge[flagged]" in element.value for element in app.markdown)


def test_open_only_off_includes_closed_postings(app):
    app.toggle(key="open_only").set_value(False).run()
    assert "Legacy PHP Maintenance" in shown_titles(app)


def test_engagement_legitimacy_and_search_filters(app):
    app.toggle(key="include_salaried").set_value(True).run()
    app.multiselect(key="engagement_types").set_value(["hourly", "salary"]).run()
    assert shown_titles(app) == ["Senior Python Data Engineer", "Go Backend Engineer"]
    app.slider(key="min_legitimacy").set_value(90).run()
    assert shown_titles(app) == ["Go Backend Engineer"]
    app.multiselect(key="engagement_types").set_value([]).run()
    app.slider(key="min_legitimacy").set_value(0).run()
    app.text_input(key="search").input("rest apis").run()
    assert shown_titles(app) == ["Django API Developer"]


def test_scraped_html_is_shown_as_text(app):
    assert not app.get("html")
    assert all(not element.proto.allow_html for element in app.markdown)
    description = next(element.value for element in app.markdown if "onerror" in element.value)
    assert re.search(r"(?<!\\)[<>]", description) is None, "an unescaped angle bracket"
    assert "\\<script\\>alert\\(1\\)\\<\\/script\\>" in description


def test_one_posting_per_duplicate_group_with_also_seen_on_links(app):
    assert "Senior Python Data Engineer (Airflow)" not in shown_titles(app)
    text = "\n".join(element.value for element in app.markdown)
    assert (
        "also seen on [himalayas\\.app](https://himalayas.app/jobs/py-1001) and 3 more copies"
        in text
    )
    # A javascript: URL in also_seen_on is dropped, never made a link.
    assert "javascript" not in text
    assert "[www\\.freelancer\\.com](https://www.freelancer.com/projects/django-api)" in text


def test_card_shows_rate_position_attribution_and_link_back(app):
    text = "\n".join(element.value for element in app.markdown)
    # named for what they compare with: the skill's own market, or the whole market
    assert ":green-badge[within market p25–p75 for Python]" in text
    assert ":orange-badge[below market p10 of the whole market]" in text
    assert (
        "via remoteok · [original posting on remoteok](https://remoteok.com/remote-jobs/1001)"
        in text
    )


def test_remote_and_region_filters(app):
    app.toggle(key="include_salaried").set_value(True).run()
    app.toggle(key="remote_only").set_value(True).run()
    assert "Django API Developer" not in shown_titles(app)
    app.toggle(key="remote_only").set_value(False).run()
    app.multiselect(key="regions").set_value(["europe"]).run()
    assert shown_titles(app) == ["React Frontend Contractor", "Go Backend Engineer"]


def test_posted_within_counts_back_from_the_newest_crawl(app):
    # The newest crawl is 2025-06-05 11:00; three days back keeps postings from 06-02 11:00 on.
    app.selectbox(key="posted_within").set_value("3 days").run()
    assert shown_titles(app) == ["Senior Python Data Engineer", "React Frontend Contractor"]


def test_duration_and_mid_market_filters(app):
    app.toggle(key="include_salaried").set_value(True).run()
    app.selectbox(key="duration").set_value("3–6 months").run()
    assert shown_titles(app) == ["React Frontend Contractor"]
    app.selectbox(key="duration").set_value("any").run()
    app.toggle(key="mid_market_only").set_value(True).run()
    # The salaried Go role pays inside the band per hour, but salaried work is never mid-market.
    assert shown_titles(app) == ["Senior Python Data Engineer", "React Frontend Contractor"]


def test_profile_ranks_by_match_and_hides_postings_under_the_floor(app):
    app.toggle(key="include_salaried").set_value(True).run()
    app.multiselect(key="profile_skills").set_value(["go", "postgresql"]).run()
    app.radio(key="sort").set_value("match").run()
    assert shown_titles(app)[0] == "Go Backend Engineer"
    assert any("Match 100%" in element.value for element in app.markdown)
    app.number_input(key="profile_min_hourly_usd").set_value(70).run()
    # Go (max $72.12) and Python ($90) clear the floor, React (max $67.50) does not;
    # the fixed-price Django posting has no hourly figure and stays.
    assert shown_titles(app) == [
        "Go Backend Engineer",
        "Senior Python Data Engineer",
        "Django API Developer",
    ]


def test_every_card_says_whether_it_meets_the_floor_sorted_by_pay(app):
    app.multiselect(key="profile_skills").set_value(["python", "django"]).run()
    app.number_input(key="profile_min_hourly_usd").set_value(70).run()
    app.toggle(key="hide_below_floor").set_value(False).run()
    app.radio(key="sort").set_value("pay").run()
    # by the top hourly figure: $90, $67.50, then the fixed-price posting without one
    assert shown_titles(app) == [
        "Senior Python Data Engineer",
        "React Frontend Contractor",
        "Django API Developer",
    ]
    badges = [element.value for element in app.markdown if element.value.startswith("**Pay:**")]
    assert len(badges) == 3
    assert ":green-badge[meets your $70 floor]" in badges[0]
    assert ":orange-badge[below your $70 floor]" in badges[1]
    assert ":gray-badge[no hourly rate to hold against your $70 floor]" in badges[2]


def test_an_empty_list_names_the_filters_that_emptied_it_and_resets_them(app):
    app.multiselect(key="skills").set_value(["react"]).run()
    app.number_input(key="min_hourly_usd").set_value(500).run()
    assert shown_titles(app) == []
    [info] = app.info
    assert "skills" in info.value and "minimum hourly rate" in info.value
    app.button[0].click().run()
    assert shown_titles(app)[0] == "Senior Python Data Engineer"


def test_filters_come_from_the_address_and_stay_in_it(mart_env):
    app = AppTest.from_file(str(APP), default_timeout=30)
    app.query_params["skills"] = ["python"]
    app.query_params["sort"] = "pay"
    app.query_params["include_salaried"] = "true"
    app.run()
    assert not app.exception
    assert app.multiselect(key="skills").value == ["python"]
    assert app.radio(key="sort").value == "pay"
    assert shown_titles(app) == ["Senior Python Data Engineer", "Django API Developer"]


def test_csv_download_holds_the_current_view_and_is_built_on_click(mart_env, monkeypatch):
    from streamlit.runtime.media_file_manager import MediaFileManager

    deferred = []
    register = MediaFileManager.add_deferred

    def capture(self, data_callable, *args, **kwargs):
        deferred.append(data_callable)
        return register(self, data_callable, *args, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add_deferred", capture)
    app = run_app()
    app.toggle(key="include_salaried").set_value(True).run()
    app.multiselect(key="skills").set_value(["react", "go"]).run()
    download = app.get("download_button")[0]
    assert download.proto.label == "Download CSV"
    assert download.proto.deferred_file_id and not download.proto.url  # nothing built yet
    rows = list(csv.DictReader(io.StringIO(deferred[-1]())))
    assert (
        [row["title"] for row in rows]
        == shown_titles(app)
        == ["React Frontend Contractor", "Go Backend Engineer"]
    )
    # each row says whether its source's terms allow re-publishing, and where they are
    assert {row["is_republishable"] for row in rows} == {"true"}
    assert rows[0]["source_terms_url"] == "https://weworkremotely.example/terms"


def test_csv_download_neutralises_formulas(mart_env, monkeypatch):
    import streamlit as st
    from streamlit.runtime.media_file_manager import MediaFileManager

    from tests.dashboards.conftest import run_sql

    deferred = []
    register = MediaFileManager.add_deferred
    monkeypatch.setattr(
        MediaFileManager,
        "add_deferred",
        lambda self, data, *a, **k: deferred.append(data) or register(self, data, *a, **k),
    )
    run_sql(
        mart_env,
        "update marts.fct_postings set company_name = '=HYPERLINK(\"https://evil.example\")'"
        " where title = 'Go Backend Engineer'",
    )
    try:
        st.cache_data.clear()
        run_app().toggle(key="include_salaried").set_value(True).run()
        rows = list(csv.DictReader(io.StringIO(deferred[-1]())))
    finally:
        run_sql(
            mart_env,
            "update marts.fct_postings set company_name = 'Gopher Works'"
            " where title = 'Go Backend Engineer'",
        )
        st.cache_data.clear()
    [row] = [row for row in rows if row["title"] == "Go Backend Engineer"]
    assert row["company_name"] == '\'=HYPERLINK("https://evil.example")'


def test_summary_counts_every_match_while_cards_stop_at_a_page(mart_env, monkeypatch):
    import streamlit as st

    monkeypatch.setattr("dashboards.queries.PAGE_ROWS", 2)
    st.cache_data.clear()
    app = run_app()
    assert len(shown_titles(app)) == 2
    text = "\n".join(element.value for element in [*app.markdown, *app.caption])
    assert "**3** postings match, contract and freelance first, then newest." in text
    assert "Showing the first 2" in text


def test_count_is_capped_above_the_csv_limit(mart_database_url):
    from dashboards import queries

    everything = queries.PostingFilters(open_only=False, show_flagged=True)
    total = len(queries.fetch_postings(mart_database_url, everything, limit=100))
    assert total > 3
    assert queries.count_postings(mart_database_url, everything) == total
    assert queries.count_postings(mart_database_url, everything, cap=2) == 3
    assert len(queries.fetch_postings(mart_database_url, everything, limit=2)) == 2


def test_missing_mart_says_to_run_the_pipeline(empty_database_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", empty_database_url)
    app = run_app()
    assert not app.exception
    assert "midtier run" in app.error[0].value


def test_unreachable_database_is_a_clear_error(monkeypatch):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("DATABASE_URL", f"postgresql://postgres@127.0.0.1:{port}/midtier")
    app = run_app()
    assert not app.exception
    assert "Cannot reach the database" in app.error[0].value
    shown = " ".join(element.value for element in [*app.error, *app.markdown, *app.caption])
    assert str(port) not in shown and "postgresql://" not in shown and "127.0.0.1" not in shown


def test_a_nul_in_the_search_shows_results_not_a_traceback(app):
    app.toggle(key="include_salaried").set_value(True).run()
    app.text_input(key="search").set_value("Go\x00 Backend").run()
    assert not app.exception and not app.error
    assert shown_titles(app) == ["Go Backend Engineer"]  # searched as "Go Backend"


@pytest.fixture
def developer_marts(mart_env):
    """ada-dev's public developer profile (floor $85; evidence in python, postgresql, sql and
    go) in the test database, for this test only."""
    from tests.dashboards.conftest import run_sql

    marts = Path(__file__).parents[1] / "developers" / "fixtures" / "developer_marts.sql"
    run_sql(mart_env, marts.read_text())
    yield mart_env
    run_sql(mart_env, "drop table marts.fct_developer_profiles, marts.fct_developer_skills")


def test_a_registry_handle_loads_the_profile_with_its_evidenced_skills(developer_marts):
    app = run_app()
    app.text_input(key="profile_handle").input("Ada-Dev").run()
    assert not app.exception, app.exception
    assert app.multiselect(key="profile_skills").value == ["python", "postgresql", "sql", "go"]
    assert app.number_input(key="profile_min_hourly_usd").value == 85
    # the profile is the visitor's to change: a rerun loads nothing over the change
    app.multiselect(key="profile_skills").set_value(["go"]).run()
    app.number_input(key="profile_min_hourly_usd").set_value(60).run()
    assert app.multiselect(key="profile_skills").value == ["go"]
    assert app.number_input(key="profile_min_hourly_usd").value == 60


def test_a_shared_address_with_a_handle_opens_with_its_profile(developer_marts):
    app = AppTest.from_file(str(APP), default_timeout=30)
    app.query_params["profile_handle"] = "ada-dev"
    app.run()
    assert not app.exception, app.exception
    assert app.multiselect(key="profile_skills").value == ["python", "postgresql", "sql", "go"]
    # a bookmarked profile keeps what its address says over the handle's
    app = AppTest.from_file(str(APP), default_timeout=30)
    app.query_params["profile_handle"] = "ada-dev"
    app.query_params["profile_skills"] = "go"
    app.run()
    assert app.multiselect(key="profile_skills").value == ["go"]


def test_a_handle_without_a_public_profile_says_so_and_changes_nothing(developer_marts):
    app = run_app()
    app.text_input(key="profile_handle").input("nobody-here").run()
    assert not app.exception, app.exception
    assert "No public developer profile for nobody\\-here." in [c.value for c in app.caption]
    assert app.multiselect(key="profile_skills").value == []
    assert app.number_input(key="profile_min_hourly_usd").value == 0


def test_a_handle_before_any_developer_profile_exists_leaves_the_feed_working(app):
    app.text_input(key="profile_handle").input("ada-dev").run()
    assert not app.exception, app.exception
    assert shown_titles(app)[0] == "Senior Python Data Engineer"
    assert "No public developer profile for ada\\-dev." in [c.value for c in app.caption]
