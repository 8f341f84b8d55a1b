"""The sensor asks the warehouse what is already judged, so that it agrees with
`observatoire run`, and never disturbs a run in progress."""

import os
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest
from dagster._core.test_utils import create_run_for_test
from helpers import valid_ase, valid_ml, write_delivery

from pipelines.defs.ingestion.sensors import nouvelles_livraisons
from pipelines.defs.resources import ObservatoireResource
from pipelines.defs.runs import (
    JOB_NAME,
    PROCESS_TAG,
    PUBLICATION_JOB_NAME,
    WRITER_TAG,
    WRITER_TAG_VALUE,
    process_identity,
)
from pipelines.lib.contract.deliveries import discover
from pipelines.lib.settings import Settings
from pipelines.lib.store import incremental, warehouse


def _evaluate(
    instance: dg.DagsterInstance, resource: ObservatoireResource, cursor: str | None = None
) -> dg.SensorResult | dg.SkipReason:
    with dg.build_sensor_context(
        instance=instance, resources={"observatoire": resource}, cursor=cursor
    ) as context:
        result = nouvelles_livraisons(context)
    assert isinstance(result, dg.SensorResult | dg.SkipReason)
    return result


def _judge_in_warehouse(settings: Settings, fingerprints: dict[str, str], statut: str) -> None:
    """What a run leaves in `audit.livraisons` for judged deliveries: their content fingerprint
    and the rules they were judged with (no file signature: the sensor hashes them once)."""
    with warehouse.connect(settings.warehouse) as con:
        warehouse.ensure_schemas(con)
        for key, fingerprint in fingerprints.items():
            con.execute(
                "insert or replace into audit.livraisons (_livraison, empreinte, statut, regles) "
                "values (?, ?, ?, ?)",
                [key, fingerprint, statut, incremental.rules_version()],
            )


@pytest.fixture
def raw(tmp_path: Path) -> Path:
    root = tmp_path / "raw"
    write_delivery(root, "ase", "09", 2024, valid_ase())
    write_delivery(root, "ml", "09", 2024, valid_ml())
    return root


@pytest.fixture
def resource(raw: Path, tmp_path: Path) -> ObservatoireResource:
    return ObservatoireResource(raw_dir=str(raw), warehouse=str(tmp_path / "w.duckdb"))


def test_without_a_warehouse_every_delivery_is_new(resource: ObservatoireResource) -> None:
    with dg.instance_for_test() as instance:
        result = _evaluate(instance, resource)
        assert isinstance(result, dg.SensorResult)
        (request,) = result.run_requests or []
        assert request.tags["dagster/asset_partition_range_start"] == "ase-09-2024"
        assert request.tags["dagster/asset_partition_range_end"] == "ml-09-2024"
        (partitions,) = result.dynamic_partitions_requests or []
        assert list(partitions.partition_keys or []) == ["ase-09-2024", "ml-09-2024"]


def test_deliveries_judged_by_a_run_start_nothing(
    resource: ObservatoireResource, raw: Path
) -> None:
    settings = resource.settings
    _judge_in_warehouse(settings, {d.key: d.fingerprint() for d in discover(raw)}, statut="refusee")
    with dg.instance_for_test() as instance:
        result = _evaluate(instance, resource)
        assert isinstance(result, dg.SensorResult)
        assert not result.run_requests
        assert "Aucune livraison nouvelle" in str(result.skip_reason)


def test_a_changed_delivery_starts_a_run_over_the_deliveries(
    resource: ObservatoireResource, raw: Path
) -> None:
    settings = resource.settings
    _judge_in_warehouse(
        settings, {d.key: d.fingerprint() for d in discover(raw)}, statut="acceptee"
    )
    with dg.instance_for_test() as instance:
        quiet = _evaluate(instance, resource)
        assert isinstance(quiet, dg.SensorResult) and not quiet.run_requests
        tables = valid_ase(n_persons=3)
        write_delivery(raw, "ase", "09", 2024, tables)  # a re-delivery with one more person
        again = _evaluate(instance, resource, cursor=quiet.cursor)
        assert isinstance(again, dg.SensorResult)
        assert len(again.run_requests or []) == 1


