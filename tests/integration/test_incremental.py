"""Only what changed is processed, and the result is the same as a run from scratch.

Small hand deliveries go through three runs on one warehouse — a first run, a delivery added, a
delivery re-delivered with other content — with a run with nothing new in between; the last
publication and the warehouse's marts must equal those of one run from scratch on the same
deliveries (same warehouse secret: the same pseudonyms)."""

import datetime as dt
import hashlib
import os
import shutil
from pathlib import Path

import duckdb
import polars as pl
import pytest
from helpers import valid_ase, valid_hj, valid_ml, write_delivery

from pipelines.lib.publication.declarations import project_declarations
from pipelines.lib.settings import DBT_PROJECT_DIR, Settings
from pipelines.lib.store.incremental import PUBLICATION_STAMP
from pipelines.runner import EXIT_OK, EXIT_REFUSED, RunSummary, run_pipeline

pytestmark = pytest.mark.integration
MARTS = project_declarations(DBT_PROJECT_DIR).names
CHECK = dt.date(2025, 6, 1)
# Files whose content says when they were made, not what from (the analysts' database is
# compared through the warehouse's marts; the map and the workbook by their contents).
_DATED = {"livraisons.csv", "LISEZMOI.md", "observatoire.duckdb", PUBLICATION_STAMP}


def _gpkg_layers(path: Path) -> dict[str, list[tuple[object, ...]]]:
    import pyogrio

    out = {}
    for name, _kind in pyogrio.list_layers(path):
        frame = pyogrio.read_dataframe(path, layer=str(name))
        frame = frame.drop(columns=["update_time"], errors="ignore")  # when the styles were saved
        out[str(name)] = sorted(map(tuple, frame.astype(str).itertuples(index=False)))
    return out


def _workbook(path: Path) -> dict[str, list[tuple[object, ...]]]:
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True)
    return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in book.worksheets}


def _settings(root: Path, raw: Path, secret: Path) -> Settings:
    return Settings(
        raw_dir=raw,
        warehouse=root / "w.duckdb",
        marts_dir=root / "marts",
        reports_dir=root / "reports",
        check_date=CHECK,
        warehouse_secret=secret,
        dagster_home=root / ".dagster",
    )


def _run(settings: Settings) -> tuple[RunSummary, list[str]]:
    messages: list[str] = []
    return run_pipeline(settings, say=messages.append), messages


def _digests(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _warehouse_marts(settings: Settings) -> dict[str, list[tuple[object, ...]]]:
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        names = [
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables where table_schema = 'marts' "
                "order by 1"
            ).fetchall()
        ]
        return {n: con.execute(f"select * from marts.{n} order by all").fetchall() for n in names}


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    root = tmp_path_factory.mktemp("incremental")
    secret = root / "entrepot.secret"
    secret.write_text("secret-de-test-incremental-" + "0" * 32 + "\n", encoding="utf-8")
    raw = root / "raw"
    write_delivery(raw, "ase", "09", 2024, valid_ase())
    write_delivery(raw, "hj", "46", 2024, valid_hj())
    settings = _settings(root / "suivi", raw, secret)
    out: dict[str, object] = {"settings": settings, "raw": raw, "secret": secret}
    out["first"] = _run(settings)
    link = os.readlink(settings.marts_dir)
    published = _digests(settings.marts_dir)
    out["quiet"] = _run(settings)
    out["quiet_link"] = (link, os.readlink(settings.marts_dir))
    out["quiet_bytes"] = (published, _digests(settings.marts_dir))
    write_delivery(raw, "ml", "09", 2024, valid_ml())  # a new delivery
    out["added"] = _run(settings)
    write_delivery(raw, "ase", "09", 2024, valid_ase(n_persons=3))  # a re-delivery, changed
    out["changed"] = _run(settings)
    out["scratch_settings"] = scratch = _settings(root / "zero", raw, secret)
    out["scratch"] = _run(scratch)
    return out


def test_a_first_run_judges_everything(runs: dict[str, object]) -> None:
    summary, _messages = runs["first"]  # type: ignore[misc]
    assert summary.exit_code == EXIT_OK
    assert summary.accepted == ["ase-09-2024", "hj-46-2024"]
    assert summary.published


