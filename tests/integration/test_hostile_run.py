"""Acceptance of issue 10, through the real chain (Dagster, DuckDB, Great Expectations, dbt):
a run over valid deliveries plus hostile ones exits 3, refuses each hostile delivery with a
report, and publishes exactly what a run without them publishes; `observatoire check` answers
every hostile input in French with exit code 1, never a traceback. And the warning
ENREGISTREMENT_DISPARU through real two-year runs (the previous year from the warehouse, and
from the same run)."""

import datetime as dt
import gzip
import json
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from helpers import pid, valid_hj, valid_ml, write_delivery, write_table

from pipelines.lib.settings import Settings
from pipelines.runner import EXIT_OK, EXIT_REFUSED, RunSummary, run_pipeline

pytestmark = pytest.mark.integration
CHECK = dt.date(2025, 6, 1)
CLI = [sys.executable, "-m", "pipelines.cli"]


def _mesure(i: str, who: int, start: str, end: str = "") -> dict[str, object]:
    return {
        "id_mesure": i,
        "id_jeune": pid(who),
        "type_mesure": "CJM",
        "mode_accueil": "LOGEMENT_AUTONOME",
        "date_debut": start,
        "date_fin": end,
        "motif_fin": "FIN_CONTRAT_JEUNE_MAJEUR" if end else "",
    }


JEUNES = [
    {"id_jeune": pid(n), "sexe": "F", "annee_mois_naissance": "2005-06", "mna": "0"}
    for n in (1, 2, 3)
]
# 2023: three measures without end. 2024 no longer holds M3: it has disappeared.
ASE_2023 = {
    "ase_jeunes": JEUNES,
    "ase_mesures": [
        _mesure("M1", 1, "2023-07-01"),
        _mesure("M2", 2, "2023-08-01"),
        _mesure("M3", 3, "2023-09-01"),
    ],
}
ASE_2024 = {
    "ase_jeunes": JEUNES[:2],
    "ase_mesures": [_mesure("M1", 1, "2023-07-01", "2024-06-30"), _mesure("M2", 2, "2023-08-01")],
}


def _valid(raw: Path, with_2024: bool = True) -> None:
    write_delivery(raw, "ase", "09", 2023, ASE_2023)
    if with_2024:
        write_delivery(raw, "ase", "09", 2024, ASE_2024, encoding="cp1252")
    write_delivery(raw, "hj", "46", 2024, valid_hj())
    write_delivery(raw, "ml", "09", 2024, valid_ml())


def _settings(root: Path, raw: Path) -> Settings:
    return Settings(
        raw_dir=raw,
        warehouse=root / "w.duckdb",
        marts_dir=root / "marts",
        reports_dir=root / "reports",
        check_date=CHECK,
    )


