"""The project's Dagster instance, and runs whose process died."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import pytest

from pipelines.defs.event_storage import ObservatoireEventLogStorage
from pipelines.defs.runs import (
    PROCESS_TAG,
    WRITER_TAG,
    open_instance,
    process_alive,
    process_identity,
    reap_stale_runs,
)


def _dead_process_identity() -> str:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    identity = process_identity(child.pid)
    child.kill()
    child.wait()
    return identity


def test_a_new_home_gets_the_projects_instance_settings(tmp_path: Path) -> None:
    instance = open_instance(tmp_path / "home")
    config = (tmp_path / "home" / "dagster.yaml").read_text(encoding="utf-8")
    assert "enabled: false" in config  # telemetry
    assert "observatoire/entrepot" in config  # one writer run at a time
    limits = instance.get_concurrency_config().run_queue_config
    assert limits is not None
    assert limits.tag_concurrency_limits == [{"key": WRITER_TAG, "limit": 1}]
    assert instance.is_persistent


def test_an_existing_home_keeps_its_own_settings(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n", encoding="utf-8")
    open_instance(home)
    assert "observatoire" not in (home / "dagster.yaml").read_text(encoding="utf-8")


def test_process_identity_tells_a_live_process_from_a_dead_or_reused_one() -> None:
    assert process_alive(process_identity()) is True
    assert process_alive(_dead_process_identity()) is False
    host, pid, _started = process_identity().rsplit(":", 2)
    assert process_alive(f"{host}:{pid}:12.00") is False  # same pid, another start: reused
    assert process_alive(f"autre-machine:{pid}:12.00") is None  # cannot be checked from here


# A writer run of the job `observatoire`, recorded in the instance at argv[1] by a process of its
# own, which touches argv[2] once the run has started and then works (sleeps) for two minutes.
_WRITER_RUN = """
import sys, time
from pathlib import Path
import dagster as dg
from pipelines.defs.runs import JOB_NAME, PROCESS_TAG, WRITER_TAG, WRITER_TAG_VALUE
from pipelines.defs.runs import open_instance, process_identity

home, started = Path(sys.argv[1]), Path(sys.argv[2])

@dg.op
def work() -> None:
    started.touch()
    time.sleep(120)

@dg.job(name=JOB_NAME, tags={WRITER_TAG: WRITER_TAG_VALUE})
def observatoire() -> None:
    work()

instance = open_instance(home)
observatoire.execute_in_process(instance=instance, tags={PROCESS_TAG: process_identity()})
"""


def _start_writer_runs(home: Path, count: int) -> list[subprocess.Popen[bytes]]:
    markers = [home.parent / f"started-{n}" for n in range(count)]
    children = [
        subprocess.Popen([sys.executable, "-c", _WRITER_RUN, str(home), str(marker)])
        for marker in markers
    ]
    deadline = time.monotonic() + 120
    while not all(m.exists() for m in markers):
        if time.monotonic() > deadline or any(c.poll() is not None for c in children):
            for child in children:
                child.kill()
            pytest.fail("the writer runs did not start")
        time.sleep(0.2)
    return children


def _run_of(instance: dg.DagsterInstance, pid: int) -> dg.DagsterRun:
    (run,) = [
        r.dagster_run
        for r in instance.get_run_records()
        if r.dagster_run.tags[PROCESS_TAG].split(":")[1] == str(pid)
    ]
    return run


def test_runs_whose_process_died_are_marked_failed(tmp_path: Path) -> None:
    """Two writer runs in progress, each in its own process; one process is killed (`kill -9`):
    its run, still marked as started, is marked failed; the other one is left alone."""
    home = tmp_path / "home"
    open_instance(home)  # the instance's databases exist before the two processes share them
    killed, alive = _start_writer_runs(home, 2)
    try:
        os.kill(killed.pid, signal.SIGKILL)
        killed.wait()
        instance = open_instance(home)
        dead_run, live_run = _run_of(instance, killed.pid), _run_of(instance, alive.pid)
        assert dead_run.status == live_run.status == dg.DagsterRunStatus.STARTED
        said: list[str] = []
        assert reap_stale_runs(instance, said.append) == [dead_run.run_id]
        reaped = instance.get_run_by_id(dead_run.run_id)
        assert reaped is not None and reaped.status == dg.DagsterRunStatus.FAILURE
        still = instance.get_run_by_id(live_run.run_id)
        assert still is not None and still.status == dg.DagsterRunStatus.STARTED
        failure = instance.all_logs(dead_run.run_id, of_type=dg.DagsterEventType.RUN_FAILURE)
        assert "s'est arrêté sans le terminer" in (failure[0].message or "")
        assert said == [
            f"Run interrompu {dead_run.run_id[:8]} (processus {killed.pid} disparu) marqué en "
            "échec."
        ]
        # The run that found it reaped does not reap itself, nor again the same run.
        assert reap_stale_runs(instance, said.append, current_run_id=live_run.run_id) == []
    finally:
        alive.kill()
        alive.wait()


def _stock_instance(home: Path) -> dg.DagsterInstance:
    """The instance at `home` as Dagster's stock storage reads it (no `event_log_storage`)."""
    config = home / "dagster.yaml"
    config.write_text("telemetry:\n  enabled: false\n", encoding="utf-8")
    return dg.DagsterInstance.from_config(str(home))


