"""The project's Dagster instance, and runs whose process died."""

import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest
from dagster._core.test_utils import create_run_for_test

from pipelines.defs.event_storage import ObservatoireEventLogStorage
from pipelines.defs.runs import (
    JOB_NAME,
    PROCESS_TAG,
    WRITER_TAG,
    WRITER_TAG_VALUE,
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


def test_runs_whose_process_died_are_marked_failed(tmp_path: Path) -> None:
    instance = open_instance(tmp_path / "home")
    dead = create_run_for_test(
        instance,
        job_name=JOB_NAME,
        status=dg.DagsterRunStatus.STARTED,
        tags={WRITER_TAG: WRITER_TAG_VALUE, PROCESS_TAG: _dead_process_identity()},
    )
    alive = create_run_for_test(
        instance,
        job_name=JOB_NAME,
        status=dg.DagsterRunStatus.STARTED,
        tags={WRITER_TAG: WRITER_TAG_VALUE, PROCESS_TAG: process_identity()},
    )
    said: list[str] = []
    assert reap_stale_runs(instance, said.append) == [dead.run_id]
    reaped = instance.get_run_by_id(dead.run_id)
    assert reaped is not None and reaped.status == dg.DagsterRunStatus.FAILURE
    still = instance.get_run_by_id(alive.run_id)
    assert still is not None and still.status == dg.DagsterRunStatus.STARTED
    failure = instance.all_logs(dead.run_id, of_type=dg.DagsterEventType.RUN_FAILURE)
    assert "s'est arrêté sans le terminer" in (failure[0].message or "")
    assert said and dead.run_id[:8] in said[0]


def test_the_instance_records_partition_events_in_its_own_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The project's event log (open connections, relaxed syncs), wherever DAGSTER_HOME
    points: events written by one instance object are read by another (another process)."""
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    home = tmp_path / "home"
    writer = open_instance(home)
    assert isinstance(writer.event_log_storage, ObservatoireEventLogStorage)
    assert (
        writer.event_log_storage.supports_partition_subset_in_asset_materialization_planned_events
    )
    for key in ("ase-09-2024", "ml-09-2024"):
        writer.report_runless_asset_event(dg.AssetMaterialization("livraisons", partition=key))
    reader = open_instance(home)
    assert reader.get_materialized_partitions(dg.AssetKey("livraisons")) == {
        "ase-09-2024",
        "ml-09-2024",
    }
    assert (home / "history" / "runs" / "index.db").exists()
