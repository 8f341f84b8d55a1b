"""`observatoire run`: the whole Dagster job, in-process, over every delivery found.

One run covers every delivery (a range of the `livraisons` partitions, single-run backfill
policy): the fixed cost of Dagster and dbt is paid once per run, not once per delivery.
"""

import contextlib
import logging
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import dagster as dg

from pipelines.defs.ingestion.partitions import livraisons_partitions
from pipelines.defs.ingestion.sensors import JOB_NAME
from pipelines.defs.quality.checks import controle_livraisons
from pipelines.lib.contract.deliveries import discover, report_stem
from pipelines.lib.settings import Settings
from pipelines.lib.store import warehouse

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_REFUSED = 3

_STEP_LABELS = {
    "livraisons": "lecture et dépôt des livraisons",
    "verdicts_livraisons": "contrôle qualité (Great Expectations) et rapports de livraison",
    "controle_livraisons": "bilan du contrôle qualité",
    "livraisons_acceptees": "promotion des livraisons acceptées",
    "observatoire_dbt": "modélisation dbt (build et tests)",
    "marts_publies": "publication des marts",
    "marts__appariement_appariement_stable": "contrôle des taux d'appariement",
}


def _progress_logger(say: Callable[[str], None]) -> dg.LoggerDefinition:
    """A console logger that prints the pipeline's own French messages and one line per stage,
    instead of Dagster's event stream."""

    @dg.logger
    def progress(_init_context: dg.InitLoggerContext) -> logging.Logger:
        class Handler(logging.Handler):
            def emit(self, record: logging.LogRecord) -> None:
                meta = getattr(record, "dagster_meta", {}) or {}
                event = meta.get("dagster_event")
                step = (meta.get("step_key") or "").split("[")[0]
                label = _STEP_LABELS.get(step, step)
                if event is not None:
                    kind = getattr(event, "event_type_value", "")
                    if kind == "STEP_START":
                        say(f"▶ {label}…")
                    elif kind == "STEP_FAILURE":
                        error = getattr(event.event_specific_data, "error", None)
                        detail = f" : {error.message.strip()}" if error is not None else ""
                        say(f"✗ échec de l'étape « {label} »{detail}")
                    return
                if record.levelno < logging.INFO:
                    return
                message = str(meta.get("orig_message") or record.getMessage())
                # dbt prints a line per node: keep its summary and its errors only.
                if step == "observatoire_dbt" and not (
                    message.startswith("dbt :") or "ERROR" in message or "FAIL" in message
                ):
                    return
                say(f"  {message}")

        log = logging.getLogger("observatoire.run")
        log.handlers = [Handler()]
        log.setLevel(logging.DEBUG)
        log.propagate = False
        return log

    return progress


@dataclass
class RunSummary:
    exit_code: int
    duration_s: float
    accepted: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    failed_steps: list[str] = field(default_factory=list)
    published: bool = False


def disable_telemetry() -> None:
    """No tool reaches the network at run time."""
    os.environ["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "False"
    os.environ["GX_ANALYTICS_ENABLED"] = "False"
    # Dagster's telemetry is an instance setting: the ephemeral instance below turns it off.


def _execute(
    job: dg.JobDefinition, instance: dg.DagsterInstance, keys: list[str]
) -> dg.ExecuteInProcessResult:
    return job.execute_in_process(
        instance=instance,
        tags={
            "dagster/asset_partition_range_start": keys[0],
            "dagster/asset_partition_range_end": keys[-1],
        },
        run_config={"loggers": {"progress": {}}},
        raise_on_error=False,
    )


def run_pipeline(settings: Settings, say: Callable[[str], None] | None = None) -> RunSummary:
    """Run the job; progress goes to `say` (the terminal by default, even while dbt's own
    output is redirected to its log file)."""
    terminal = sys.stdout
    say = say or (lambda message: print(message, file=terminal, flush=True))
    from pipelines.definitions import build_definitions

    disable_telemetry()
    settings = settings.resolved()
    started = time.monotonic()
    deliveries = discover(settings.raw_dir)
    if not deliveries:
        say(
            f"Aucune livraison trouvée dans {settings.raw_dir} "
            "(attendu : <source>/<dept>/<annee>/*.csv)."
        )
        return RunSummary(EXIT_FAILED, 0.0)
    say(f"{len(deliveries)} livraison(s) trouvée(s) dans {settings.raw_dir}.")
    keys = [d.key for d in deliveries]
    instance = dg.DagsterInstance.ephemeral(settings={"telemetry": {"enabled": False}})
    instance.add_dynamic_partitions(livraisons_partitions.name or "livraisons", keys)
    job = build_definitions(settings, {"progress": _progress_logger(say)}).resolve_job_def(JOB_NAME)
    # dagster-dbt echoes every dbt log line to stdout: keep them in a file beside the reports.
    settings.reports_dir.mkdir(parents=True, exist_ok=True)
    dbt_log = settings.reports_dir / "dbt.log"
    with dbt_log.open("w", encoding="utf-8") as log_file, contextlib.redirect_stdout(log_file):
        result = _execute(job, instance, keys)
    say(f"  journal complet de dbt : {dbt_log}")
    failed = sorted({e.step_key or "" for e in result.all_events if e.is_step_failure})
    accepted: list[str] = []
    refused: list[str] = []
    if settings.warehouse.exists():
        with warehouse.connect(settings.warehouse, read_only=True) as con:
            rows = con.execute(
                "select _livraison, statut from audit.livraisons where run_id = ?", [result.run_id]
            ).fetchall()
        accepted = sorted(k for k, s in rows if s == "acceptee")
        refused = sorted(k for k, s in rows if s == "refusee")
    published = any(
        e.is_step_success and (e.step_key or "") == "marts_publies" for e in result.all_events
    )
    gate_only = set(failed) <= {controle_livraisons.node_def.name} and bool(refused)
    if not failed:
        code = EXIT_REFUSED if refused else EXIT_OK
    else:
        code = EXIT_REFUSED if gate_only else EXIT_FAILED
    return RunSummary(code, time.monotonic() - started, accepted, refused, failed, published)


def print_summary(
    summary: RunSummary, settings: Settings, say: Callable[[str], None] = print
) -> None:
    settings = settings.resolved()
    say("")
    say("Résumé")
    say(f"  durée : {summary.duration_s:.1f} s")
    say(f"  livraisons acceptées : {len(summary.accepted)}")
    say(f"  livraisons refusées : {len(summary.refused)}")
    for key in summary.refused:
        say(f"    - {key} : rapport {settings.reports_dir / 'livraisons' / report_stem(key)}.md")
    if summary.failed_steps and summary.exit_code == EXIT_FAILED:
        say(f"  étapes en échec : {', '.join(summary.failed_steps)}")
    if summary.published:
        say(f"  marts publiés dans {settings.marts_dir} (Parquet, CSV, observatoire.duckdb)")
    else:
        say("  aucune nouvelle publication : les marts publiés précédemment restent en place")
    say(f"  rapports de livraison : {settings.reports_dir / 'livraisons'}")
    if summary.exit_code == EXIT_OK:
        say("Terminé : toutes les livraisons ont été acceptées.")
    elif summary.exit_code == EXIT_REFUSED:
        say("Terminé avec des livraisons refusées (code de sortie 3).")
    else:
        say("Échec du pipeline (code de sortie 1).")
    sys.stdout.flush()
