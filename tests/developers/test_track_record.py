"""`midtier developers declare-case-study | declare-platform`: self-declared track record,
written only with the entry's edit token, validated and rate-limited. How the profile shows
it (labelled, apart from the evidence) is tested on the built marts in
test_developer_marts.py."""

from __future__ import annotations

import pytest

from midtier import developers, track_record
from midtier.registry import RegistryError, WrongToken
from tests.developers.conftest import midtier, rows


@pytest.fixture
def token(url) -> str:
    """ada-dev's developer entry (not yet verified): its edit token."""
    return developers.add(url, "ada-dev", "octo-ada").token


def test_a_case_study_is_recorded_with_the_entrys_token(url, token):
    result = midtier(
        "developers",
        "declare-case-study",
        "Ada-Dev",
        "--token",
        token,
        "--title",
        "Billing migration",
        "--link",
        "https://ada.example.dev/billing",
        "--client-type",
        "startup",
        "--budget-band",
        "$5k-$20k",
        "--duration",
        "6 weeks",
        "--skills",
        "python, postgresql",
        "--outcome",
        "Cut-over with no downtime",
    )
    assert result.returncode == 0, result.stderr
    assert "self-declared case study" in result.stdout
    assert rows(
        url,
        "select handle, title, link, client_type, budget_band, duration, skills, outcome "
        "from registry.developer_case_studies",
    ) == [
        (
            "ada-dev",
            "Billing migration",
            "https://ada.example.dev/billing",
            "startup",
            "$5k-$20k",
            "6 weeks",
            ["python", "postgresql"],
            "Cut-over with no downtime",
        )
    ]


def test_platform_history_is_recorded_with_the_entrys_token(url, token):
    result = midtier(
        "developers",
        "declare-platform",
        "ada-dev",
        "--token",
        token,
        "--platform",
        "Upwork",
        "--projects-completed",
        "37",
        "--rating",
        "4.9/5",
        "--link",
        "https://www.upwork.com/freelancers/ada",
    )
    assert result.returncode == 0, result.stderr
    assert rows(
        url,
        "select handle, platform, projects_completed, rating, link "
        "from registry.developer_platform_history",
    ) == [("ada-dev", "Upwork", 37, "4.9/5", "https://www.upwork.com/freelancers/ada")]


def test_a_wrong_token_or_unknown_handle_writes_nothing(url, token):
    for handle, wrong in (("ada-dev", "mt_not-the-token"), ("nobody-here", token)):
        result = midtier(
            "developers", "declare-platform", handle, "--token", wrong, "--platform", "Upwork"
        )
        assert result.returncode == 1
        assert "do not match an entry" in result.stderr
    assert rows(url, "select count(*) from registry.developer_platform_history") == [(0,)]


def test_bad_input_is_refused_with_every_problem_and_nothing_is_written(url, token):
    result = midtier(
        "developers",
        "declare-case-study",
        "ada-dev",
        "--token",
        token,
        "--title",
        "  ",
        "--link",
        "javascript:alert(1)",
        "--skills",
        "python,not-a-skill-at-all",
    )
    assert result.returncode == 1
    assert "error: Title: required." in result.stderr
    assert "error: Link: an http(s) address." in result.stderr
    assert "error: Skills: not in the taxonomy: not-a-skill-at-all." in result.stderr
    with pytest.raises(RegistryError, match="Projects completed"):
        track_record.validate_platform_history("Upwork", projects_completed="many")
    assert rows(url, "select count(*) from registry.developer_case_studies") == [(0,)]


def test_declarations_are_rate_limited_per_handle(url, token):
    history = track_record.validate_platform_history("Upwork", projects_completed=3)
    study = track_record.validate_case_study("A project")
    for number in range(track_record.DECLARATIONS_PER_HOUR):
        if number % 2:
            track_record.add_case_study(url, "ada-dev", token, study)
        else:
            track_record.add_platform_history(url, "ada-dev", token, history)
    with pytest.raises(RegistryError, match="self-declared entries an hour"):
        track_record.add_case_study(url, "ada-dev", token, study)
    # a wrong token is refused before any limit is looked at
    with pytest.raises(WrongToken):
        track_record.add_case_study(url, "ada-dev", "mt_wrong", study)
    # an hour later the handle may write again
    rows(
        url,
        "update registry.developer_case_studies set created_at = now() - interval '2 hours';"
        "update registry.developer_platform_history set created_at = now() - interval '2 hours'",
    )
    track_record.add_case_study(url, "ada-dev", token, study)


def test_withdrawal_deletes_the_track_record(url, token):
    study = track_record.validate_case_study("A project", link="https://ada.example.dev")
    track_record.add_case_study(url, "ada-dev", token, study)
    history = track_record.validate_platform_history("Upwork")
    track_record.add_platform_history(url, "ada-dev", token, history)
    removed = developers.withdraw(url, "ada-dev", token)
    assert removed["registry.developer_case_studies"] == 1
    assert removed["registry.developer_platform_history"] == 1
