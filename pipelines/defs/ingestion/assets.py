"""Ingestion: land the deliveries of a run, then promote the accepted ones.

`livraisons` reads each delivery of the run (one partition each) and lands its normalised rows,
one delivery at a time (memory stays that of the largest delivery, and a delivery whose rows the
warehouse refuses fails alone); the quality gate (`defs/quality/verdicts.py`) judges them;
`raw/<table>` promotes only accepted deliveries, each replacing its own partition's rows.

Only what changed is read: of the run's partitions, a delivery already judged and unchanged
since (`lib/store/incremental.py`, the definition `observatoire run` and the sensor share) is
skipped — unless the run carries the tag `observatoire/recontroler`.
"""

import json
from collections.abc import Iterator

import dagster as dg

from pipelines.defs.ingestion.partitions import livraisons_partitions
from pipelines.defs.resources import ObservatoireResource
from pipelines.defs.runs import FORCE_TAG
from pipelines.lib.contract.deliveries import discover, report_stem
from pipelines.lib.contract.pseudonymisation import ensure_demo_secret, warehouse_keys
from pipelines.lib.contract.tables import TABLES
from pipelines.lib.quality.gate import read_delivery
from pipelines.lib.quality.reports import verdict_from_report, write_reports
from pipelines.lib.store import incremental, warehouse


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
    found = [d for d in discover(settings.raw_dir) if d.key in wanted]
    gone = sorted(wanted - {d.key for d in found})
    if gone:
        context.log.warning(f"Livraisons introuvables dans {settings.raw_dir} : {', '.join(gone)}")
    secret_file = settings.warehouse_secret_file()
    if ensure_demo_secret(secret_file):
        context.log.warning(
            f"Secret de l'entrepôt créé dans {secret_file} : gardez-en une copie hors de "
            "l'entrepôt (voir README, « Secrets »)."
        )
    keys = warehouse_keys(secret_file)
    rules = incremental.rules_version()
    counts: dict[str, int] = {}
    with warehouse.connect(settings.warehouse) as con:
        warehouse.ensure_schemas(con)
        warehouse.check_secret(con, keys.fingerprint())
        plan = incremental.plan_deliveries(
            found,
            incremental.judged_deliveries(con),
            rules,
            force=context.run.tags.get(FORCE_TAG) is not None,
        )
        incremental.refresh_signatures(con, plan.refreshed)
        deliveries = plan.todo
        if plan.done:
            context.log.info(
                f"{len(plan.done)} livraison(s) déjà contrôlée(s) et inchangée(s) : non relues."
            )
        warehouse.clear_landing(con, [d.key for d in deliveries])
        for i, delivery in enumerate(deliveries, start=1):
            signature = incremental.stat_signature(delivery)
            read = read_delivery(delivery, keys.rekey, root=settings.raw_dir)
            landed = warehouse.land_delivery(con, read, context.run_id, signature, rules)
            for table, n in landed.items():
                counts[table] = counts.get(table, 0) + n
            del read
            if i % 25 == 0 or i == len(deliveries):
                context.log.info(f"Lecture des livraisons : {i}/{len(deliveries)}")
    context.log.info(f"{sum(counts.values())} lignes déposées en zone d'atterrissage.")
    return dg.MaterializeResult(
        metadata={
            "livraisons": len(deliveries),
            "livraisons_inchangees": len(plan.done),
            "lignes": sum(counts.values()),
            **{f"lignes_{t}": n for t, n in sorted(counts.items())},
        }
    )


RAW_KEYS = [dg.AssetKey(["raw", t]) for t in TABLES]
# The gate's verdicts (defs/quality/verdicts.py): promotion comes after them, and after their
# blocking check.
VERDICTS_KEY = dg.AssetKey("verdicts_livraisons")
ACCEPTED_REGISTRY_KEY = dg.AssetKey(["audit", "acceptees"])


@dg.multi_asset(
    specs=[
        *(
            dg.AssetSpec(
                key,
                deps=[VERDICTS_KEY],
                group_name="ingestion",
                kinds={"duckdb"},
                description=f"Lignes typées des livraisons acceptées : {key.path[-1]}.",
            )
            for key in RAW_KEYS
        ),
        dg.AssetSpec(
            ACCEPTED_REGISTRY_KEY,
            deps=[VERDICTS_KEY],
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
        promotion = warehouse.promote(con, context.run_id)
        counts = warehouse.accepted_summary(con)
    for failed, problem in sorted(promotion.failed.items()):
        # The delivery could not be promoted: its report says so, and it counts as refused.
        report = settings.reports_dir / "livraisons" / f"{report_stem(failed)}.json"
        if report.exists():
            verdict, day = verdict_from_report(json.loads(report.read_text(encoding="utf-8")))
            verdict.problems.append(problem)
            write_reports(verdict, settings.reports_dir, day)
        context.log.warning(f"Livraison refusée à la promotion : {failed} ({problem.message})")
    context.log.info(
        f"{len(promotion.promoted)} livraison(s) promue(s) ; les livraisons inchangées ne sont "
        "pas réécrites."
    )
    for key in RAW_KEYS:
        yield dg.MaterializeResult(asset_key=key, metadata={"lignes": counts[key.path[-1]]})
    yield dg.MaterializeResult(
        asset_key=ACCEPTED_REGISTRY_KEY,
        metadata={
            "livraisons_promues": len(promotion.promoted),
            "livraisons_refusees_a_la_promotion": len(promotion.failed),
        },
    )
