"""dbt's context for sqlfluff's jinja templater, so `make lint` renders the models offline.

sqlfluff puts this module's public names into the Jinja context. Values mirror dbt at parse
time: vars come from dbt_project.yml, nothing executes against a database, and builds are
full (not incremental), which renders every model's complete SQL.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import yaml

_PROJECT = yaml.safe_load((Path(__file__).resolve().parents[1] / "dbt_project.yml").read_text())
_VARS = _PROJECT.get("vars") or {}

execute = False
project_name = _PROJECT["name"]
target = {"name": "lint", "schema": "public", "type": "postgres", "threads": 1}


def var(name, default=None):
    return _VARS.get(name, default)


def env_var(name, default=None):
    return os.environ.get(name, "" if default is None else default)


def is_incremental():
    return False


def run_query(_sql):
    return None


def local_md5(text):
    return hashlib.md5(str(text).encode()).hexdigest()


class _Node(dict):
    """A parsed node as macros read it (attribute access over empty defaults)."""

    def __getattr__(self, name):
        return self.get(name, _Node())


model = _Node(name="lint", raw_code="", depends_on=_Node(macros=[], nodes=[]))
