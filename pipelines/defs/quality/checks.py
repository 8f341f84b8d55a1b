"""The quality gate as Dagster asset checks on the landed deliveries.

One check per table suite (its result across the run's deliveries, as metadata) and the
blocking `livraisons_acceptees`. A refused delivery is never promoted. The blocking check fails
with severity ERROR when no delivery of the run is acceptable — nothing downstream then runs, as
when a single refused delivery is materialised from the Dagster UI — and with WARN when some
were refused and others accepted, so that the accepted ones still reach the marts.
"""

import datetime as dt
from collections import Counter
from collections.abc import Iterator

import dagster as dg

from pipelines.defs.ingestion.assets import livraisons
from pipelines.defs.resources import ObservatoireResource
from pipelines.lib.contract.deliveries import parse_file_name
from pipelines.lib.contract.tables import TABLES
from pipelines.lib.quality.gate import judge
from pipelines.lib.quality.reports import write_reports
from pipelines.lib.settings import EXPECTATIONS_DIR
from pipelines.lib.store import warehouse

GATE_CHECK = "livraisons_acceptees"


def _suite_check(table: str) -> str:
    return f"suite_{table}"


@dg.multi_asset_check(
    specs=[
        *(
            dg.AssetCheckSpec(
                _suite_check(t),
                asset=livraisons,
                description=f"Suite Great Expectations de {t} (expectations/v1/{t}.json).",
            )
            for t in TABLES
        ),
        dg.AssetCheckSpec(
            GATE_CHECK,
            asset=livraisons,
            blocking=True,
            description="Chaque livraison est acceptée ou refusée en entier (exports.md §5).",
        ),
    ],
)
def controle_livraisons(
    context: dg.AssetCheckExecutionContext, observatoire: ObservatoireResource
) -> Iterator[dg.AssetCheckResult]:
    settings = observatoire.settings
    check_date = settings.check_date or dt.date.today()
    run_id = context.run.run_id
    with warehouse.connect(settings.warehouse) as con:
        reads = warehouse.landed_deliveries(con, run_id, settings.raw_dir)
    context.log.info(f"Contrôle de {len(reads)} livraison(s)…")
    verdicts = judge(reads, EXPECTATIONS_DIR, check_date)
    for verdict in verdicts.values():
        write_reports(verdict, settings.reports_dir, check_date)
    with warehouse.connect(settings.warehouse) as con:
        warehouse.record_verdicts(
            con, {k: (v.statut, len(v.problems)) for k, v in verdicts.items()}
        )
    refused = sorted(k for k, v in verdicts.items() if not v.accepted)
    accepted = sorted(k for k, v in verdicts.items() if v.accepted)
    for key in refused:
        context.log.warning(
            f"Livraison refusée : {key} ({len(verdicts[key].problems)} problème(s)) — rapport "
            f"{settings.reports_dir / 'livraisons' / verdicts[key].delivery.report_name}.md"
        )
    for table in TABLES:
        rules: Counter[str] = Counter()
        failing: set[str] = set()
        for key, verdict in verdicts.items():
            for p in verdict.problems:
                if (parse_file_name(p.fichier) or ("",))[0] == table:
                    rules[p.regle] += p.nb
                    failing.add(key)
        yield dg.AssetCheckResult(
            check_name=_suite_check(table),
            passed=not failing,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={
                "livraisons_en_defaut": ", ".join(sorted(failing)) or "aucune",
                **{f"regle_{r}": n for r, n in sorted(rules.items())},
            },
        )
    yield dg.AssetCheckResult(
        check_name=GATE_CHECK,
        passed=not refused,
        severity=dg.AssetCheckSeverity.WARN if accepted else dg.AssetCheckSeverity.ERROR,
        metadata={
            "acceptees": len(accepted),
            "refusees": len(refused),
            "livraisons_refusees": ", ".join(refused) or "aucune",
            "rapports": str(settings.reports_dir / "livraisons"),
        },
    )
