"""Landing, verdicts and promotion on a real DuckDB file."""

import datetime as dt
from pathlib import Path

from helpers import valid_ase, write_delivery

from pipelines.lib.contract.deliveries import discover
from pipelines.lib.quality.gate import judge, read_delivery
from pipelines.lib.store import warehouse as wh


def _cycle(raw: Path, db: Path, run_id: str, suites_dir: Path) -> dict[str, str]:
    reads = [read_delivery(d) for d in discover(raw)]
    with wh.connect(db) as con:
        wh.ensure_schemas(con)
        wh.land(con, reads, run_id)
        landed = wh.landed_deliveries(con, run_id, raw)
    verdicts = judge(landed, suites_dir, dt.date(2025, 6, 1))
    with wh.connect(db) as con:
        wh.record_verdicts(con, {k: (v.statut, len(v.problems)) for k, v in verdicts.items()})
        wh.promote(con, run_id)
    return {k: v.statut for k, v in verdicts.items()}


def test_promotion_types_rows_and_keeps_lineage(tmp_path: Path, suites_dir: Path) -> None:
    write_delivery(tmp_path / "raw", "ase", "09", 2024, valid_ase(), encoding="cp1252")
    assert _cycle(tmp_path / "raw", tmp_path / "w.duckdb", "r1", suites_dir) == {
        "ase-09-2024": "acceptee"
    }
    with wh.connect(tmp_path / "w.duckdb", read_only=True) as con:
        rows = con.execute(
            "select id_mesure, date_debut, _livraison, _dept, _annee, _fichier, _ligne "
            "from raw.ase_mesures order by id_mesure"
        ).fetchall()
        mna = con.execute("select distinct mna from raw.ase_jeunes").fetchall()
        landing = con.execute("select count(*) from landing.ase_mesures").fetchone()
    assert rows == [
        ("M1", dt.date(2024, 3, 1), "ase-09-2024", "09", 2024, "ase_mesures.csv", 2),
        ("M2", dt.date(2024, 3, 1), "ase-09-2024", "09", 2024, "ase_mesures.csv", 3),
    ]
    assert mna == [(False,)]
    assert landing == (0,)  # accepted rows leave the landing area


def test_refused_redelivery_keeps_the_accepted_version(tmp_path: Path, suites_dir: Path) -> None:
    raw = tmp_path / "raw"
    write_delivery(raw, "ase", "09", 2024, valid_ase(2))
    _cycle(raw, tmp_path / "w.duckdb", "r1", suites_dir)
    bad = valid_ase(3)
    bad["ase_mesures"][2]["date_debut"] = "hier"
    write_delivery(raw, "ase", "09", 2024, bad)
    assert _cycle(raw, tmp_path / "w.duckdb", "r2", suites_dir) == {"ase-09-2024": "refusee"}
    with wh.connect(tmp_path / "w.duckdb", read_only=True) as con:
        assert con.execute("select count(*) from raw.ase_mesures").fetchone() == (2,)
        assert con.execute("select statut from audit.livraisons").fetchall() == [("refusee",)]
        # nothing of the refused delivery lingers in the landing area
        assert con.execute("select count(*) from landing.ase_mesures").fetchone() == (0,)


def test_accepted_redelivery_replaces_its_partition_only(tmp_path: Path, suites_dir: Path) -> None:
    raw = tmp_path / "raw"
    write_delivery(raw, "ase", "09", 2024, valid_ase(2))
    write_delivery(raw, "ase", "11", 2024, valid_ase(1))
    _cycle(raw, tmp_path / "w.duckdb", "r1", suites_dir)
    write_delivery(raw, "ase", "09", 2024, valid_ase(3))
    _cycle(raw, tmp_path / "w.duckdb", "r2", suites_dir)
    with wh.connect(tmp_path / "w.duckdb", read_only=True) as con:
        counts = con.execute(
            "select _dept, count(*) from raw.ase_mesures group by 1 order by 1"
        ).fetchall()
    assert counts == [("09", 3), ("11", 1)]


def test_a_changed_warehouse_secret_is_refused(tmp_path: Path) -> None:
    import pytest

    from pipelines.lib.contract.pseudonymisation import WarehouseKeys

    with wh.connect(tmp_path / "w.duckdb") as con:
        wh.ensure_schemas(con)
        wh.check_secret(con, WarehouseKeys(b"a" * 32).fingerprint())
        wh.check_secret(con, WarehouseKeys(b"a" * 32).fingerprint())
        with pytest.raises(wh.SecretChanged, match="reconstruisez l'entrepôt"):
            wh.check_secret(con, WarehouseKeys(b"b" * 32).fingerprint())