def test_the_instance_records_partition_events_in_its_own_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The project's event log (open connections, relaxed syncs), wherever DAGSTER_HOME
    points: events written by one instance object are read by another (another process), and
    by Dagster's stock storage on the same files (the way back, without migration)."""
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    home = tmp_path / "home"
    writer = open_instance(home)
    assert isinstance(writer.event_log_storage, ObservatoireEventLogStorage)
    for key in ("ase-09-2024", "ml-09-2024"):
        writer.report_runless_asset_event(dg.AssetMaterialization("livraisons", partition=key))
    reader = open_instance(home)
    assert reader.get_materialized_partitions(dg.AssetKey("livraisons")) == {
        "ase-09-2024",
        "ml-09-2024",
    }
    assert (home / "history" / "runs" / "index.db").exists()
    writer.dispose()
    reader.dispose()
    stock = _stock_instance(home)
    assert not isinstance(stock.event_log_storage, ObservatoireEventLogStorage)
    assert stock.get_materialized_partitions(dg.AssetKey("livraisons")) == {
        "ase-09-2024",
        "ml-09-2024",
    }


def test_a_history_written_by_dagsters_stock_storage_opens_with_the_projects(
    tmp_path: Path,
) -> None:
    """An instance made before the project's storage (or after it was switched off) keeps its
    history: the files are the same."""
    home = tmp_path / "home"
    home.mkdir()
    stock = _stock_instance(home)
    stock.add_dynamic_partitions("livraisons", ["hj-09-2023"])
    stock.report_runless_asset_event(dg.AssetMaterialization("livraisons", partition="hj-09-2023"))
    stock.dispose()
    (home / "dagster.yaml").unlink()
    project = open_instance(home)  # a home without dagster.yaml gets the project's
    assert isinstance(project.event_log_storage, ObservatoireEventLogStorage)
    assert project.get_dynamic_partitions("livraisons") == ["hj-09-2023"]
    assert project.get_materialized_partitions(dg.AssetKey("livraisons")) == {"hj-09-2023"}


def test_the_partitions_of_a_failed_run_show_as_failed(tmp_path: Path) -> None:
    """A run over a range of deliveries whose landing fails: each of its partitions is marked
    failed (what the UI shows), not left as if never tried."""
    instance = open_instance(tmp_path / "home")
    livraisons_def = dg.DynamicPartitionsDefinition(name="livraisons")

    @dg.asset(partitions_def=livraisons_def, backfill_policy=dg.BackfillPolicy.single_run())
    def livraisons() -> None:
        raise OSError("disque plein")

    keys = ["ase-09-2024", "ml-09-2024", "hj-09-2024"]
    instance.add_dynamic_partitions("livraisons", keys)
    job = dg.Definitions(assets=[livraisons], jobs=[dg.define_asset_job("j")]).resolve_job_def("j")
    result = job.execute_in_process(
        instance=instance,
        tags={
            "dagster/asset_partition_range_start": keys[0],
            "dagster/asset_partition_range_end": keys[-1],
        },
        raise_on_error=False,
    )
    assert not result.success
    status = instance.get_status_by_partition(dg.AssetKey("livraisons"), keys, livraisons_def)
    assert status == dict.fromkeys(keys, dg.AssetPartitionStatus.FAILED)
