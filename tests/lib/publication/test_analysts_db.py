"""The analysts' database opens in an older DuckDB (1.1.3, the second venv that `make test`
installs) with every row and every comment, as DuckDB 2.0 reads them."""

import json
import os
import subprocess
from pathlib import Path

import duckdb
import pytest
from publication_helpers import m_manifest, warehouse

from pipelines.lib.publication.analysts_db import STORAGE_VERSION
from pipelines.lib.publication.publish import publish
from pipelines.lib.reference import PROJECT_ROOT

OLD_PYTHON = PROJECT_ROOT / ".venv-duckdb11" / "bin" / "python"
READ = """
import json, sys
import duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
tables = con.execute(
    "select table_name, comment from duckdb_tables() order by table_name").fetchall()
print(json.dumps({
    "version": duckdb.__version__,
    "tables": tables,
    "columns": con.execute(
        "select table_name, column_name, comment from duckdb_columns() "
        "where not internal order by table_name, column_index").fetchall(),
    "rows": {t: [[str(v) for v in r] for r in con.execute(f'select * from "{t}"').fetchall()]
             for t, _ in tables},
}))
"""


def _read(python: str, database: Path) -> dict[str, object]:
    out = subprocess.run(
        [python, "-c", READ, str(database)], check=True, capture_output=True, text=True
    )
    data: dict[str, object] = json.loads(out.stdout)
    return data


@pytest.fixture
def database(tmp_path: Path) -> Path:
    rows = [(2024, "09", 12, 1 / 3, True, 40), (2024, "11", 4, 0.25, None, 10)]
    marts = tmp_path / "marts"
    publish(warehouse(tmp_path / "w.duckdb", rows), marts, m_manifest(tmp_path))
    return marts / "observatoire.duckdb"


def test_duckdb_1_1_opens_the_database_with_every_comment(database: Path) -> None:
    if not OLD_PYTHON.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{OLD_PYTHON} manque : `make test` l'installe.")
        pytest.skip("second venv absent: run `make test` (or make .venv-duckdb11/.installed-1.1.3)")
    old = _read(str(OLD_PYTHON), database)
    new = _read(str(PROJECT_ROOT / ".venv" / "bin" / "python"), database)
    assert old["version"] == "1.1.3"
    assert new["version"] == duckdb.__version__
    assert old["tables"] == new["tables"]
    assert old["columns"] == new["columns"]
    assert old["rows"] == new["rows"]
    tables = dict(old["tables"])  # type: ignore[call-overload]
    assert set(tables) == {"m", "dictionnaire", "livraisons"}
    assert tables["m"] == "Un mart de test."
    columns = old["columns"]
    assert isinstance(columns, list) and len(columns) == 7 + 5 + 6
    assert all(comment for _, _, comment in columns)
    assert ["m", "n", "Description de n."] in columns
    assert old["rows"]["m"] == [  # type: ignore[index]
        ["2024", "09", "12", "0.3333", "True", "40", "None"],
        ["2024", "11", "None", "None", "None", "10", "n, part"],
    ]


def test_the_file_is_written_in_the_storage_of_duckdb_1_0(database: Path) -> None:
    with duckdb.connect() as con:
        con.execute(f"attach '{database}' as pub (read_only)")
        version = con.execute(
            "select tags['storage_version'] from duckdb_databases() where database_name = 'pub'"
        ).fetchall()
    # DuckDB writes "v1.0.0+": the oldest version that reads it
    assert version == [(f"{STORAGE_VERSION}+",)]
