"""Under `dagster dev`: the sensor that runs the job when deliveries are new or changed.

`nouvelles_livraisons` runs by default (it is on as soon as `make dev` starts the daemon). Each
minute it compares the deliveries of `data/raw` with what the warehouse has already judged
(`audit.livraisons`: key and content fingerprint), so that the sensor and `observatoire run`
agree on what is done: after `make run`, the sensor starts nothing; a delivery dropped into
`data/raw` starts one run of the job, which lands, checks, promotes, builds the models and
publishes the marts when the gate accepts it. File contents are hashed only when a file's size
or modification time moved (the cursor keeps both).
"""

import hashlib
import json

import dagster as dg
import duckdb

from pipelines.defs.ingestion.partitions import livraisons_partitions
from pipelines.defs.resources import ObservatoireResource
from pipelines.defs.runs import JOB_NAME, reap_stale_runs
from pipelines.lib import writer_lock
from pipelines.lib.contract.deliveries import Delivery, discover
from pipelines.lib.settings import Settings

_ACTIVE = [
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
    dg.DagsterRunStatus.CANCELING,
]


def _stat_signature(delivery: Delivery) -> str:
    """Names, sizes and modification times of the delivery's files: cheap to read."""
    paths = sorted([*delivery.files.values(), *delivery.unknown_files, *delivery.duplicate_files])
    parts = []
    for path in paths:
        stat = path.stat()
        parts.append(f"{path.name}:{stat.st_size}:{stat.st_mtime_ns}")
    return hashlib.sha1("|".join(parts).encode(), usedforsecurity=False).hexdigest()


def judged_fingerprints(settings: Settings) -> dict[str, str] | None:
    """Content fingerprint of every delivery the warehouse has judged (accepted or refused);
    None when a run is writing the warehouse (the sensor never makes a run wait)."""
    with writer_lock.reader(settings.writer_lock) as free:
        if not free:
            return None
        if not settings.warehouse.exists():
            return {}
        try:
            con = duckdb.connect(str(settings.warehouse), read_only=True)
        except duckdb.Error:
            return None
        try:
            rows = con.execute(
                "select _livraison, empreinte from audit.livraisons "
                "where statut in ('acceptee', 'refusee')"
            ).fetchall()
        except duckdb.CatalogException:
            rows = []
        finally:
            con.close()
    return {str(key): str(fingerprint) for key, fingerprint in rows}


@dg.sensor(
    job_name=JOB_NAME, minimum_interval_seconds=60, default_status=dg.DefaultSensorStatus.RUNNING
)
def nouvelles_livraisons(
    context: dg.SensorEvaluationContext, observatoire: ObservatoireResource
) -> dg.SensorResult | dg.SkipReason:
    """One run over the deliveries of `data/raw` when one of them is new or changed since the
    warehouse judged it."""
    settings = observatoire.settings
    deliveries = discover(settings.raw_dir)
    if not deliveries:
        return dg.SkipReason(f"Aucune livraison dans {settings.raw_dir}.")
    cached: dict[str, str] = json.loads(context.cursor) if context.cursor else {}
    current: dict[str, str] = {}
    for delivery in deliveries:
        signature = _stat_signature(delivery)
        previous = cached.get(delivery.key, "")
        if previous.startswith(signature + ":"):
            current[delivery.key] = previous
        else:
            current[delivery.key] = f"{signature}:{delivery.fingerprint()}"
    cursor = json.dumps(current, sort_keys=True)
    reap_stale_runs(context.instance, context.log.warning)
    if context.instance.get_runs(dg.RunsFilter(job_name=JOB_NAME, statuses=_ACTIVE), limit=1):
        return dg.SensorResult(
            skip_reason="Un run de l'observatoire est en cours ou en file d'attente.",
            cursor=cursor,
        )
    judged = judged_fingerprints(settings)
    if judged is None:
        return dg.SensorResult(skip_reason="L'entrepôt est en cours d'écriture.", cursor=cursor)
    fingerprints = {key: value.split(":", 1)[1] for key, value in current.items()}
    todo = sorted(key for key, fp in fingerprints.items() if judged.get(key) != fp)
    if not todo:
        return dg.SensorResult(
            skip_reason="Aucune livraison nouvelle ou modifiée depuis le dernier contrôle.",
            cursor=cursor,
        )
    name = livraisons_partitions.name or "livraisons"
    known = context.instance.get_dynamic_partitions(name)
    new_keys = sorted(set(fingerprints) - set(known))
    in_raw = [k for k in [*known, *new_keys] if k in fingerprints]
    shown = ", ".join(todo[:10]) + (" …" if len(todo) > 10 else "")
    context.log.info(f"{len(todo)} livraison(s) nouvelle(s) ou modifiée(s) : {shown}")
    state = json.dumps(sorted(fingerprints.items())).encode()
    return dg.SensorResult(
        run_requests=[
            dg.RunRequest(
                run_key=hashlib.sha256(state).hexdigest(),
                tags={
                    "dagster/asset_partition_range_start": in_raw[0],
                    "dagster/asset_partition_range_end": in_raw[-1],
                },
            )
        ],
        dynamic_partitions_requests=[livraisons_partitions.build_add_request(new_keys)]
        if new_keys
        else [],
        cursor=cursor,
    )
