"""Dagster operates the observatory: runs recorded in the project's instance, one writer at a
time, a killed run that leaves no mess, platform faults told in French — with real processes
(`observatoire run` as a subprocess, `kill -9`), a real instance, DuckDB and dbt."""

import dataclasses
import datetime as dt
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import dagster as dg
import duckdb
import psutil
import pytest
from helpers import pid, valid_ase, valid_hj, valid_ml, write_delivery

from pipelines.defs.runs import CLI_ORIGIN, JOB_NAME, ORIGIN_TAG, open_instance
from pipelines.lib import writer_lock
from pipelines.lib.settings import DBT_PROJECT_DIR, Settings
from pipelines.runner import EXIT_BUSY, EXIT_FAILED, EXIT_OK, RunSummary, run_pipeline

pytestmark = pytest.mark.integration
CHECK = "2025-06-01"
CLI = [sys.executable, "-m", "pipelines.cli"]
ROOT = Path(__file__).resolve().parents[2]


def _lyon_deliveries(raw: Path) -> None:
    """Department 69 delivered by its two services: 69D (persons 1–2) and 69M (persons 3–5).
    Every person has a young-adult measure from their 18th birthday (2024-03-01) to
    2024-10-31: one exit each, five for department 69."""
    write_delivery(raw, "ase", "69D", 2024, valid_ase(2))
    five = valid_ase(5)
    metropole = {pid(i) for i in (3, 4, 5)}
    write_delivery(
        raw,
        "ase",
        "69M",
        2024,
        {
            "ase_jeunes": [r for r in five["ase_jeunes"] if r["id_jeune"] in metropole],
            "ase_mesures": [r for r in five["ase_mesures"] if r["id_jeune"] in metropole],
        },
    )
    write_delivery(raw, "hj", "46", 2024, valid_hj())
    write_delivery(raw, "ml", "09", 2024, valid_ml())


def _settings(root: Path) -> Settings:
    return Settings(
        raw_dir=root / "raw",
        warehouse=root / "data" / "warehouse.duckdb",
        marts_dir=root / "data" / "marts",
        reports_dir=root / "data" / "reports",
        check_date=dt.date.fromisoformat(CHECK),
        dagster_home=root / "dagster",
    )


def _cli_args(settings: Settings, *extra: str) -> list[str]:
    return [
        *CLI,
        "run",
        "--raw",
        str(settings.raw_dir),
        "--warehouse",
        str(settings.warehouse),
        "--marts",
        str(settings.marts_dir),
        "--reports",
        str(settings.reports_dir),
        "--date-controle",
        CHECK,
        *extra,
    ]


def _env(settings: Settings) -> dict[str, str]:
    return {**os.environ, "DAGSTER_HOME": str(settings.dagster_home)}


def _start(settings: Settings, log: Path, *extra: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        _cli_args(settings, *extra),
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        env=_env(settings),
        cwd=ROOT,
    )


def _run_cli(settings: Settings, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        _cli_args(settings, *extra),
        capture_output=True,
        text=True,
        env=_env(settings),
        cwd=ROOT,
        check=False,
        timeout=600,
    )


def _until(condition: Callable[[], bool], what: str, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"toujours pas après {timeout} s : {what}")
        time.sleep(0.2)