def _hostile(raw: Path, outside: Path) -> dict[str, tuple[str, str]]:
    """Hostile deliveries, each its own partition; returns key → (file, expected rule)."""
    ase = {"ase_jeunes": JEUNES, "ase_mesures": [_mesure("M1", 1, "2024-01-01")]}
    folder = raw / "ase" / "11" / "2024"
    expected = {}

    def producer(code: str, table: str, rule: str) -> Path:
        for name, rows in ase.items():
            write_table(folder, name, rows, producteur=code)
        expected[f"ase-11-2024-{code}"] = (f"{table}__{code}.csv", rule)
        return folder / f"{table}__{code}.csv"

    # the case: one value of 50 MB (a line no export ever has)
    producer("P1", "ase_jeunes", "LIGNE_TROP_LONGUE").write_text(
        "id_jeune;sexe;annee_mois_naissance;mna;date_premiere_prise_en_charge\n"
        + f"{pid(1)};F;2005-06;0;{'x' * 50 * 2**20}\n"
    )
    secret = outside / "ailleurs.csv"
    secret.write_text("id_jeune;sexe\nCANARI-NON-LU;F\n")
    link = producer("P2", "ase_mesures", "FICHIER_NON_REGULIER")
    link.unlink()
    link.symlink_to(secret)
    pipe = producer("P3", "ase_mesures", "FICHIER_NON_REGULIER")
    pipe.unlink()
    os.mkfifo(pipe)
    packed = producer("P4", "ase_jeunes", "FICHIER_ILLISIBLE")
    packed.write_bytes(gzip.compress(packed.read_bytes()))
    with producer("P5", "ase_mesures", "FICHIER_TROP_VOLUMINEUX").open("wb") as handle:
        handle.truncate(300 * 2**20)  # sparse: refused on its size, never read
    wide = producer("P6", "ase_mesures", "COLONNES_TROP_NOMBREUSES")
    wide.write_text(";".join(f"c{i}" for i in range(150)) + "\n")
    utf16 = producer("P7", "ase_jeunes", "FICHIER_ILLISIBLE")
    utf16.write_bytes(utf16.read_text().encode("utf-16"))
    quote = producer("P8", "ase_mesures", "LIGNE_MAL_FORMEE")
    quote.write_text(quote.read_text().replace("M1;", '"M1;') + "\n".join(["M9;x;y"] * 3) + "\n")
    # values that used to crash the gate, or the promotion, of every delivery
    bad_date = {
        "ase_jeunes": JEUNES,
        "ase_mesures": [_mesure("M1", 1, "2024-01-01", "31/12/9999")],
    }
    write_delivery(raw, "ase", "12", 2024, bad_date)
    expected["ase-12-2024"] = ("ase_mesures.csv", "DATE_HORS_PERIODE")
    overflow = valid_hj()
    overflow["hj_residences"][0]["capacite_places"] = "99999999999"
    write_delivery(raw, "hj", "31", 2024, overflow)
    expected["hj-31-2024"] = ("hj_residences.csv", "ENTIER_INVALIDE")
    # a delivery folder that is a link to a folder outside the deliveries
    elsewhere = write_delivery(outside, "ase", "30", 2024, ase)
    (raw / "ase" / "30").mkdir()
    (raw / "ase" / "30" / "2024").symlink_to(elsewhere, target_is_directory=True)
    expected["ase-30-2024"] = ("ase_jeunes.csv", "FICHIER_NON_REGULIER")
    return expected


def _published(settings: Settings) -> dict[str, pl.DataFrame]:
    return {p.name: pl.read_parquet(p) for p in sorted(settings.marts_dir.glob("*.parquet"))}


