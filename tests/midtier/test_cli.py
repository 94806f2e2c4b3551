"""The command line as a user meets it: help, clear errors, database commands."""

from __future__ import annotations

import subprocess
import sys

import pytest

from midtier.cli import build_parser, main

COMMANDS = [
    "db",
    "crawl",
    "sources",
    "import",
    "transform",
    "check",
    "export",
    "run",
    "airflow",
    "dashboard",
]


def test_help_lists_every_command_and_the_environment():
    help_text = build_parser().format_help()
    for command in COMMANDS:
        assert command in help_text
    assert "MIDTIER_HOME" in help_text and "DATABASE_URL" in help_text


def test_python_dash_m_midtier_is_the_same_cli():
    result = subprocess.run(
        [sys.executable, "-m", "midtier", "--help"], capture_output=True, text=True
    )
    assert result.returncode == 0 and "crawl" in result.stdout


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"])
    assert exit_info.value.code == 0
    assert "usage: midtier" in capsys.readouterr().out


def test_transform_batched_is_passed_on_and_excludes_full_refresh(capsys, monkeypatch):
    from midtier import steps

    calls = []
    monkeypatch.setattr(steps, "transform", lambda **options: calls.append(options))
    assert main(["transform", "--batched"]) == 0
    assert calls[0]["batched"] is True and calls[0]["full_refresh"] is False
    with pytest.raises(SystemExit) as exit_info:
        main(["transform", "--batched", "--full-refresh"])
    assert exit_info.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err


def test_unknown_source_is_a_usage_error(capsys, database_url):
    assert main(["crawl", "nosuchsite"]) == 2
    error = capsys.readouterr().err
    assert "unknown source" in error and "remoteok" in error


def test_import_of_a_missing_file_says_so(capsys, database_url, tmp_path):
    assert main(["import", str(tmp_path / "nope.jsonl"), "--source", "x"]) == 2
    assert "no such file" in capsys.readouterr().err


def test_db_url_prints_the_database_url_in_use(capsys, database_url):
    assert main(["db", "url"]) == 0
    assert capsys.readouterr().out.strip() == database_url


def test_sources_lists_every_source_with_its_terms_and_last_run(capsys, db, tmp_path):
    from midtier.sources import SOURCES

    path = tmp_path / "p.jsonl"
    path.write_text('{"source_posting_id": "1", "title": "t"}\n')
    assert main(["import", str(path), "--source", "remoteok"]) == 0
    capsys.readouterr()
    assert main(["sources", "--terms"]) == 0
    out = capsys.readouterr().out
    for name in SOURCES:
        assert name in out
    assert "via Remote OK" in out and "last run" in out and "never crawled" in out
    assert "not re-published" in out  # e.g. We Work Remotely's terms


def test_crawl_needs_a_source_or_all(capsys, database_url):
    assert main(["crawl"]) == 2
    assert "--all" in capsys.readouterr().err


def test_airflow_trigger_needs_a_dag_id(capsys):
    assert main(["airflow", "trigger"]) == 2
    assert "DAG_ID" in capsys.readouterr().err


def test_airflow_up_refuses_a_busy_port_in_one_line(capsys, monkeypatch, tmp_path):
    import socket

    monkeypatch.setenv("MIDTIER_HOME", str(tmp_path))
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        monkeypatch.setenv("MIDTIER_AIRFLOW_PORT", str(port))
        assert main(["airflow", "up"]) == 1
    error = capsys.readouterr().err
    assert f"port {port} on 127.0.0.1 is in use" in error
    assert "MIDTIER_AIRFLOW_PORT" in error and len(error.strip().splitlines()) == 1


def test_airflow_trigger_and_status_say_when_airflow_is_not_running(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("MIDTIER_HOME", str(tmp_path))
    assert main(["airflow", "trigger", "midtier_ingest", "--offline"]) == 1
    assert "run `midtier airflow up`" in capsys.readouterr().err
    assert main(["airflow", "status"]) == 3
    assert "scheduler      stopped" in capsys.readouterr().out