def _digest(folder: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        h.update(str(path.relative_to(folder)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def _dbt_build_children(process: subprocess.Popen[bytes]) -> list[psutil.Process]:
    try:
        children = psutil.Process(process.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []
    found = []
    for child in children:
        try:
            cmdline = " ".join(child.cmdline())
        except psutil.Error:
            continue
        if "dbt" in cmdline and " build" in cmdline:
            found.append(child)
    return found


def _dead(process: psutil.Process) -> bool:
    try:
        return process.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


@pytest.fixture(scope="module")
def first_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, RunSummary]:
    root = tmp_path_factory.mktemp("ops")
    _lyon_deliveries(root / "raw")
    settings = _settings(root)
    messages: list[str] = []
    summary = run_pipeline(settings, say=messages.append)
    assert summary.exit_code == EXIT_OK, messages
    return settings, summary


def test_the_run_is_recorded_in_the_projects_instance(
    first_run: tuple[Settings, RunSummary],
) -> None:
    """What `make dev` shows after `observatoire run`: the run, the partitions of the
    deliveries, the materialisations with their metadata, the checks."""
    settings, summary = first_run
    assert settings.dagster_home is not None
    instance = open_instance(settings.dagster_home)
    runs = instance.get_runs(dg.RunsFilter(job_name=JOB_NAME))
    assert [r.run_id for r in runs] == [summary.run_id]
    (run,) = runs
    assert run.status == dg.DagsterRunStatus.SUCCESS
    assert run.tags[ORIGIN_TAG] == CLI_ORIGIN
    keys = ["ase-69D-2024", "ase-69M-2024", "hj-46-2024", "ml-09-2024"]
    assert sorted(instance.get_dynamic_partitions("livraisons")) == keys
    assert sorted(instance.get_materialized_partitions(dg.AssetKey("livraisons"))) == keys
    for key in (["raw", "ase_mesures"], ["marts", "sorties_ase_synthese"], ["marts_publies"]):
        event = instance.get_latest_materialization_event(dg.AssetKey(key))
        assert event is not None and event.run_id == summary.run_id, key
    landing = instance.get_latest_materialization_event(dg.AssetKey("livraisons"))
    assert landing is not None and landing.asset_materialization is not None
    assert landing.asset_materialization.metadata["livraisons"].value == 4
    gate = instance.event_log_storage.get_latest_asset_check_execution_by_key(
        [dg.AssetCheckKey(dg.AssetKey("verdicts_livraisons"), "livraisons_acceptees")]
    )
    (execution,) = gate.values()
    assert execution.run_id == summary.run_id
    assert execution.status.value == "SUCCEEDED"
    # The runner's own timings: the preparation and each step of the job.
    assert {"préparation", "modélisation dbt (build et tests)"} <= set(summary.step_seconds)


def test_the_two_services_of_department_69_count_as_69(
    first_run: tuple[Settings, RunSummary],
) -> None:
    settings, _summary = first_run
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        exits = con.execute(
            "select dept, nb_sorties from marts.sorties_ase_synthese where annee = 2024"
        ).fetchall()
        services = con.execute(
            "select count(*) from marts.sorties_ase where dept in ('69D', '69M')"
        ).fetchone()
    assert exits == [("69", 5)]
    assert services == (0,)


def test_one_writer_at_a_time_and_a_killed_run_leaves_no_mess(
    first_run: tuple[Settings, RunSummary], tmp_path: Path
) -> None:
    """Three `observatoire run` at once: the first writes, the second stops at once, the third
    waits. The first is killed (`kill -9`) while dbt writes: dbt dies with it, the published
    marts stay as they were, and the third run takes over, marks the killed run as failed and
    completes, while an analyst keeps reading the published database."""
    settings, _summary = first_run
    resolved = settings.resolved()
    assert resolved.dagster_home is not None
    published = resolved.marts_dir / "observatoire.duckdb"
    before = _digest(resolved.marts_dir)
    analyst = duckdb.connect(str(published), read_only=True)

    def analyst_reads() -> None:
        assert analyst.execute("select count(*) from sorties_ase_synthese").fetchone() == (1,)

    # --recontroler: the deliveries are already judged, and a run with nothing new would end
    # before anyone could start alongside it
    writing = _start(settings, tmp_path / "premier.log", "--recontroler")
    _until(
        lambda: writer_lock.read_holder(resolved.writer_lock).pid == writing.pid,
        "le premier run a pris le verrou de l'entrepôt",
    )
    busy = _run_cli(settings)
    assert busy.returncode == EXIT_BUSY, busy.stdout + busy.stderr
    assert "en cours d'écriture par un run lancé par observatoire run" in busy.stdout
    assert f"processus {writing.pid}" in busy.stdout
    assert "Traceback" not in busy.stdout + busy.stderr
    third_log = tmp_path / "troisieme.log"
    waiting = _start(settings, third_log, "--attendre", "--seuil", "5")
    _until(lambda: "attente de sa fin" in third_log.read_text(), "le troisième run attend")
    analyst_reads()

    _until(lambda: bool(_dbt_build_children(writing)), "dbt build du premier run")
    dbt = _dbt_build_children(writing)
    writing.kill()
    writing.wait()
    for child in dbt:
        _until(lambda child=child: _dead(child), f"dbt ({child.pid}) s'arrête", timeout=10)
    assert _digest(resolved.marts_dir) == before  # the published marts are intact
    analyst_reads()

    assert waiting.wait(timeout=900) == EXIT_OK, third_log.read_text()
    log = third_log.read_text()
    assert "marqué en échec" in log and "Traceback" not in log
    masking = json.loads((resolved.marts_dir / "masquage.json").read_text(encoding="utf-8"))
    assert masking["seuil"] == 5  # the command line's threshold reached the publication
    analyst_reads()  # published meanwhile: the open connection still reads the old file
    analyst.close()
    instance = open_instance(resolved.dagster_home)
    # the third run had no delivery to judge (the killed run had judged them all again): it
    # rebuilt the models and published with its threshold (job `observatoire_publication`)
    statuses = {
        r.tags.get("observatoire/processus", "").split(":")[1]: r.status
        for r in instance.get_runs()
        if r.tags.get("observatoire/processus")
    }
    assert statuses[str(writing.pid)] == dg.DagsterRunStatus.FAILURE
    assert statuses[str(waiting.pid)] == dg.DagsterRunStatus.SUCCESS


def test_a_bug_in_a_model_ends_in_french_and_publishes_nothing(
    first_run: tuple[Settings, RunSummary], tmp_path: Path
) -> None:
    """A copy of the dbt project (`dbt_project_dir`) with one more model, which reads a
    column that does not exist."""
    settings, _summary = first_run
    project = tmp_path / "dbt_project"
    shutil.copytree(DBT_PROJECT_DIR, project, ignore=shutil.ignore_patterns("logs"))
    (project / "models" / "intermediate" / "ase" / "int_modele_fautif.sql").write_text(
        "select colonne_absente from {{ ref('stg_ase__mesures') }}\n", encoding="utf-8"
    )
    before = _digest(settings.resolved().marts_dir)
    messages: list[str] = []
    summary = run_pipeline(
        dataclasses.replace(settings, dbt_project_dir=project), say=messages.append
    )
    assert summary.exit_code == EXIT_FAILED
    (error,) = summary.errors
    assert error.startswith("dbt a échoué sur 1 nœud(s) : modèle int_modele_fautif")
    assert "colonne_absente" in error
    assert "la publication précédente reste en place" in error
    assert any("int_modele_fautif" in m and m.startswith("✗") for m in messages)
    assert _digest(settings.resolved().marts_dir) == before


@pytest.fixture
def small(tmp_path: Path) -> Settings:
    raw = tmp_path / "raw"
    write_delivery(raw, "ase", "09", 2024, valid_ase())
    return _settings(tmp_path)


def _assert_french_failure(result: subprocess.CompletedProcess[str], *expected: str) -> None:
    output = result.stdout + result.stderr
    assert result.returncode == EXIT_FAILED, output
    assert "Traceback" not in output
    for text in expected:
        assert text in result.stdout, output
    assert "Échec du pipeline (code de sortie 1)." in result.stdout


def test_an_unreadable_warehouse(small: Settings) -> None:
    small.warehouse.parent.mkdir(parents=True)
    small.warehouse.write_bytes(b"ceci n'est pas un entrepot DuckDB\n" * 1000)
    _assert_french_failure(_run_cli(small), "est illisible", "supprimez-le et relancez")


def test_a_warehouse_held_open_by_another_program(small: Settings) -> None:
    small.warehouse.parent.mkdir(parents=True)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; con = duckdb.connect(sys.argv[1]);"
            "print('ouvert', flush=True); time.sleep(120)",
            str(small.warehouse),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ouvert"
        _assert_french_failure(
            _run_cli(small), "est ouvert par un autre programme", f"processus {holder.pid}"
        )
    finally:
        holder.kill()
        holder.wait()


def test_a_full_disk(small: Settings) -> None:
    """The warehouse on a 300 kB file system (a private tmpfs, in a user namespace)."""
    unshare = shutil.which("unshare")
    if unshare is None:
        pytest.skip("unshare absent")
    folder = small.warehouse.parent
    folder.mkdir(parents=True)
    probe = subprocess.run(
        [unshare, "--user", "--map-root-user", "--mount", "true"], capture_output=True, check=False
    )
    if probe.returncode != 0:
        pytest.skip("espaces de noms utilisateur indisponibles")
    command = " ".join(f"'{a}'" for a in _cli_args(small))
    result = subprocess.run(
        [
            unshare,
            "--user",
            "--map-root-user",
            "--mount",
            "sh",
            "-c",
            f"mount -t tmpfs -o size=300k tmpfs '{folder}' && exec {command}",
        ],
        capture_output=True,
        text=True,
        env=_env(small),
        cwd=ROOT,
        check=False,
        timeout=600,
    )
    _assert_french_failure(result, "Plus de place sur le disque", "Libérez de l'espace")


def test_kill_stops_a_run_as_ctrl_c_does(small: Settings, tmp_path: Path) -> None:
    """`kill` (SIGTERM) while dbt writes: dbt is stopped, the run ends in French with code 130,
    and the instance records that it did not complete."""
    log = tmp_path / "run.log"
    running = _start(small, log)
    _until(lambda: bool(_dbt_build_children(running)), "dbt build du run")
    dbt = _dbt_build_children(running)
    running.terminate()
    assert running.wait(timeout=120) == 130, log.read_text()
    output = log.read_text()
    assert "Run interrompu à la demande" in output and "Traceback" not in output
    for child in dbt:
        _until(lambda child=child: _dead(child), f"dbt ({child.pid}) s'arrête", timeout=10)
    assert small.dagster_home is not None
    (run,) = open_instance(small.dagster_home).get_runs()
    assert run.status in (dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.CANCELED)
