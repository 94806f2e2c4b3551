"""The marts' column contract, read from the dbt model YAML, for tests that hand-make mart rows.

Tests of the pages, exports and checks load small hand-written marts; building their tables
from the contract dbt enforces keeps them from drifting from the real mart.
"""

from __future__ import annotations

from functools import cache

import yaml

from midtier.transform import DBT_PROJECT_DIR


@cache
def contract_columns(model: str = "fct_postings") -> tuple[tuple[str, str], ...]:
    """(name, data_type) of every column the model's contract promises, in contract order."""
    for path in (DBT_PROJECT_DIR / "models" / "marts").glob("*.yml"):
        for entry in yaml.safe_load(path.read_text()).get("models") or []:
            if entry["name"] == model:
                return tuple((column["name"], column["data_type"]) for column in entry["columns"])
    raise LookupError(f"no contract for {model} under dbt/models/marts")


def create_table_sql(model: str = "fct_postings", schema: str = "marts") -> str:
    """A fresh, empty table with the contract's columns and types (no constraints)."""
    columns = ",\n    ".join(f"{name} {data_type}" for name, data_type in contract_columns(model))
    return (
        f"create schema if not exists {schema};\n"
        f"drop table if exists {schema}.{model} cascade;\n"
        f"create table {schema}.{model} (\n    {columns}\n);\n"
    )
