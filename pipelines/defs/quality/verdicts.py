"""The quality gate's verdicts as an asset: it judges the landed deliveries of the run, writes
each delivery's report (JSON and Markdown) and records the verdicts in `audit.livraisons`.

The asset checks (`checks.py`) only read what this asset recorded: re-running a check from the
Dagster UI changes nothing. Deliveries are judged in batches of whole deliveries (about
`BATCH_ROWS` rows), so that memory stays bounded whatever the number of deliveries; a Y−1
delivery accepted in an earlier batch still counts for the `ENREGISTREMENT_DISPARU` warning of
its Y delivery.
"""

import datetime as dt
from collections.abc import Iterator
from dataclasses import replace

import dagster as dg

from pipelines.defs.ingestion.partitions import livraisons_partitions
from pipelines.defs.resources import ObservatoireResource
from pipelines.lib.contract.tables import TABLES
from pipelines.lib.quality.gate import judge
from pipelines.lib.quality.notices import OpenKeys, open_keys
from pipelines.lib.quality.reports import write_reports
from pipelines.lib.settings import EXPECTATIONS_DIR
from pipelines.lib.store import warehouse

BATCH_ROWS = 500_000


def _batches(sizes: dict[str, int], limit: int = BATCH_ROWS) -> Iterator[list[str]]:
    """Whole deliveries, in key order (Y−1 before Y), about `limit` rows per batch."""
    batch: list[str] = []
    rows = 0
    for key in sorted(sizes):
        if batch and rows + sizes[key] > limit:
            yield batch
            batch, rows = [], 0
        batch.append(key)
        rows += sizes[key]
    if batch:
        yield batch


@dg.asset(
    partitions_def=livraisons_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    deps=[dg.AssetKey("livraisons")],
    group_name="ingestion",
    kinds={"python"},
    description=(
        "Verdict de chaque livraison (acceptée ou refusée en entier, avec ses avertissements) : "
        "rapports JSON et Markdown, et registre audit.livraisons."
    ),
)
def verdicts_livraisons(
    context: dg.AssetExecutionContext, observatoire: ObservatoireResource
) -> dg.MaterializeResult:
    settings = observatoire.settings
    check_date = settings.check_date or dt.date.today()
    run_id = context.run.run_id
    with warehouse.connect(settings.warehouse, read_only=True) as con:
        sizes = {
            key: 0
            for (key,) in con.execute(
                "select _livraison from audit.livraisons where run_id = ?", [run_id]
            ).fetchall()
        }
        for table in TABLES:
            for key, n in con.execute(
                f"select _livraison, count(*) from landing.{table} "
                "where _livraison in (select _livraison from audit.livraisons where run_id = ?) "
                "group by 1",
                [run_id],
            ).fetchall():
                sizes[key] = sizes.get(key, 0) + n
    context.log.info(f"Contrôle de {len(sizes)} livraison(s)…")
    accepted_open: dict[str, OpenKeys] = {}
    accepted: list[str] = []
    refused: list[str] = []
    warned: list[str] = []
    for batch in _batches(sizes):
        with warehouse.connect(settings.warehouse, read_only=True) as con:
            reads = warehouse.landed_deliveries(con, run_id, settings.raw_dir, batch)
            previous: dict[str, OpenKeys] = {
                **warehouse.previous_open_keys(con, [r.delivery for r in reads]),
                **accepted_open,
            }
        verdicts = judge(reads, EXPECTATIONS_DIR, check_date, previous)
        for read in reads:
            d = read.delivery
            if verdicts[d.key].accepted and replace(d, annee=d.annee + 1).key in sizes:
                accepted_open[d.key] = open_keys(read)
        del reads
        for key, verdict in verdicts.items():
            write_reports(verdict, settings.reports_dir, check_date)
            (accepted if verdict.accepted else refused).append(key)
            if verdict.warnings:
                warned.append(key)
            report = settings.reports_dir / "livraisons" / verdict.delivery.report_name
            row = {
                "statut": "acceptée" if verdict.accepted else "refusée",
                "problemes": len(verdict.problems),
                "avertissements": len(verdict.warnings),
                "rapport": f"{report}.md",
            }
            # The partition's own record of its verdict, in its event history in the UI.
            context.log_event(
                dg.AssetObservation(
                    asset_key=context.asset_key,
                    partition=key,
                    metadata=row,
                )
            )
            if not verdict.accepted:
                context.log.warning(
                    f"Livraison refusée : {key} ({len(verdict.problems)} problème(s)) — rapport "
                    f"{report}.md"
                )
        with warehouse.connect(settings.warehouse) as con:
            warehouse.record_verdicts(con, verdicts)
    if warned:
        context.log.info(
            f"{len(warned)} livraison(s) acceptée(s) ou refusée(s) avec des avertissements "
            "(voir leurs rapports)."
        )
    # The per-delivery table is in the blocking check's result (`checks.py`): metadata here is
    # repeated on every partition of the run.
    return dg.MaterializeResult(
        metadata={
            "acceptees": len(accepted),
            "refusees": len(refused),
            "avec_avertissements": len(warned),
            "rapports": str(settings.reports_dir / "livraisons"),
        }
    )
