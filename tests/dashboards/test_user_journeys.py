"""Each user's first question, answered in a real browser: Playwright driving Debian's Chromium
against `midtier dashboard`'s Streamlit, on the test marts; and an axe-core scan of every page."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from midtier import database, editorial
from tests.dashboards.conftest import mart_sql, run_sql
from tests.playwright_browser import axe_violations, chromium, dashboard, fresh_page, wait_for_app

# 30-50 s a test on a loaded two-core machine (a Streamlit server, Chromium, real reruns):
# `make test-all` runs them; the AppTest modules beside this one cover the same points quickly.
pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def journeys_url(make_database) -> str:
    url = make_database("dashboards_journeys", mart_sql())
    database.apply_schema(url)
    # this week's postings for the editor: first seen one to six days ago
    run_sql(
        url,
        "update marts.fct_postings set first_seen_at = now() - interval '1 day' * "
        "(1 + abs(hashtext(posting_id)) % 6)",
    )
    return url


@pytest.fixture(scope="module")
def site(journeys_url, tmp_path_factory) -> str:
    with dashboard(journeys_url, tmp_path_factory.mktemp("journeys_home")) as base:
        yield base


@pytest.fixture(scope="module")
def chromium_browser():
    with chromium() as launched:
        yield launched


@pytest.fixture
def page(chromium_browser):
    with fresh_page(chromium_browser) as page:
        yield page


def choose(page, label: str, option: str) -> None:
    """Pick ``option`` in the multiselect or selectbox labelled ``label``, as a user types it."""
    page.get_by_role("combobox", name=label, exact=True).click()
    page.keyboard.type(option)
    page.get_by_role("option", name=option, exact=True).click()
    page.keyboard.press("Escape")
    wait_for_app(page)


def switch(page, label: str) -> None:
    """Flip the toggle labelled ``label`` (by its visible label, as a user clicks it)."""
    page.get_by_text(label, exact=True).click()
    wait_for_app(page)


def cards(page) -> list[str]:
    """The text of every posting card on the Feed (each opens with its title, an h2)."""
    # the innermost block holding an h2: the card's bordered container
    card = (
        "[data-testid='stMain'] [data-testid='stVerticalBlock']:has(h2)"
        ":not(:has([data-testid='stVerticalBlock'] h2))"
    )
    return page.locator(card).all_inner_texts()


def test_a_contractor_with_a_70_dollar_floor_sees_on_every_card_whether_it_meets_it(site, page):
    page.goto(site)
    wait_for_app(page)
    page.get_by_text("Your profile").click()
    choose(page, "My skills", "python")
    choose(page, "My skills", "django")
    floor = page.get_by_label("My minimum hourly rate (USD)")
    floor.fill("70")
    floor.press("Enter")
    wait_for_app(page)
    switch(page, "Hide postings below my floor")
    page.get_by_role("radiogroup").get_by_text("pay", exact=True).click()
    wait_for_app(page)
    page.wait_for_function("() => document.body.innerText.includes('best paid first')")
    shown = cards(page)
    assert len(shown) >= 3
    for card in shown:
        assert re.search(
            r"(meets|below) your \$70 floor|no hourly rate to hold against your \$70 floor", card
        ), card
    assert "meets your $70 floor" in shown[0] and "below your $70 floor" in shown[1]
    assert shown[0].startswith("Senior Python Data Engineer")


def test_reloading_a_filtered_feed_url_restores_the_filters(site, page, chromium_browser):
    page.goto(site)
    wait_for_app(page)
    choose(page, "Skills", "react")
    switch(page, "Include salaried jobs")
    page.wait_for_function("() => location.search.includes('skills=react')")
    address = page.url
    assert "include_salaried=true" in address
    before = cards(page)
    page.reload()
    wait_for_app(page)
    assert page.url == address
    assert cards(page) == before and len(before) == 1 and before[0].startswith("React Frontend")
    # the same address in a fresh browser (a shared link) shows the same view
    with fresh_page(chromium_browser) as other:
        other.goto(address)
        wait_for_app(other)
        assert cards(other) == before


def test_an_analyst_sees_a_suppressed_cell_explained(site, page):
    page.goto(site + "market-rates")
    wait_for_app(page)
    choose(page, "Skill", "go")
    choose(page, "Region (trend)", "north_america")
    table = page.locator("[data-testid='stTable']").last
    text = table.inner_text()
    assert "2025-06" in text and "north_america" in text and "3" in text
    assert "fewer than 5 postings" in text


def test_an_editor_picks_three_postings_and_downloads_exactly_those_in_markdown(
    site, page, journeys_url
):
    run_sql(journeys_url, "delete from editorial.digest_picks; delete from editorial.editors")
    token = editorial.add_editor(journeys_url, "Ada")
    page.goto(site + "editor")
    wait_for_app(page)
    page.get_by_label("Editor token").fill(token)
    page.get_by_role("button", name="Sign in").click()
    wait_for_app(page)
    page.wait_for_function("() => document.body.innerText.includes('Signed in as')")
    for title in ("Django API Developer", "Go Backend Engineer", "Senior Python Data Engineer"):
        page.get_by_role("combobox", name="Pinned, in digest order").click()
        page.keyboard.type(title)
        page.get_by_role("option").filter(has_text=title).first.click()
        page.keyboard.press("Escape")
    page.get_by_role("button", name="Save picks").click()
    wait_for_app(page)
    page.wait_for_function("() => document.body.innerText.includes('Saved 3 pinned')")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download digest (Markdown)").click()
    markdown = Path(download.value.path()).read_text(encoding="utf-8")
    titles = [
        line.removeprefix("### [").split("](", 1)[0].replace("\\", "")
        for line in markdown.splitlines()
        if line.startswith("### ")
    ]
    assert titles == ["Django API Developer", "Go Backend Engineer", "Senior Python Data Engineer"]
    assert "via remoteok" in markdown and "via weworkremotely" in markdown
    assert markdown.count("[original posting on") == 3


PAGES = ["", "market-rates", "editor", "rate-floors", "sources", "developers"]


@pytest.mark.parametrize("path", PAGES)
def test_no_serious_or_critical_accessibility_violation(site, page, path):
    page.goto(site + path)
    wait_for_app(page)
    assert axe_violations(page) == []
