"""The Market rates page with AppTest against the test rate report."""

from __future__ import annotations

import pytest

from tests.dashboards.pages import run_page


@pytest.fixture
def app(mart_env):
    app = run_page("market_rates")
    assert not app.error, [error.value for error in app.error]
    return app


def charts(app) -> list:
    return app.get("vega_lite_chart")


def test_shows_a_chart_and_sample_sizes(app):
    assert app.header[0].value == "python"
    assert len(charts(app)) == 3  # rate trend, posting volume beside it, region split
    table = app.dataframe[0].value
    assert list(table.columns) == ["month", "region", "n", "p10", "p25", "p50", "p75", "p90"]
    assert table["n"].notna().all()
    assert app.metric[0].value == "$76.00"  # python, hourly, worldwide, June 2025
    # The sample size is printed on the chart itself, not only in its tooltip.
    assert "'n=' + datum.n" in charts(app)[0].proto.spec


def test_two_skills_side_by_side(app):
    app.selectbox(key="skill_b").set_value("react").run()
    assert [header.value for header in app.header] == ["python", "react"]
    assert len(charts(app)) == 6
    assert len(app.metric) == 2


def test_compared_skills_share_one_y_axis(app):
    import json

    app.selectbox(key="skill_b").set_value("react").run()
    specs = [json.loads(chart.proto.spec) for chart in charts(app)]
    domains = [
        layer["encoding"]["y"]["scale"]["domain"]
        for spec in specs
        for layer in spec.get("layer", [])
        if "scale" in layer["encoding"].get("y", {})
    ]
    assert len(domains) == 2 and domains[0] == domains[1]  # python's and react's rate trends


def test_conversions_are_labelled(app):
    options = app.selectbox(key="engagement_type").options
    assert "hourly contracts (USD per hour, as posted)" in options
    assert "fixed-price projects (USD per project)" in options
    # salaries and day rates are compared per hour, and say at how many hours (dbt's vars)
    app.selectbox(key="engagement_type").set_value("salary").run()
    captions = " ".join(caption.value for caption in app.caption)
    assert "Showing salaries (USD per hour: the yearly salary over 2,080 h)." in captions


def test_engagement_type_and_region_change_the_figures(app):
    app.selectbox(key="region").set_value("europe").run()
    assert app.metric[0].value == "$70.00"
    app.selectbox(key="engagement_type").set_value("fixed").run()
    assert app.metric[0].value == "$4,200.00"
    assert "USD per project" in app.metric[0].proto.help


def test_suppressed_cells_say_so_with_their_n(app):
    app.selectbox(key="skill_a").set_value("go").run()
    app.selectbox(key="region").set_value("north_america").run()
    captions = " ".join(caption.value for caption in app.caption)
    assert "Suppressed, too few postings: Jun 2025 (n=3)" in captions
    assert app.metric[0].value == "$78.00"  # the latest month with enough postings (May)
    # listed with its n and the reason dbt gives, not only in a caption
    suppressed = app.table[-1].value
    assert list(suppressed.columns) == ["Region", "n (postings)", "Why suppressed"]
    row = suppressed.loc["2025-06"]
    assert (row["Region"], row["n (postings)"]) == ("north_america", 3)
    assert "fewer than 5 postings" in row["Why suppressed"]


def test_download_holds_the_rates(app):
    assert app.get("download_button")[0].proto.label == "Download these rates (CSV)"


def test_missing_report_says_to_run_the_pipeline(empty_database_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", empty_database_url)
    app = run_page("market_rates")
    assert "midtier run" in app.error[0].value


def test_published_floors_overlay_the_hourly_trend(registry_env):
    import streamlit as st

    from midtier import registry

    for number, rate in enumerate((50, 60, 70, 80, 90)):
        registry.publish(
            registry_env, registry.validate(f"dev-{number}", ["python"], rate, "europe")
        )
    st.cache_data.clear()  # another test may have cached the empty registry
    app = run_page("market_rates")
    captions = [caption.value for caption in app.caption]
    assert (
        "Dashed: the published floors of 5–9 registered developers: p25 $60, median $70, "
        "p75 $80 an hour (Rate floors page)."
    ) in captions
    assert "strokeDash" in charts(app)[0].proto.spec
    app.selectbox(key="engagement_type").set_value("fixed").run()  # floors are hourly
    assert not any(caption.value.startswith("Dashed") for caption in app.caption)
