"""Landing, verdicts and promotion on a real DuckDB file."""

import datetime as dt
from pathlib import Path

import pytest
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
    from pipelines.lib.contract.pseudonymisation import WarehouseKeys

    with wh.connect(tmp_path / "w.duckdb") as con:
        wh.ensure_schemas(con)
        wh.check_secret(con, WarehouseKeys(b"a" * 32).fingerprint())
        wh.check_secret(con, WarehouseKeys(b"a" * 32).fingerprint())
        with pytest.raises(wh.SecretChanged, match="reconstruisez l'entrepôt"):
            wh.check_secret(con, WarehouseKeys(b"b" * 32).fingerprint())


def test_a_delivery_duckdb_refuses_to_land_fails_alone(tmp_path: Path, suites_dir: Path) -> None:
    """A frame DuckDB cannot insert (a column the landing table does not have: a real Binder
    error) is registered with ERREUR_INATTENDUE and no rows; the other delivery lands."""
    import polars as pl

    raw = tmp_path / "raw"
    write_delivery(raw, "ase", "09", 2024, valid_ase())
    write_delivery(raw, "ase", "11", 2024, valid_ase())
    reads = [read_delivery(d) for d in discover(raw)]
    odd = reads[1].files["ase_sorties"]
    assert odd.frame is not None
    odd.frame = odd.frame.with_columns(pl.lit("x").alias("colonne_fantome"))
    with wh.connect(tmp_path / "w.duckdb") as con:
        wh.ensure_schemas(con)
        wh.land(con, reads, "r1")
        landed = wh.landed_deliveries(con, "r1", raw)
        per_delivery = con.execute(
            "select _livraison, count(*) from landing.ase_mesures group by 1"
        ).fetchall()
    assert per_delivery == [("ase-09-2024", 2)]  # nothing of ase-11, not even its good files
    verdicts = judge(landed, suites_dir, dt.date(2025, 6, 1))
    assert verdicts["ase-09-2024"].accepted
    [problem] = verdicts["ase-11-2024"].problems
    assert (problem.regle, problem.fichier) == ("ERREUR_INATTENDUE", "ase_sorties.csv")
    assert "BinderException" in problem.message


def test_a_delivery_that_cannot_be_promoted_is_refused_alone(
    tmp_path: Path, suites_dir: Path
) -> None:
    """Judged acceptable, then its landing row turns uncastable (a gap in the gate, simulated
    by writing to the landing table): the all-in-one promotion fails, each delivery is promoted
    on its own, and only that one is refused."""
    raw, db = tmp_path / "raw", tmp_path / "w.duckdb"
    write_delivery(raw, "ase", "09", 2024, valid_ase())
    write_delivery(raw, "ase", "11", 2024, valid_ase())
    reads = [read_delivery(d) for d in discover(raw)]
    with wh.connect(db) as con:
        wh.ensure_schemas(con)
        wh.land(con, reads, "r1")
        verdicts = judge(wh.landed_deliveries(con, "r1", raw), suites_dir, dt.date(2025, 6, 1))
        wh.record_verdicts(con, verdicts)
        con.execute(
            "update landing.ase_mesures set date_debut = 'hier' where _livraison = 'ase-11-2024'"
        )
        promotion = wh.promote(con, "r1")
        statuts = con.execute(
            "select _livraison, statut from audit.livraisons order by 1"
        ).fetchall()
        raw_rows = con.execute(
            "select _livraison, count(*) from raw.ase_mesures group by 1"
        ).fetchall()
        landing = con.execute("select count(*) from landing.ase_mesures").fetchone()
        judged = {j.key: j for j in wh.recorded_verdicts(con, "r1")}
    assert promotion.promoted == ["ase-09-2024"]
    assert list(promotion.failed) == ["ase-11-2024"]
    assert statuts == [("ase-09-2024", "acceptee"), ("ase-11-2024", "refusee")]
    assert raw_rows == [("ase-09-2024", 2)]
    assert landing == (0,)
    assert [p.regle for p in judged["ase-11-2024"].problems] == ["ERREUR_INATTENDUE"]
    assert "promotion" in judged["ase-11-2024"].problems[0].message


