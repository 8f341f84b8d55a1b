"""The quality gate's results as Dagster asset checks on the verdicts asset.

The checks only read what the gate recorded (`audit.livraisons`, written by
`verdicts_livraisons`): re-running them from the Dagster UI judges nothing again and writes
nothing. One check per table suite (its result across the run's deliveries, as metadata) and
the blocking `livraisons_acceptees`. A refused delivery is never promoted. The blocking check
fails with severity ERROR when no delivery of the run is acceptable — nothing downstream then
runs, as when a single refused delivery is materialised from the Dagster UI — and with WARN
when some were refused and others accepted, so that the accepted ones still reach the marts.
"""

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import dagster as dg

from pipelines.defs.quality.verdicts import verdicts_livraisons
from pipelines.defs.resources import ObservatoireResource
from pipelines.lib.contract.deliveries import parse_file_name, report_stem
from pipelines.lib.contract.tables import TABLES
from pipelines.lib.store import warehouse

GATE_CHECK = "livraisons_acceptees"
# Rows of the verdicts table shown in the UI (refused first). The table is in the blocking
# check's result, one event per run: in the verdicts asset's materialisation it would be
# repeated on each of the run's partitions (2,480 at national scale: 50 s of event writing).
_TABLE_ROWS = 500
_VERDICTS_SCHEMA = dg.TableSchema(
    columns=[
        dg.TableColumn("livraison", "string"),
        dg.TableColumn("statut", "string"),
        dg.TableColumn("problemes", "int"),
        dg.TableColumn("avertissements", "int"),
        dg.TableColumn("rapport", "string"),
    ]
)


def _verdicts_table(judged: list[warehouse.JudgedDelivery], reports: Path) -> dg.TableMetadataValue:
    """One row per delivery judged by the run, refused first: the status of each partition,
    which the verdicts asset's "Materialized" does not tell."""
    rows = sorted(judged, key=lambda j: (j.statut == "acceptee", j.key))[:_TABLE_ROWS]
    return dg.MetadataValue.table(
        [
            dg.TableRecord(
                {
                    "livraison": j.key,
                    "statut": "acceptée" if j.statut == "acceptee" else "refusée",
                    "problemes": len(j.problems),
                    "avertissements": len(j.warnings),
                    "rapport": f"{reports / report_stem(j.key)}.md",
                }
            )
            for j in rows
        ],
        schema=_VERDICTS_SCHEMA,
    )


def _suite_check(table: str) -> str:
    return f"suite_{table}"


def judged_run(context: dg.AssetCheckExecutionContext) -> str:
    """The run whose verdicts the checks report: the run of the verdicts asset's latest
    materialisation — this run's own, or an earlier one when a check is re-run alone."""
    event = context.instance.get_latest_materialization_event(verdicts_livraisons.key)
    return event.run_id if event is not None else context.run.run_id


@dg.multi_asset_check(
    specs=[
        *(
            dg.AssetCheckSpec(
                _suite_check(t),
                asset=verdicts_livraisons,
                description=f"Suite Great Expectations de {t} (expectations/v1/{t}.json).",
            )
            for t in TABLES
        ),
        dg.AssetCheckSpec(
            GATE_CHECK,
            asset=verdicts_livraisons,
            blocking=True,
            description=(
                "Chaque livraison est acceptée ou refusée en entier (contrat d'échange, "
                "docs/contrat-echange.md §5)."
            ),
        ),
    ],
)
def controle_livraisons(
    context: dg.AssetCheckExecutionContext, observatoire: ObservatoireResource
) -> Iterator[dg.AssetCheckResult]:
    settings = observatoire.settings
    run_id = judged_run(context)
    with warehouse.connect(settings.warehouse, read_only=True) as con:
        judged = warehouse.recorded_verdicts(con, run_id)
    refused = sorted(j.key for j in judged if j.statut != "acceptee")
    accepted = sorted(j.key for j in judged if j.statut == "acceptee")
    for table in TABLES:
        rules: Counter[str] = Counter()
        failing: set[str] = set()
        for j in judged:
            for p in j.problems:
                if (parse_file_name(p.fichier) or ("",))[0] == table:
                    rules[p.regle] += p.nb
                    failing.add(j.key)
        yield dg.AssetCheckResult(
            check_name=_suite_check(table),
            passed=not failing,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={
                "livraisons_en_defaut": ", ".join(sorted(failing)) or "aucune",
                **{f"regle_{r}": n for r, n in sorted(rules.items())},
            },
        )
    warnings: Counter[str] = Counter(n.code for j in judged for n in j.warnings)
    yield dg.AssetCheckResult(
        check_name=GATE_CHECK,
        passed=not refused,
        severity=dg.AssetCheckSeverity.WARN if accepted else dg.AssetCheckSeverity.ERROR,
        metadata={
            "acceptees": len(accepted),
            "refusees": len(refused),
            "livraisons_refusees": ", ".join(refused) or "aucune",
            "rapports": str(settings.reports_dir / "livraisons"),
            **{f"avertissement_{c}": n for c, n in sorted(warnings.items())},
            "verdicts": _verdicts_table(judged, settings.reports_dir / "livraisons"),
        },
    )