def test_a_run_with_nothing_new_does_nothing_but_say_so(runs: dict[str, object]) -> None:
    summary, messages = runs["quiet"]  # type: ignore[misc]
    assert summary.exit_code == EXIT_OK and summary.nothing_new
    assert summary.run_id is None  # no Dagster run, no dbt
    assert summary.accepted == [] and summary.unchanged_accepted == ["ase-09-2024", "hj-46-2024"]
    assert not summary.published
    assert any(m.startswith("Rien de nouveau") for m in messages)
    before, after = runs["quiet_link"]  # type: ignore[misc]
    assert before == after  # the same publication, not a copy of it
    before_bytes, after_bytes = runs["quiet_bytes"]  # type: ignore[misc]
    assert before_bytes == after_bytes


def test_a_new_delivery_is_the_only_one_read(runs: dict[str, object]) -> None:
    summary, messages = runs["added"]  # type: ignore[misc]
    assert summary.exit_code == EXIT_OK and summary.published
    assert summary.accepted == ["ml-09-2024"]
    assert summary.unchanged_accepted == ["ase-09-2024", "hj-46-2024"]
    assert "1 livraison(s) à lire et contrôler (1 nouvelle(s))." in messages


def test_a_changed_redelivery_is_judged_again(runs: dict[str, object]) -> None:
    summary, messages = runs["changed"]  # type: ignore[misc]
    assert summary.exit_code == EXIT_OK
    assert summary.accepted == ["ase-09-2024"]
    assert "1 livraison(s) à lire et contrôler (1 modifiée(s) depuis leur contrôle)." in messages


def test_the_result_equals_a_run_from_scratch(runs: dict[str, object]) -> None:
    settings: Settings = runs["settings"]  # type: ignore[assignment]
    scratch: Settings = runs["scratch_settings"]  # type: ignore[assignment]
    summary, _messages = runs["scratch"]  # type: ignore[misc]
    assert summary.accepted == ["ase-09-2024", "hj-46-2024", "ml-09-2024"]
    # the marts reflect the re-delivery: 3 young adults in 2024 in the Ariège
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        assert con.execute(
            "select nb_jeunes_majeurs_accompagnes from marts.bilan_odpe "
            "where annee = 2024 and dept = '09'"
        ).fetchone() == (3,)
    assert _warehouse_marts(settings) == _warehouse_marts(scratch)
    ours, theirs = _digests(settings.marts_dir), _digests(scratch.marts_dir)
    assert ours.keys() == theirs.keys()
    for name in ours:
        if name.endswith(".parquet"):
            assert pl.read_parquet(settings.marts_dir / name).equals(
                pl.read_parquet(scratch.marts_dir / name)
            ), name
        elif name.endswith(".gpkg"):
            assert _gpkg_layers(settings.marts_dir / name) == _gpkg_layers(scratch.marts_dir / name)
        elif name.endswith(".xlsx"):
            assert _workbook(settings.marts_dir / name) == _workbook(scratch.marts_dir / name)
        elif Path(name).name not in _DATED and not name.endswith(".pdf"):  # PDFs: their date
            assert ours[name] == theirs[name], name
    for mart in MARTS:
        assert (settings.marts_dir / f"{mart}.parquet").exists()


def test_a_refused_delivery_stays_refused_without_being_read_again(
    runs: dict[str, object], tmp_path: Path
) -> None:
    settings: Settings = runs["settings"]  # type: ignore[assignment]
    raw = tmp_path / "raw"
    shutil.copytree(runs["raw"], raw)  # type: ignore[arg-type]
    bad = valid_hj()
    bad["hj_conventions"][0]["financeur"] = "MECENE"  # not a code of the list
    write_delivery(raw, "hj", "46", 2024, bad)
    again = Settings(**{**settings.__dict__, "raw_dir": raw})
    refused, _messages = _run(again)
    assert refused.exit_code == EXIT_REFUSED and refused.refused == ["hj-46-2024"]
    still, _messages = _run(again)
    assert still.exit_code == EXIT_REFUSED and still.nothing_new
    assert still.unchanged_refused == ["hj-46-2024"] and still.refused == []