def test_previous_open_keys_come_from_the_accepted_raw_rows(
    tmp_path: Path, suites_dir: Path
) -> None:
    raw, db = tmp_path / "raw", tmp_path / "w.duckdb"
    tables = valid_ase(3)
    tables["ase_mesures"][1]["date_fin"] = ""  # M2 still running
    tables["ase_mesures"][1]["motif_fin"] = ""
    write_delivery(raw, "ase", "09", 2023, tables)
    _cycle(raw, db, "r1", suites_dir)
    write_delivery(raw, "ase", "09", 2024, valid_ase())
    year_2024 = [d for d in discover(raw) if d.annee == 2024]
    with wh.connect(db, read_only=True) as con:
        assert wh.previous_open_keys(con, year_2024) == {
            "ase-09-2023": {"ase_mesures": frozenset({"M2"})}
        }
        assert wh.previous_open_keys(con, [d for d in discover(raw) if d.annee == 2023]) == {}


def test_verdicts_and_warnings_are_recorded_for_the_checks(
    tmp_path: Path, suites_dir: Path
) -> None:
    from helpers import valid_hj

    raw, db = tmp_path / "raw", tmp_path / "w.duckdb"
    hj = valid_hj()
    hj["hj_residences"][0]["nb_logements"] = "41"  # more dwellings than places: a warning
    write_delivery(raw, "hj", "46", 2024, hj)
    with wh.connect(db) as con:
        wh.ensure_schemas(con)
        wh.land(con, [read_delivery(d) for d in discover(raw)], "r1")
        verdicts = judge(wh.landed_deliveries(con, "r1", raw), suites_dir, dt.date(2025, 6, 1))
        wh.record_verdicts(con, verdicts)
        [judged] = wh.recorded_verdicts(con, "r1")
    assert judged.statut == "acceptee" and judged.problems == []
    assert [(n.code, n.lignes) for n in judged.warnings] == [("LOGEMENTS_SUPERIEURS_PLACES", [2])]


def test_a_warehouse_of_the_first_release_gains_the_verdict_columns(tmp_path: Path) -> None:
    """And the columns that say what is already done (signature, rules of the verdict)."""
    with wh.connect(tmp_path / "w.duckdb") as con:
        con.execute("create schema audit")
        con.execute(
            "create table audit.livraisons (_livraison varchar primary key, source varchar, "
            "dept varchar, annee integer, producteur varchar, empreinte varchar, "
            "run_id varchar, controle_le timestamp, statut varchar, nb_problemes integer, "
            "problemes_lecture json, fichiers json)"
        )
        wh.ensure_schemas(con)
        columns = [r[0] for r in con.execute("describe audit.livraisons").fetchall()]
    assert columns[-4:] == ["problemes", "avertissements", "signature", "regles"]


def test_a_file_that_failed_reading_leaves_the_others_judged(
    tmp_path: Path, suites_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Fault injection in reading one file (ase_sorties): through the landing area, the other
    files of the delivery are still judged, so the report lists every problem."""
    import pipelines.lib.quality.reading as reading

    real = reading.normalise_column

    def broken(col: str, kind: object) -> object:
        if col == "logement_sortie":
            raise ValueError("bug")
        return real(col, kind)  # type: ignore[arg-type]

    monkeypatch.setattr(reading, "normalise_column", broken)
    raw = tmp_path / "raw"
    tables = valid_ase()
    tables["ase_mesures"][0]["type_mesure"] = "X"
    write_delivery(raw, "ase", "09", 2024, tables)
    with wh.connect(tmp_path / "w.duckdb") as con:
        wh.ensure_schemas(con)
        wh.land(con, [read_delivery(d) for d in discover(raw)], "r1")
        landed = wh.landed_deliveries(con, "r1", raw)
    verdict = judge(landed, suites_dir, dt.date(2025, 6, 1))["ase-09-2024"]
    assert sorted((p.regle, p.fichier) for p in verdict.problems) == [
        ("CODE_HORS_LISTE", "ase_mesures.csv"),
        ("ERREUR_INATTENDUE", "ase_sorties.csv"),
    ]
