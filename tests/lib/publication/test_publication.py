from pathlib import Path

import duckdb
import pytest

from pipelines.lib.publication.publish import publish


def _warehouse(path: Path, value: int) -> None:
    with duckdb.connect(str(path)) as con:
        con.execute("create schema if not exists marts")
        con.execute(
            "create or replace table marts.m as "
            f"select 2024 as annee, '09' as dept, {value} as n, 0.5 as part"
        )


def test_publish_writes_three_forms(tmp_path: Path) -> None:
    _warehouse(tmp_path / "w.duckdb", 12)
    assert publish(tmp_path / "w.duckdb", tmp_path / "marts", ("m",)) == {"m": 1}
    assert (
        tmp_path / "marts" / "m.csv"
    ).read_bytes() == b"\xef\xbb\xbfannee;dept;n;part;cellules_masquees\n2024;09;12;0,5;\n"
    with duckdb.connect(str(tmp_path / "marts" / "observatoire.duckdb"), read_only=True) as con:
        assert con.execute("select * from m").fetchall() == [(2024, "09", 12, 0.5, None)]
    assert duckdb.sql(f"select n from '{tmp_path / 'marts' / 'm.parquet'}'").fetchall() == [(12,)]


def test_a_failed_publication_leaves_the_previous_one(tmp_path: Path) -> None:
    _warehouse(tmp_path / "w.duckdb", 12)
    publish(tmp_path / "w.duckdb", tmp_path / "marts", ("m",))
    before = (tmp_path / "marts" / "m.csv").read_bytes()
    with pytest.raises(duckdb.CatalogException):
        publish(tmp_path / "w.duckdb", tmp_path / "marts", ("m", "absent"))
    assert (tmp_path / "marts" / "m.csv").read_bytes() == before
    assert sorted(p.name for p in (tmp_path / "marts").iterdir()) == [
        "LISEZMOI.md",
        "m.csv",
        "m.parquet",
        "masquage.json",
        "observatoire.duckdb",
    ]
