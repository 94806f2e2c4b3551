"""The Sources & quality page (AppTest) against the test mart and pipeline bookkeeping."""

from __future__ import annotations

import pytest

from midtier.settings import load_settings
from tests.dashboards.pages import run_page


@pytest.fixture
def app(mart_env):
    app = run_page("sources_quality")
    assert not app.error, [error.value for error in app.error]
    return app


def test_per_source_postings_last_crawl_status_rejects_and_terms(app):
    table = app.dataframe[0].value.set_index("source")
    remoteok = table.loc["Remote OK"]
    assert (remoteok["postings"], remoteok["open_postings"], remoteok["flagged"]) == (3, 3, 1)
    assert remoteok["status"] == "partial"
    assert (remoteok["last_run_rejects"], remoteok["rejects_total"]) == (2, 2)
    assert str(remoteok["last_crawl_at"]).startswith("2025-06-05 10:02")
    assert remoteok["attribution"] == "via Remote OK"
    assert remoteok["terms_url"] == "https://remoteok.com/api"
    assert not table.loc["We Work Remotely"]["republished"]
    assert table.loc["Himalayas"]["status"] == "failed"
    assert table.loc["We Work Remotely"]["status"] == "degraded (volume fell by more than half)"


def test_latest_validation_per_suite_and_docs_hint(app):
    results = app.dataframe[1].value.set_index("suite_name")
    assert results.loc["mart_integrity", "result"] == "passed"  # the newer run wins
    assert results.loc["client_legitimacy", "result"] == "FAILED"
    assert "1 suite(s) failed" in app.warning[0].value


def test_a_suite_whose_checks_errored_is_shown_as_error(app):
    results = app.dataframe[1].value.set_index("suite_name")
    assert results.loc["source_health_himalayas", "result"] == "ERROR"
    assert any("1 suite(s) could not run their checks" in warning.value for warning in app.warning)
    assert "Data Docs appear here" in " ".join(element.value for element in app.markdown)


def test_data_docs_are_downloadable_once_built_never_a_file_link(mart_env, monkeypatch):
    import io
    import zipfile

    from streamlit.runtime.media_file_manager import MediaFileManager

    deferred = []
    register = MediaFileManager.add_deferred
    monkeypatch.setattr(
        MediaFileManager,
        "add_deferred",
        lambda self, data, *a, **k: deferred.append(data) or register(self, data, *a, **k),
    )
    index = load_settings().home / "data_docs" / "index.html"
    (index.parent / "validations").mkdir(parents=True)
    index.write_text("<html></html>")
    (index.parent / "validations" / "run.html").write_text("<html>run</html>")
    app = run_page("sources_quality")
    assert not any("file://" in element.value for element in app.markdown)
    [button] = [
        button for button in app.get("download_button") if "Data Docs" in button.proto.label
    ]
    archive = zipfile.ZipFile(io.BytesIO(deferred[-1]()))
    assert sorted(archive.namelist()) == ["data_docs/index.html", "data_docs/validations/run.html"]
    assert archive.read("data_docs/validations/run.html") == b"<html>run</html>"
