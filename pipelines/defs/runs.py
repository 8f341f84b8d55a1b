"""The observatory's job, its Dagster instance, and how runs share the warehouse.

Every run of the job carries the tag `observatoire/entrepot=ecriture`; the instance's
`.dagster/dagster.yaml` limits such runs to one at a time, so a run launched from the UI or by
the sensor waits in Dagster's run queue ("Queued") while another one writes. Runs of
`observatoire run` are recorded in the same instance with the same tag, so the queue counts them
too. The exclusion itself is the writer lock of `lib/writer_lock.py`, which every run takes
(the CLI before starting, runs launched by Dagster through the `observatoire` resource).

A run records the process that executes it (`observatoire/processus`): when that process is
gone (`kill -9`, machine stopped) while the run is still marked as started, the next run marks
it as failed, so that neither the UI nor the run queue waits for it forever.
"""

import contextlib
import os
import shutil
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import dagster as dg
import psutil
import yaml  # type: ignore[import-untyped]

from pipelines.defs.event_storage import ObservatoireEventLogStorage
from pipelines.lib.settings import DAGSTER_HOME_DIR
from pipelines.lib.writer_lock import CLI_ORIGIN as CLI_ORIGIN  # re-exported

JOB_NAME = "observatoire"
WRITER_TAG = "observatoire/entrepot"
WRITER_TAG_VALUE = "ecriture"
PROCESS_TAG = "observatoire/processus"
ORIGIN_TAG = "observatoire/origine"
# A run that reads and judges every delivery found again, changed or not.
FORCE_TAG = "observatoire/recontroler"
PROJECT_CONFIG = DAGSTER_HOME_DIR / "dagster.yaml"

observatoire_job = dg.define_asset_job(
    JOB_NAME,
    selection=dg.AssetSelection.all(),
    tags={WRITER_TAG: WRITER_TAG_VALUE},
    description=(
        "Lit et contrôle les livraisons, promeut les livraisons acceptées, construit les modèles "
        "dbt et publie les marts. Un seul run à la fois écrit l'entrepôt."
    ),
)


PUBLICATION_JOB_NAME = "observatoire_publication"
publication_job = dg.define_asset_job(
    PUBLICATION_JOB_NAME,
    selection=dg.AssetSelection.all() - dg.AssetSelection.groups("ingestion"),
    tags={WRITER_TAG: WRITER_TAG_VALUE},
    description=(
        "Reconstruit les modèles dbt et la publication sans relire de livraison : quand la "
        "publication n'est pas faite des entrées actuelles (modèles, seuil, région, code de la "
        "publication modifiés, ou publication absente)."
    ),
)


def open_instance(home: Path) -> dg.DagsterInstance:
    """The persistent instance at `home`, telemetry off. A new home gets the project's
    `dagster.yaml` (telemetry off, one writer run at a time, the fast event log); an existing
    one keeps its own.

    `DagsterInstance.local_temp` is Dagster's public constructor of a persistent instance from
    a folder *with overrides* (`from_config` takes none, `get` reads `DAGSTER_HOME`); given a
    folder, it neither creates nor deletes a temporary one: the instance is the one `dagster
    dev` opens on the same folder."""
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists() and PROJECT_CONFIG.exists():
        shutil.copyfile(PROJECT_CONFIG, config)
    overrides: dict[str, Any] = {"telemetry": {"enabled": False}}
    declared = yaml.safe_load(config.read_text(encoding="utf-8")) if config.exists() else None
    storage = (declared or {}).get("event_log_storage") or {}
    if storage.get("class") == ObservatoireEventLogStorage.__name__:
        # Its folder is this home, whether DAGSTER_HOME names it or not.
        overrides["event_log_storage"] = {**storage, "config": {"base_dir": str(home)}}
    return dg.DagsterInstance.local_temp(tempdir=str(home), overrides=overrides)


def process_identity(pid: int | None = None) -> str:
    """`<host>:<pid>:<start time>`: the start time tells a live process from a reused pid."""
    pid = pid or os.getpid()
    return f"{socket.gethostname()}:{pid}:{psutil.Process(pid).create_time():.2f}"


def process_alive(identity: str) -> bool | None:
    """Whether the process named by `process_identity` still runs; None when it ran on
    another host (it cannot be checked from here)."""
    try:
        host, pid_text, started = identity.rsplit(":", 2)
        pid, start_time = int(pid_text), float(started)
    except ValueError:
        return None
    if host != socket.gethostname():
        return None
    try:
        process = psutil.Process(pid)
        return abs(process.create_time() - start_time) < 1.0 and process.status() not in (
            psutil.STATUS_ZOMBIE,
            psutil.STATUS_DEAD,
        )
    except psutil.Error:
        return False


_UNFINISHED = [
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
    dg.DagsterRunStatus.CANCELING,
]


def reap_stale_runs(
    instance: dg.DagsterInstance, say: Callable[[str], None], current_run_id: str | None = None
) -> list[str]:
    """Mark as failed the writer runs still marked as running whose process is gone. Called by a
    run that holds the writer lock. Returns their run ids."""
    reaped = []
    records = instance.get_run_records(
        dg.RunsFilter(statuses=_UNFINISHED, tags={WRITER_TAG: WRITER_TAG_VALUE})
    )
    for run in (record.dagster_run for record in records):
        identity = run.tags.get(PROCESS_TAG)
        if run.run_id == current_run_id or identity is None:
            continue
        if process_alive(identity) is not False:
            continue
        pid = identity.rsplit(":", 2)[1]
        message = (
            f"Le processus {pid} qui exécutait ce run s'est arrêté sans le terminer (arrêt "
            "brutal, machine éteinte ?). Run marqué en échec par le run suivant ; les "
            "transactions interrompues de l'entrepôt ont été annulées et la publication "
            "précédente est restée en place."
        )
        with contextlib.suppress(Exception):
            instance.report_run_failed(run, message=message)
            reaped.append(run.run_id)
            say(f"Run interrompu {run.run_id[:8]} (processus {pid} disparu) marqué en échec.")
    return reaped