def _report(settings: Settings, key: str) -> dict[str, Any]:
    path = settings.reports_dir / "livraisons" / f"{key.replace('-', '_')}.json"
    result: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return result


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Run A: 2023 alone, then 2024 added (two runs on one warehouse). Run B: a fresh warehouse
    with the same valid deliveries and the hostile ones."""
    root = tmp_path_factory.mktemp("hostile")
    raw_a = root / "a" / "raw"
    _valid(raw_a, with_2024=False)
    settings_a = _settings(root / "a", raw_a)
    first = run_pipeline(settings_a, say=lambda _m: None)
    write_delivery(raw_a, "ase", "09", 2024, ASE_2024, encoding="cp1252")
    messages_a: list[str] = []
    second = run_pipeline(settings_a, say=messages_a.append)
    raw_b, outside = root / "b" / "raw", root / "outside"
    outside.mkdir()
    _valid(raw_b)
    expected = _hostile(raw_b, outside)
    settings_b = _settings(root / "b", raw_b)
    messages_b: list[str] = []
    hostile = run_pipeline(settings_b, say=messages_b.append)
    return {
        "first": first,
        "a": (settings_a, second, messages_a),
        "b": (settings_b, hostile, messages_b),
        "expected": expected,
        "root": root,
    }


def test_the_run_with_hostile_deliveries_refuses_each_and_publishes_the_same(
    runs: dict[str, Any],
) -> None:
    settings_a, clean, messages_a = runs["a"]
    settings_b, hostile, messages_b = runs["b"]
    assert runs["first"].exit_code == EXIT_OK
    assert clean.exit_code == EXIT_OK, messages_a
    assert hostile.exit_code == EXIT_REFUSED, messages_b
    assert isinstance(hostile, RunSummary) and hostile.published
    assert sorted(hostile.refused) == sorted(runs["expected"])
    # run A's second run read 2024 only (the rest was judged by its first run, unchanged)
    assert clean.accepted == ["ase-09-2024"]
    assert sorted(hostile.accepted) == sorted([*clean.accepted, *clean.unchanged_accepted])
    for key, (fichier, rule) in runs["expected"].items():
        report = _report(settings_b, key)
        assert report["statut"] == "refusee", key
        assert (fichier, rule) in {(p["fichier"], p["regle"]) for p in report["problemes"]}, (
            key,
            report["problemes"],
        )
    published_a, published_b = _published(settings_a), _published(settings_b)
    assert published_a.keys() == published_b.keys() and published_a
    for name, frame in published_a.items():
        assert frame.equals(published_b[name]), name
    reports = "".join(p.read_text() for p in (settings_b.reports_dir / "livraisons").glob("*"))
    assert "CANARI-NON-LU" not in reports and "xxxxxxxxxx" not in reports
    assert not any("Traceback" in m for m in messages_b)


def test_records_gone_from_the_next_extract_are_told_from_the_warehouse_and_the_run(
    runs: dict[str, Any],
) -> None:
    """A: 2024 arrives in a second run — 2023's open records come from raw. B: both years in
    one run — from the 2023 delivery accepted in that run. Both say: one record is gone."""
    for name in ("a", "b"):
        settings = runs[name][0]
        report = _report(settings, "ase-09-2024")
        assert report["statut"] == "acceptee"
        assert [
            (a["code"], a["fichier"], a["colonne"], a["nb"]) for a in report["avertissements"]
        ] == [("ENREGISTREMENT_DISPARU", "ase_mesures.csv", "id_mesure", 1)], name
        markdown = (settings.reports_dir / "livraisons" / "ase_09_2024.md").read_text()
        assert "Livraison acceptée avec 1 avertissement(s)" in markdown
        assert "M3" not in markdown
        assert _report(settings, "ase-09-2023")["avertissements"] == []


def test_the_checks_only_read_the_verdicts(runs: dict[str, Any]) -> None:
    """Re-running the asset checks alone (as from the UI) judges nothing again and writes
    nothing: reports and the audit table are untouched, and the results are the same."""
    import dagster as dg
    import duckdb

    from pipelines.definitions import build_definitions
    from pipelines.defs.ingestion.partitions import livraisons_partitions
    from pipelines.defs.quality.checks import controle_livraisons

    settings = runs["a"][0].resolved()
    verdicts = dg.AssetKey("verdicts_livraisons")
    defs = dg.Definitions.merge(
        build_definitions(settings),
        dg.Definitions(
            jobs=[
                dg.define_asset_job("gate", dg.AssetSelection.assets("livraisons", verdicts)),
                dg.define_asset_job("checks_only", dg.AssetSelection.checks_for_assets(verdicts)),
            ]
        ),
    )
    instance = dg.DagsterInstance.ephemeral(settings={"telemetry": {"enabled": False}})
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        keys = [
            r[0]
            for r in con.execute("select _livraison from audit.livraisons order by 1").fetchall()
        ]
    instance.add_dynamic_partitions(livraisons_partitions.name or "livraisons", keys)
    # the gate's verdicts materialised once in this instance, as `observatoire run` does
    gate = defs.resolve_job_def("gate").execute_in_process(
        instance=instance,
        tags={
            "dagster/asset_partition_range_start": keys[0],
            "dagster/asset_partition_range_end": keys[-1],
        },
        raise_on_error=False,
    )
    assert gate.success
    folder = settings.reports_dir / "livraisons"
    before = {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in folder.iterdir()}
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        audit = con.execute("select * from audit.livraisons order by 1").fetchall()
    checks = defs.resolve_job_def("checks_only").execute_in_process(
        instance=instance, raise_on_error=False
    )
    evaluations = [
        e.event_specific_data
        for e in checks.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION"
    ]
    results = {e.check_name: e.passed for e in evaluations}  # type: ignore[union-attr]
    assert len(results) == len(list(controle_livraisons.check_keys))
    assert results["livraisons_acceptees"] is True
    assert {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in folder.iterdir()} == before
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        assert con.execute("select * from audit.livraisons order by 1").fetchall() == audit


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, check=False)


def test_check_answers_every_hostile_delivery_in_french(runs: dict[str, Any]) -> None:
    raw_b = runs["b"][0].raw_dir
    result = _cli("check", str(raw_b / "ase" / "11" / "2024"), "--date-controle", "2025-06-01")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert result.stdout.count("**Livraison refusée**") == 8
    for rule in ("LIGNE_TROP_LONGUE", "FICHIER_NON_REGULIER", "FICHIER_TROP_VOLUMINEUX"):
        assert f"`{rule}`" in result.stdout
    assert "CANARI-NON-LU" not in result.stdout
    for folder in ("ase/12/2024", "hj/31/2024"):
        result = _cli("check", str(raw_b / folder), "--date-controle", "2025-06-01")
        assert result.returncode == 1 and "**Livraison refusée**" in result.stdout, folder
        assert "Traceback" not in result.stdout + result.stderr


def test_check_compares_with_the_sibling_folder_of_the_year_before(runs: dict[str, Any]) -> None:
    raw_a = runs["a"][0].raw_dir
    result = _cli("check", str(raw_a / "ase" / "09" / "2024"), "--date-controle", "2025-06-01")
    assert result.returncode == 0, result.stdout
    assert "Extrait de l'année précédente comparé" in result.stdout
    assert "Livraison acceptée avec 1 avertissement(s)" in result.stdout
    assert "`ENREGISTREMENT_DISPARU`" in result.stdout


def test_check_answers_a_path_that_is_no_delivery(tmp_path: Path) -> None:
    missing = _cli("check", str(tmp_path / "ase" / "09" / "2024"))
    assert (missing.returncode, "n'existe pas" in missing.stdout) == (1, True)
    a_file = write_table(tmp_path / "ase" / "09" / "2024", "ase_jeunes", JEUNES)
    not_folder = _cli("check", str(a_file))
    assert (not_folder.returncode, "n'est pas un dossier" in not_folder.stdout) == (1, True)
    for result in (missing, not_folder):
        assert "Traceback" not in result.stdout + result.stderr


def _as_nobody(work: Callable[[], Any]) -> Any:
    """Run `work` in a child process without the rights of root (when the tests run as root,
    which permissions do not stop), and return its result and what it printed."""
    read_end, write_end = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child
        os.close(read_end)
        try:
            if os.geteuid() == 0:
                os.setgroups([])
                os.setgid(65534)
                os.setuid(65534)
            import contextlib
            import io

            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                value = work()
            payload = pickle.dumps((value, out.getvalue()))
        except BaseException as exc:
            payload = pickle.dumps((f"exception {type(exc).__name__}: {exc}", ""))
        with os.fdopen(write_end, "wb") as pipe:
            pipe.write(payload)
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        data = pipe.read()
    os.waitpid(child, 0)
    return pickle.loads(data)


def test_check_answers_permission_denied() -> None:
    """A folder that cannot be listed, and a file that cannot be opened."""
    import great_expectations  # noqa: F401  # imported before dropping rights

    from pipelines.cli import main
    from pipelines.lib.quality import gate, notices, reports  # noqa: F401

    root = Path(tempfile.mkdtemp(prefix="observatoire-droits-"))
    try:
        root.chmod(0o755)
        locked = write_delivery(root, "ase", "09", 2024, {"ase_jeunes": JEUNES})
        for parent in (root / "ase", root / "ase" / "09"):
            parent.chmod(0o755)
        locked.chmod(0o000)
        code, printed = _as_nobody(lambda: main(["check", str(locked)]))
        assert code == 1, printed
        assert "ne peut pas être lu : droits d'accès insuffisants" in printed
        locked.chmod(0o755)
        for path in locked.iterdir():
            path.chmod(0o000)
        code, printed = _as_nobody(
            lambda: main(["check", str(locked), "--date-controle", "2025-06-01"])
        )
        assert code == 1, printed
        assert "`FICHIER_ILLISIBLE`" in printed and "droits d'accès insuffisants" in printed
    finally:
        for path in [root, *root.rglob("*")]:
            path.chmod(0o755)
        shutil.rmtree(root)
