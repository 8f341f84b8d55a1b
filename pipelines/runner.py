"""`observatoire run`: the observatory's Dagster job, in-process, recorded in its instance.

One run covers the deliveries found in the raw folder (a range of the `livraisons` partitions,
single-run backfill policy): the fixed cost of Dagster and dbt is paid once per run. The run is
the job `observatoire` of the project's persistent Dagster instance (`DAGSTER_HOME`, by default
`.dagster/`): `make dev` shows it as it shows runs launched from the UI or by the sensor.

The stages of a run, each timed (`RunSummary.step_seconds`):
1. take the writer lock (one run at a time writes the warehouse and the marts) — or stop at once
   with `EXIT_BUSY`, or wait for the run in progress (`wait=True`);
2. prepare: find the deliveries, open the instance, mark runs whose process died as failed,
   register the partitions, build the definitions;
3. execute the job (land, check, promote, dbt, publish);
4. read the verdicts back from the warehouse and choose the exit code.
The step that will ask the warehouse which deliveries are new (and stop early when none is)
belongs between 2 and 3.
"""

import contextlib
import logging
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import dagster as dg

from pipelines import failures
from pipelines.defs.ingestion.partitions import livraisons_partitions
from pipelines.defs.quality.checks import controle_livraisons
from pipelines.defs.runs import (
    CLI_ORIGIN,
    JOB_NAME,
    ORIGIN_TAG,
    PROCESS_TAG,
    open_instance,
    process_identity,
    reap_stale_runs,
)
from pipelines.lib import writer_lock
from pipelines.lib.contract.deliveries import discover, report_stem
from pipelines.lib.settings import Settings
from pipelines.lib.store import warehouse

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_REFUSED = 3
# Another run is writing the warehouse: try again later (sysexits' EX_TEMPFAIL, which
# schedulers know as "retry").
EXIT_BUSY = 75
EXIT_INTERRUPTED = 130

PREPARATION = "préparation"
_STEP_LABELS = {
    "livraisons": "lecture et dépôt des livraisons",
    "verdicts_livraisons": "contrôle qualité (Great Expectations) et rapports de livraison",
    "controle_livraisons": "bilan du contrôle qualité",
    "livraisons_acceptees": "promotion des livraisons acceptées",
    "observatoire_dbt": "modélisation dbt (build et tests)",
    "marts_publies": "publication des marts",
    "marts__appariement_appariement_stable": "contrôle des taux d'appariement",
}


def step_label(step_key: str) -> str:
    step = step_key.split("[")[0]
    return _STEP_LABELS.get(step, step)


@dataclass
class RunSummary:
    exit_code: int
    duration_s: float
    accepted: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    failed_steps: list[str] = field(default_factory=list)
    published: bool = False
    run_id: str | None = None
    # The French account of each platform fault (empty when the run completed).
    errors: list[str] = field(default_factory=list)
    # Seconds per stage: the preparation, then each step of the job.
    step_seconds: dict[str, float] = field(default_factory=dict)
    # Steps not executed because a step they depend on failed.
    skipped_steps: list[str] = field(default_factory=list)


def _progress_logger(say: Callable[[str], None], settings: Settings) -> dg.LoggerDefinition:
    """A console logger that prints the pipeline's own French messages and one line per stage,
    instead of Dagster's event stream (which the instance records in full)."""

    @dg.logger
    def progress(_init_context: dg.InitLoggerContext) -> logging.Logger:
        class Handler(logging.Handler):
            def emit(self, record: logging.LogRecord) -> None:
                meta = getattr(record, "dagster_meta", {}) or {}
                event = meta.get("dagster_event")
                step = (meta.get("step_key") or "").split("[")[0]
                label = step_label(step)
                if event is not None:
                    kind = getattr(event, "event_type_value", "")
                    if kind == "STEP_START":
                        say(f"▶ {label}…")
                    elif kind == "STEP_FAILURE":
                        error = getattr(event.event_specific_data, "error", None)
                        detail = (
                            f" : {failures.explain_error(error, settings.warehouse)}"
                            if error is not None
                            else ""
                        )
                        say(f"✗ échec de l'étape « {label} »{detail}")
                    return
                if record.levelno < logging.INFO:
                    return
                message = str(meta.get("orig_message") or record.getMessage())
                if message.startswith("Dependencies for step"):  # Dagster's, in English:
                    return  # the summary lists the steps not executed
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


