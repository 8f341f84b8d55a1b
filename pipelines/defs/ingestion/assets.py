"""Ingestion: land the deliveries of a run, then promote the accepted ones.

`livraisons` reads each delivery of the run (one partition each) and lands its normalised rows;
the quality gate (`defs/quality`) judges them; `raw/<table>` promotes only accepted deliveries,
each replacing its own partition's rows in one transaction.
"""

from collections.abc import Iterator

import dagster as dg

from pipelines.defs.ingestion.partitions import livraisons_partitions
from pipelines.defs.resources import ObservatoireResource
from pipelines.lib.contract.deliveries import discover
from pipelines.lib.contract.pseudonymisation import ensure_demo_secret, warehouse_keys
from pipelines.lib.contract.tables import TABLES
from pipelines.lib.quality.gate import read_delivery
from pipelines.lib.store import warehouse


@dg.asset(
    partitions_def=livraisons_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    group_name="ingestion",
    kinds={"python", "duckdb"},
    description=(
        "Lignes des livraisons en cours de contrôle (zone d'atterrissage, texte normalisé)."
    ),
)
def livraisons(
    context: dg.AssetExecutionContext, observatoire: ObservatoireResource
) -> dg.MaterializeResult:
    settings = observatoire.settings
    wanted = set(context.partition_keys)
    deliveries = [d for d in discover(settings.raw_dir) if d.key in wanted]
    gone = sorted(wanted - {d.key for d in deliveries})
    if gone:
        context.log.warning(f"Livraisons introuvables dans {settings.raw_dir} : {', '.join(gone)}")
    secret_file = settings.warehouse_secret_file()
    if ensure_demo_secret(secret_file):
        context.log.warning(
            f"Secret de l'entrepôt créé dans {secret_file} : gardez-en une copie hors de "
            "l'entrepôt (voir README, « Secrets »)."
        )
    keys = warehouse_keys(secret_file)
    with warehouse.connect(settings.warehouse) as con:
        warehouse.ensure_schemas(con)
        warehouse.check_secret(con, keys.fingerprint())
    reads = []
    for i, delivery in enumerate(deliveries, start=1):
        reads.append(read_delivery(delivery, keys.rekey))
        if i % 25 == 0 or i == len(deliveries):
            context.log.info(f"Lecture des livraisons : {i}/{len(deliveries)}")
    with warehouse.connect(settings.warehouse) as con:
        counts = warehouse.land(con, reads, context.run_id)
    context.log.info(f"{sum(counts.values())} lignes déposées en zone d'atterrissage.")
    return dg.MaterializeResult(
        metadata={
            "livraisons": len(deliveries),
            "lignes": sum(counts.values()),
            **{f"lignes_{t}": n for t, n in sorted(counts.items())},
        }
    )


RAW_KEYS = [dg.AssetKey(["raw", t]) for t in TABLES]
ACCEPTED_REGISTRY_KEY = dg.AssetKey(["audit", "acceptees"])


@dg.multi_asset(
    specs=[
        *(
            dg.AssetSpec(
                key,
                deps=[livraisons],
                group_name="ingestion",
                kinds={"duckdb"},
                description=f"Lignes typées des livraisons acceptées : {key.path[-1]}.",
            )
            for key in RAW_KEYS
        ),
        dg.AssetSpec(
            ACCEPTED_REGISTRY_KEY,
            deps=[livraisons],
            group_name="ingestion",
            kinds={"duckdb"},
            description="Registre des livraisons en vigueur dans raw.",
        ),
    ],
)
def livraisons_acceptees(
    context: dg.AssetExecutionContext, observatoire: ObservatoireResource
) -> Iterator[dg.MaterializeResult]:
    """Promote the run's accepted deliveries (write–audit–publish: only after the gate)."""
    settings = observatoire.settings
    with warehouse.connect(settings.warehouse) as con:
        promoted = warehouse.promote(con, context.run_id)
        counts = warehouse.accepted_summary(con)
    context.log.info(
        f"{len(promoted)} livraison(s) promue(s) ; les livraisons inchangées ne sont pas réécrites."
    )
    for key in RAW_KEYS:
        yield dg.MaterializeResult(asset_key=key, metadata={"lignes": counts[key.path[-1]]})
    yield dg.MaterializeResult(
        asset_key=ACCEPTED_REGISTRY_KEY, metadata={"livraisons_promues": len(promoted)}
    )
