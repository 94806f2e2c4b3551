"""The Editor page (AppTest): sign in with an editor token, pick postings, get the digest."""

from __future__ import annotations

import pytest

from midtier import database, editorial
from tests.dashboards.conftest import mart_sql, run_sql
from tests.dashboards.pages import run_page

PICKED = ["remoteok:1002", "weworkremotely:go-9", "remoteok:1001"]


@pytest.fixture(scope="module")
def editor_url(make_database) -> str:
    url = make_database("dashboards_editor", mart_sql())
    database.apply_schema(url)
    # this week's postings: every fixture posting first seen a day to six days ago
    run_sql(
        url,
        """
        update marts.fct_postings set first_seen_at = now() - interval '1 day' * (
            1 + abs(hashtext(posting_id)) % 6);
        insert into marts.fct_postings (posting_id, source, source_posting_id, url, title,
            is_flagged, first_seen_at, last_seen_at, source_name, source_attribution,
            is_republishable, is_canonical, skills)
        values ('weworkremotely:no-repost', 'weworkremotely', 'no-repost',
            'https://weworkremotely.com/remote-jobs/no-repost', 'Not for re-publishing', false,
            now() - interval '2 hours', now(), 'We Work Remotely', 'via We Work Remotely', false,
            true, '{}');
    """,
    )
    return url


@pytest.fixture
def token(editor_url, monkeypatch, tmp_path) -> str:
    monkeypatch.setenv("DATABASE_URL", editor_url)
    monkeypatch.setenv("MIDTIER_HOME", str(tmp_path / "home"))
    run_sql(
        editor_url,
        "delete from editorial.digest_picks; delete from editorial.editors; "
        "delete from editorial.sign_in_failures",
    )
    return editorial.add_editor(editor_url, "Ada")


def signed_in(token: str):
    app = run_page("editor")
    app.text_input(key="editor_token").input(token)
    app.button[0].click().run()
    assert not app.exception, app.exception
    return app


def deferred_downloads(monkeypatch) -> list:
    from streamlit.runtime.media_file_manager import MediaFileManager

    deferred: list = []
    register = MediaFileManager.add_deferred
    monkeypatch.setattr(
        MediaFileManager,
        "add_deferred",
        lambda self, data, *a, **k: deferred.append(data) or register(self, data, *a, **k),
    )
    return deferred


def test_picks_need_an_editor_token(token):
    app = run_page("editor")
    assert not app.multiselect  # nothing to pick before signing in
    app.text_input(key="editor_token").input("not-a-token")
    app.button[0].click().run()
    assert "does not belong to an editor" in app.error[0].value
    assert not app.multiselect


def test_wrong_tokens_are_rate_limited_per_session(token):
    app = run_page("editor")
    for _ in range(editorial.SESSION_FAILURES_ALLOWED):
        app.text_input(key="editor_token").input("wrong")
        app.button[0].click().run()
    app.text_input(key="editor_token").input(token)  # even the right one, for a while
    app.button[0].click().run()
    assert "Too many wrong tokens" in app.error[0].value


def test_the_editor_picks_three_postings_and_downloads_a_markdown_digest_of_exactly_those(
    token, editor_url, monkeypatch
):
    deferred = deferred_downloads(monkeypatch)
    app = signed_in(token)
    assert "Signed in as **Ada**" in "\n".join(element.value for element in app.markdown)
    app.multiselect(key="editor_pins").set_value(PICKED)
    app.button(key="FormSubmitter:editor_picks-Save picks").click().run()
    assert "Saved 3 pinned" in app.success[0].value
    assert editorial.picks(editor_url) == (PICKED, [])

    markdown = next(
        str(data()) for data in reversed(deferred) if str(data()).startswith("# Midtier")
    )
    titles = [
        line.removeprefix("### [").split("](", 1)[0].replace("\\", "")
        for line in markdown.splitlines()
        if line.startswith("### ")
    ]
    assert titles == ["Django API Developer", "Go Backend Engineer", "Senior Python Data Engineer"]
    assert "## Editor\\'s picks" in markdown
    for attribution in ("via remoteok", "via weworkremotely"):
        assert attribution in markdown
    assert markdown.count("[original posting on") == 3


def test_postings_that_may_not_be_republished_are_marked_and_never_pickable(token):
    app = signed_in(token)
    frame = app.dataframe[0].value
    assert "Not for re-publishing" not in set(frame["title"])  # excluded by default
    app.toggle(key="editor_unpublishable").set_value(True).run()
    frame = app.dataframe[0].value
    row = frame[frame["title"] == "Not for re-publishing"].iloc[0]
    assert row["republishable"] == "no: may not be re-published"
    options = app.multiselect(key="editor_pins").options  # "title — company (posting id)"
    assert any("remoteok:1001" in option for option in options)
    assert not any("no-repost" in option for option in options)


def test_published_exports_are_downloadable(token, tmp_path):
    exports = tmp_path / "home" / "exports"
    (exports / "feeds").mkdir(parents=True)
    (exports / "postings.rss").write_text("<rss/>")
    (exports / "feeds" / "language.atom").write_text("<feed/>")
    app = run_page("editor")
    labels = [button.proto.label for button in app.get("download_button")]
    assert labels == ["feeds/language.atom", "postings.rss"]


def test_an_empty_week_names_the_filters_and_offers_a_reset(token):
    app = signed_in(token)
    app.slider(key="editor_min_legitimacy").set_value(100).run()
    assert "Narrowed by: minimum legitimacy score" in app.info[0].value
    app.button(key="editor_reset").click().run()
    assert app.slider(key="editor_min_legitimacy").value == 0
