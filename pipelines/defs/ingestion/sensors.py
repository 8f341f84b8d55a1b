"""Under `dagster dev`: register new deliveries as partitions and run the pipeline on them."""

import hashlib
import json

import dagster as dg

from pipelines.defs.ingestion.partitions import livraisons_partitions
from pipelines.defs.resources import ObservatoireResource
from pipelines.lib.contract.deliveries import discover

JOB_NAME = "observatoire"


@dg.sensor(
    job_name=JOB_NAME, minimum_interval_seconds=60, default_status=dg.DefaultSensorStatus.STOPPED
)
def nouvelles_livraisons(
    context: dg.SensorEvaluationContext, observatoire: ObservatoireResource
) -> dg.SensorResult | dg.SkipReason:
    """One run over every delivery when any delivery is new or changed (content fingerprint):
    unchanged deliveries are judged again but not rewritten."""
    deliveries = discover(observatoire.settings.raw_dir)
    seen: dict[str, str] = json.loads(context.cursor) if context.cursor else {}
    current = {d.key: d.fingerprint() for d in deliveries}
    if current == seen:
        return dg.SkipReason("Aucune livraison nouvelle ou modifiée.")
    known = set(context.instance.get_dynamic_partitions(livraisons_partitions.name or ""))
    new_keys = sorted(set(current) - known)
    all_keys = [
        *context.instance.get_dynamic_partitions(livraisons_partitions.name or ""),
        *new_keys,
    ]
    in_raw = [k for k in all_keys if k in current]
    return dg.SensorResult(
        run_requests=[
            dg.RunRequest(
                run_key=hashlib.sha256(json.dumps(current, sort_keys=True).encode()).hexdigest(),
                tags={
                    "dagster/asset_partition_range_start": in_raw[0],
                    "dagster/asset_partition_range_end": in_raw[-1],
                },
            )
        ],
        dynamic_partitions_requests=[livraisons_partitions.build_add_request(new_keys)]
        if new_keys
        else [],
        cursor=json.dumps(current, sort_keys=True),
    )