def _partition_range(instance: dg.DagsterInstance, keys: list[str]) -> tuple[str, str]:
    """Register the deliveries as partitions; the range that covers them, in the order of the
    dynamic partitions (the order they were first registered in)."""
    name = livraisons_partitions.name or "livraisons"
    instance.add_dynamic_partitions(name, keys)
    wanted = set(keys)
    ordered = [k for k in instance.get_dynamic_partitions(name) if k in wanted]
    return ordered[0], ordered[-1]


def _faults(result: dg.ExecuteInProcessResult, settings: Settings) -> list[tuple[str, str, str]]:
    """(step key, French explanation, technical detail) of each failure of the run."""
    out = []
    for event in result.all_events:
        error = getattr(event.event_specific_data, "error", None)
        if error is None:
            continue
        if event.is_step_failure or event.event_type_value in (
            "PIPELINE_FAILURE",
            "RESOURCE_INIT_FAILURE",
        ):
            explained = failures.explain_error(error, settings.warehouse)
            out.append((event.step_key or "", explained, error.to_string()))
    return out


def _step_seconds(instance: dg.DagsterInstance, run_id: str) -> dict[str, float]:
    seconds: dict[str, float] = {}
    for stats in instance.get_run_step_stats(run_id):
        if stats.start_time is not None and stats.end_time is not None:
            label = step_label(stats.step_key)
            seconds[label] = seconds.get(label, 0.0) + stats.end_time - stats.start_time
    return seconds


def _execute(
    settings: Settings, say: Callable[[str], None], run_id: str, started: float
) -> RunSummary:
    prepared = time.monotonic()
    deliveries = discover(settings.raw_dir)
    if not deliveries:
        message = (
            f"Aucune livraison trouvée dans {settings.raw_dir} "
            "(attendu : <source>/<dept>/<annee>/*.csv)."
        )
        say(message)
        return RunSummary(EXIT_FAILED, time.monotonic() - started, errors=[message])
    say(f"{len(deliveries)} livraison(s) trouvée(s) dans {settings.raw_dir}.")
    assert settings.dagster_home is not None  # resolved
    instance = open_instance(settings.dagster_home)
    reap_stale_runs(instance, say, current_run_id=run_id)
    first, last = _partition_range(instance, [d.key for d in deliveries])
    from pipelines.definitions import build_definitions  # Dagster, dbt: heavy imports

    definitions = build_definitions(settings, {"progress": _progress_logger(say, settings)})
    job = definitions.resolve_job_def(JOB_NAME)
    preparation = time.monotonic() - prepared
    # dagster-dbt echoes every dbt log line to stdout: keep them in a file beside the reports.
    settings.reports_dir.mkdir(parents=True, exist_ok=True)
    dbt_log = settings.reports_dir / "dbt.log"
    with dbt_log.open("w", encoding="utf-8") as log_file, contextlib.redirect_stdout(log_file):
        result = job.execute_in_process(
            instance=instance,
            run_id=run_id,
            tags={
                "dagster/asset_partition_range_start": first,
                "dagster/asset_partition_range_end": last,
                PROCESS_TAG: process_identity(),
                ORIGIN_TAG: CLI_ORIGIN,
            },
            run_config={"loggers": {"progress": {}}},
            raise_on_error=False,
        )
    say(f"  journal complet de dbt : {dbt_log}")
    faults = _faults(result, settings)
    for step_key, _explained, detail in faults:
        failures.record(settings.reports_dir, run_id, f"{step_key}\n{detail}")
    failed = sorted({e.step_key or "" for e in result.all_events if e.is_step_failure})
    skipped = sorted({e.step_key or "" for e in result.all_events if e.is_step_skipped})
    errors = list(dict.fromkeys(explained for _key, explained, _detail in faults))
    if not result.success and not failed and not errors:
        errors = ["Le run s'est arrêté sans terminer ses étapes (voir l'interface Dagster)."]
    if errors and not failed:  # a fault outside the steps (a resource, the run itself)
        for message in errors:
            say(f"✗ {message}")
    accepted: list[str] = []
    refused: list[str] = []
    if settings.warehouse.exists():
        with (
            warehouse.connect(settings.warehouse, read_only=True) as con,
            contextlib.suppress(Exception),  # a run that failed before the audit table existed
        ):
            rows = con.execute(
                "select _livraison, statut from audit.livraisons where run_id = ?", [run_id]
            ).fetchall()
            accepted = sorted(k for k, s in rows if s == "acceptee")
            refused = sorted(k for k, s in rows if s == "refusee")
    published = any(
        e.is_step_success and (e.step_key or "") == "marts_publies" for e in result.all_events
    )
    gate_only = set(failed) <= {controle_livraisons.node_def.name} and bool(refused)
    if result.success or (failed and gate_only):
        code = EXIT_REFUSED if refused else EXIT_OK
        errors = []
    elif failures.INTERRUPTED in errors:
        code = EXIT_INTERRUPTED
    else:
        code = EXIT_FAILED
    seconds = {PREPARATION: preparation, **_step_seconds(instance, run_id)}
    return RunSummary(
        code,
        time.monotonic() - started,
        accepted,
        refused,
        failed,
        published,
        run_id,
        errors,
        seconds,
        skipped,
    )


