"""`observatoire.duckdb`, the analysts' database: one table per published mart (not views on
files, so the database travels alone), the dictionary and the deliveries, every table and
column commented in French from the dbt descriptions.

Written in DuckDB's storage format of version 1.0 (`ATTACH … (STORAGE_VERSION 'v1.0.0')`): the
DuckDB bundled with an analyst's tool (DBeaver, R, an older Python) opens it from 1.0 on,
whereas a file in the writer's newest format opens only in as new a DuckDB.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

ANALYST_DB = "observatoire.duckdb"
STORAGE_VERSION = "v1.0.0"
OLDEST_READER = "1.0"
_ALIAS = "publication"


@dataclass(frozen=True)
class Table:
    name: str
    frame: pl.DataFrame
    description: str
    column_descriptions: Mapping[str, str]


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def write_database(path: Path, tables: list[Table]) -> None:
    """Write the tables and their comments to a new file at `path`."""
    if path.exists():
        path.unlink()
    con = duckdb.connect()
    try:
        version = _literal(STORAGE_VERSION)
        con.execute(f"attach {_literal(str(path))} as {_ALIAS} (storage_version {version})")
        for table in tables:
            view = f"frame_{table.name}"
            con.register(view, table.frame.to_arrow())
            target = f"{_ALIAS}.{_identifier(table.name)}"
            con.execute(f"create table {target} as select * from {_identifier(view)}")
            con.unregister(view)
            con.execute(f"comment on table {target} is {_literal(table.description)}")
            for column in table.frame.columns:
                description = table.column_descriptions.get(column, "")
                con.execute(
                    f"comment on column {target}.{_identifier(column)} is {_literal(description)}"
                )
        con.execute(f"detach {_ALIAS}")
    finally:
        con.close()
