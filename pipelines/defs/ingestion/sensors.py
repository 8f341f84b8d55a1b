"""Under `dagster dev`: the sensor that runs the job when deliveries are new or changed.

`nouvelles_livraisons` runs by default (it is on as soon as `make dev` starts the daemon). Each
minute it asks `lib/store/incremental.py` — the same definition of "already done" as
`observatoire run` — which deliveries of `data/raw` are new or changed since the warehouse judged
them: after `make run`, the sensor starts nothing; a delivery dropped into `data/raw` starts one
run of the job over it, which lands, checks, promotes, builds the models and publishes the marts
when the gate accepts it. File contents are hashed only when a file's size or modification time
moved (the cursor keeps each delivery's signature and content fingerprint). When no delivery is
to be judged but the publication is not made from the current accepted deliveries (models or
threshold changed, publication missing), it starts the publication job once for that state.
"""

import hashlib
import json

import dagster as dg
import duckdb

from pipelines.defs.ingestion.partitions import covering_range, livraisons_partitions
from pipelines.defs.resources import ObservatoireResource
from pipelines.defs.runs import (
    JOB_NAME,
    PUBLICATION_JOB_NAME,
    observatoire_job,
    publication_job,
    reap_stale_runs,
)
from pipelines.lib import writer_lock
from pipelines.lib.contract.deliveries import Delivery, discover
from pipelines.lib.settings import Settings
from pipelines.lib.store import incremental

_ACTIVE = [
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
    dg.DagsterRunStatus.CANCELING,
]


def _survey(
    settings: Settings, deliveries: list[Delivery], fingerprint: incremental.Fingerprinter
) -> incremental.Survey | None:
    """What a run would have to do; None when a run is writing the warehouse (the sensor never
    makes a run wait)."""
    with writer_lock.reader(settings.writer_lock) as free:
        if not free:
            return None
        if not settings.warehouse.exists():
            return incremental.survey(settings, deliveries, None, fingerprint=fingerprint)
        try:
            con = duckdb.connect(str(settings.warehouse), read_only=True)
        except duckdb.Error:
            return None
        try:
            return incremental.survey(settings, deliveries, con, fingerprint=fingerprint)
        finally:
            con.close()


def _cached_fingerprints(cursor: str | None) -> dict[str, str]:
    """key → "<signature>:<content fingerprint>" from the previous tick."""
    return json.loads(cursor) if cursor else {}


@dg.sensor(
    jobs=[observatoire_job, publication_job],
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def nouvelles_livraisons(
    context: dg.SensorEvaluationContext, observatoire: ObservatoireResource
) -> dg.SensorResult | dg.SkipReason:
    """One run over the deliveries of `data/raw` that are new or changed since the warehouse
    judged them; one publication run when only the publication is out of date."""
    settings = observatoire.settings
    deliveries = discover(settings.raw_dir)
    if not deliveries:
        return dg.SkipReason(f"Aucune livraison dans {settings.raw_dir}.")
    cached = _cached_fingerprints(context.cursor)
    seen: dict[str, str] = {}

    def fingerprint(delivery: Delivery, signature: str) -> str:
        previous = cached.get(delivery.key, "")
        content = (
            previous.split(":", 1)[1]
            if previous.startswith(signature + ":")
            else delivery.fingerprint()
        )
        seen[delivery.key] = f"{signature}:{content}"
        return content

    reap_stale_runs(context.instance, context.log.warning)
    running = context.instance.get_runs(
        dg.RunsFilter(job_name=JOB_NAME, statuses=_ACTIVE), limit=1
    ) or context.instance.get_runs(
        dg.RunsFilter(job_name=PUBLICATION_JOB_NAME, statuses=_ACTIVE), limit=1
    )
    if running:
        return dg.SensorResult(
            skip_reason="Un run de l'observatoire est en cours ou en file d'attente.",
            cursor=context.cursor,
        )
    found = _survey(settings, deliveries, fingerprint)
    cursor = json.dumps({**cached, **seen}, sort_keys=True)
    if found is None:
        return dg.SensorResult(skip_reason="L'entrepôt est en cours d'écriture.", cursor=cursor)
    todo = found.plan.todo_keys
    if not todo:
        if found.publication_stale and found.accepted_in_force:
            state = json.dumps(found.current_stamp, sort_keys=True).encode()
            context.log.info(f"Publication à refaire : {found.publication_reason}.")
            return dg.SensorResult(
                run_requests=[
                    dg.RunRequest(
                        run_key=f"publication-{hashlib.sha256(state).hexdigest()}",
                        job_name=PUBLICATION_JOB_NAME,
                    )
                ],
                cursor=cursor,
            )
        return dg.SensorResult(
            skip_reason="Aucune livraison nouvelle ou modifiée depuis le dernier contrôle.",
            cursor=cursor,
        )
    name = livraisons_partitions.name or "livraisons"
    known = context.instance.get_dynamic_partitions(name)
    new_keys = sorted({d.key for d in deliveries} - set(known))
    first, last = covering_range([*known, *new_keys], todo)
    shown = ", ".join(todo[:10]) + (" …" if len(todo) > 10 else "")
    context.log.info(f"{len(todo)} livraison(s) nouvelle(s) ou modifiée(s) : {shown}")
    state = json.dumps(
        sorted((d.key, incremental.stat_signature(d)) for d in found.plan.todo)
    ).encode()
    return dg.SensorResult(
        run_requests=[
            dg.RunRequest(
                run_key=hashlib.sha256(state).hexdigest(),
                job_name=JOB_NAME,
                tags={
                    "dagster/asset_partition_range_start": first,
                    "dagster/asset_partition_range_end": last,
                },
            )
        ],
        dynamic_partitions_requests=[livraisons_partitions.build_add_request(new_keys)]
        if new_keys
        else [],
        cursor=cursor,
    )