def test_contents_are_hashed_only_when_size_or_time_moved(
    resource: ObservatoireResource, raw: Path
) -> None:
    """The cheap fingerprint comes first: a file rewritten with the same size and time keeps
    its cached content fingerprint (re-deliveries change size or time in practice)."""
    settings = resource.settings
    _judge_in_warehouse(
        settings, {d.key: d.fingerprint() for d in discover(raw)}, statut="acceptee"
    )
    with dg.instance_for_test() as instance:
        first = _evaluate(instance, resource)
        assert isinstance(first, dg.SensorResult) and not first.run_requests
        path = raw / "ase" / "09" / "2024" / "ase_sorties.csv"
        stat = path.stat()
        data = path.read_bytes()
        path.write_bytes(data.replace(b"EMPLOI", b"ETUDES"))  # same length
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
        cached = _evaluate(instance, resource, cursor=first.cursor)
        assert isinstance(cached, dg.SensorResult) and not cached.run_requests
        os.utime(path, None)  # the time moves: the content is read again
        moved = _evaluate(instance, resource, cursor=first.cursor)
        assert isinstance(moved, dg.SensorResult) and len(moved.run_requests or []) == 1


def test_no_run_is_requested_while_one_is_in_progress(resource: ObservatoireResource) -> None:
    with dg.instance_for_test() as instance:
        create_run_for_test(
            instance,
            job_name=JOB_NAME,
            status=dg.DagsterRunStatus.STARTED,
            tags={WRITER_TAG: WRITER_TAG_VALUE, PROCESS_TAG: process_identity()},
        )
        result = _evaluate(instance, resource)
        assert isinstance(result, dg.SensorResult)
        assert not result.run_requests
        assert "en cours" in str(result.skip_reason)


def test_the_sensor_leaves_the_warehouse_alone_while_a_run_writes(
    resource: ObservatoireResource,
) -> None:
    """Another process holds the writer lock: the sensor does not even open the warehouse."""
    lock = resource.settings.writer_lock
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; from pipelines.lib import writer_lock;"
            "writer_lock.acquire(Path(sys.argv[1]), wait=False, origin='test');"
            "print('pris', flush=True); time.sleep(60)",
            str(lock),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "pris"
        with dg.instance_for_test() as instance:
            result = _evaluate(instance, resource)
        assert isinstance(result, dg.SensorResult)
        assert not result.run_requests
        assert "en cours d'écriture" in str(result.skip_reason)
    finally:
        holder.kill()
        holder.wait()


def test_other_rules_make_every_delivery_to_judge_again(
    resource: ObservatoireResource, raw: Path
) -> None:
    settings = resource.settings
    _judge_in_warehouse(
        settings, {d.key: d.fingerprint() for d in discover(raw)}, statut="acceptee"
    )
    with warehouse.connect(settings.warehouse) as con:
        con.execute("update audit.livraisons set regles = 'regles-d-avant'")
    with dg.instance_for_test() as instance:
        result = _evaluate(instance, resource)
        assert isinstance(result, dg.SensorResult)
        (request,) = result.run_requests or []
        assert request.job_name == JOB_NAME
        assert request.tags["dagster/asset_partition_range_start"] == "ase-09-2024"
        assert request.tags["dagster/asset_partition_range_end"] == "ml-09-2024"


def test_a_publication_out_of_date_starts_the_publication_job_once(
    resource: ObservatoireResource, raw: Path
) -> None:
    """Every delivery judged and one accepted in force, but no publication: the sensor asks for
    the models and the publication, once for that state (its run key)."""
    settings = resource.settings
    _judge_in_warehouse(
        settings, {d.key: d.fingerprint() for d in discover(raw)}, statut="acceptee"
    )
    with warehouse.connect(settings.warehouse) as con:
        con.execute(
            "insert into audit.acceptees (_livraison, source, dept, annee, empreinte, regles) "
            "values ('ml-09-2024', 'ml', '09', 2024, 'e', ?)",
            [incremental.rules_version()],
        )
    with dg.instance_for_test() as instance:
        first = _evaluate(instance, resource)
        again = _evaluate(
            instance, resource, cursor=first.cursor if isinstance(first, dg.SensorResult) else None
        )
    assert isinstance(first, dg.SensorResult) and isinstance(again, dg.SensorResult)
    (request,) = first.run_requests or []
    assert request.job_name == PUBLICATION_JOB_NAME
    (same,) = again.run_requests or []
    assert same.run_key == request.run_key  # Dagster launches a run key once