def run_pipeline(
    settings: Settings, say: Callable[[str], None] | None = None, *, wait: bool = False
) -> RunSummary:
    """Run the job; progress goes to `say` (the terminal by default, even while dbt's own
    output is redirected to its log file). With `wait`, a run that finds the warehouse busy
    waits for the run in progress instead of returning `EXIT_BUSY`."""
    terminal = sys.stdout
    say = say or (lambda message: print(message, file=terminal, flush=True))
    started = time.monotonic()
    run_id = str(uuid.uuid4())
    try:
        settings = settings.resolved()
    except (OSError, ValueError) as exc:
        message = f"Paramètres invalides : {exc}"
        say(f"✗ {message}")
        return RunSummary(EXIT_FAILED, 0.0, errors=[message])

    def waiting(holder: writer_lock.Holder) -> None:
        say(f"L'entrepôt est en cours d'écriture par {holder.describe()} : attente de sa fin…")

    try:
        with writer_lock.writer(
            settings.writer_lock, wait=wait, origin=CLI_ORIGIN, run_id=run_id, on_wait=waiting
        ):
            return _execute(settings, say, run_id, started)
    except writer_lock.WarehouseBusy as busy:
        say(str(busy))
        return RunSummary(EXIT_BUSY, time.monotonic() - started, run_id=None, errors=[str(busy)])
    except Exception as exc:  # a platform fault around the job: French, never a traceback
        message = failures.explain_exception(exc, settings.warehouse)
        log = failures.record(settings.reports_dir, run_id, failures.exception_detail(exc))
        say(f"✗ {message}")
        if log is not None:
            say(f"  détail technique : {log}")
        return RunSummary(EXIT_FAILED, time.monotonic() - started, run_id=run_id, errors=[message])


def print_summary(
    summary: RunSummary, settings: Settings, say: Callable[[str], None] = print
) -> None:
    if summary.exit_code == EXIT_BUSY:
        say(f"Aucun run lancé : l'entrepôt est occupé (code de sortie {EXIT_BUSY}).")
        sys.stdout.flush()
        return
    settings = settings.resolved()
    say("")
    say("Résumé")
    say(f"  durée : {summary.duration_s:.1f} s")
    for stage, seconds in summary.step_seconds.items():
        say(f"    {stage} : {seconds:.1f} s")
    say(f"  livraisons acceptées : {len(summary.accepted)}")
    say(f"  livraisons refusées : {len(summary.refused)}")
    for key in summary.refused:
        say(f"    - {key} : rapport {settings.reports_dir / 'livraisons' / report_stem(key)}.md")
    if summary.failed_steps and summary.exit_code == EXIT_FAILED:
        say(f"  étapes en échec : {', '.join(step_label(s) for s in summary.failed_steps)}")
    if summary.skipped_steps:
        labels = ", ".join(dict.fromkeys(step_label(s) for s in summary.skipped_steps))
        say(f"  étapes non exécutées (une étape dont elles dépendent n'a pas abouti) : {labels}")
    if summary.published:
        say(f"  marts publiés dans {settings.marts_dir} (Parquet, CSV, observatoire.duckdb)")
    else:
        say("  aucune nouvelle publication : les marts publiés précédemment restent en place")
    say(f"  rapports de livraison : {settings.reports_dir / 'livraisons'}")
    if summary.run_id:
        say(f"  run Dagster : {summary.run_id} (make dev pour le voir dans l'interface)")
    if summary.exit_code == EXIT_OK:
        say("Terminé : toutes les livraisons ont été acceptées.")
    elif summary.exit_code == EXIT_REFUSED:
        say("Terminé avec des livraisons refusées (code de sortie 3).")
    elif summary.exit_code == EXIT_INTERRUPTED:
        say(f"Run interrompu (code de sortie {EXIT_INTERRUPTED}).")
    else:
        say("Échec du pipeline (code de sortie 1).")
    sys.stdout.flush()
