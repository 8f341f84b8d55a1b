"""The Dagster half of `observatoire run`: build the definitions and execute the job in the
project's instance. Imported only when a run has something to do (`runner.py` answers a run
with nothing new without loading Dagster or dbt).

The run is the job `observatoire` of the project's persistent Dagster instance (`DAGSTER_HOME`,
by default `.dagster/`): `make dev` shows it as it shows runs launched from the UI or by the
sensor. It covers the deliveries to read and judge (a range of the `livraisons` partitions,
single-run backfill policy, so that the fixed cost of Dagster and dbt is paid once per run);
when none is to be judged but the publication is not made from the current inputs, the job
`observatoire_publication` runs the models and the publication only.
"""

import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import dagster as dg

from pipelines import failures
from pipelines.defs.ingestion.partitions import covering_range, livraisons_partitions
from pipelines.defs.quality.checks import controle_livraisons
from pipelines.defs.runs import (
    CLI_ORIGIN,
    FORCE_TAG,
    JOB_NAME,
    ORIGIN_TAG,
    PROCESS_TAG,
    PUBLICATION_JOB_NAME,
    open_instance,
    process_identity,
    reap_stale_runs,
)
from pipelines.lib.settings import Settings
from pipelines.runner import PREPARATION, step_label


@dataclass
class JobOutcome:
    success: bool
    run_id: str
    failed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    # The French account of each platform fault (empty when the run completed).
    errors: list[str] = field(default_factory=list)
    published: bool = False
    step_seconds: dict[str, float] = field(default_factory=dict)

    @property
    def gate_only(self) -> bool:
        """Only the gate's blocking check failed (refused deliveries): not a platform fault."""
        return set(self.failed) <= {controle_livraisons.node_def.name}


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


def partition_range(
    instance: dg.DagsterInstance, found: list[str], todo: list[str]
) -> tuple[str, str]:
    """Register the deliveries found as partitions (new ones are appended, in key order); the
    range that covers those to judge, in the order of the dynamic partitions. Unchanged
    deliveries inside the range are skipped by the assets."""
    name = livraisons_partitions.name or "livraisons"
    known = set(instance.get_dynamic_partitions(name))
    new = sorted(k for k in found if k not in known)
    if new:
        instance.add_dynamic_partitions(name, new)
    return covering_range(instance.get_dynamic_partitions(name), todo)


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


def execute(
    settings: Settings,
    say: Callable[[str], None],
    run_id: str,
    found: list[str],
    todo: list[str],
    *,
    force: bool = False,
) -> JobOutcome:
    """Run the job over the deliveries `todo` (keys) among those `found`; with no delivery to
    judge, run the models and the publication only."""
    prepared = time.monotonic()
    assert settings.dagster_home is not None  # resolved
    instance = open_instance(settings.dagster_home)
    reap_stale_runs(instance, say, current_run_id=run_id)
    tags = {PROCESS_TAG: process_identity(), ORIGIN_TAG: CLI_ORIGIN}
    if force:
        tags[FORCE_TAG] = "oui"
    from pipelines.definitions import build_definitions  # Dagster, dbt: heavy imports

    definitions = build_definitions(settings, {"progress": _progress_logger(say, settings)})
    if todo:
        job = definitions.resolve_job_def(JOB_NAME)
        first, last = partition_range(instance, found, todo)
        tags["dagster/asset_partition_range_start"] = first
        tags["dagster/asset_partition_range_end"] = last
    else:  # the models and the publication only
        job = definitions.resolve_job_def(PUBLICATION_JOB_NAME)
    preparation = time.monotonic() - prepared
    # dagster-dbt echoes every dbt log line to stdout: keep them in a file beside the reports.
    settings.reports_dir.mkdir(parents=True, exist_ok=True)
    dbt_log = settings.reports_dir / "dbt.log"
    with dbt_log.open("w", encoding="utf-8") as log_file, contextlib.redirect_stdout(log_file):
        result = job.execute_in_process(
            instance=instance,
            run_id=run_id,
            tags=tags,
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
    published = any(
        e.is_step_success and (e.step_key or "") == "marts_publies" for e in result.all_events
    )
    return JobOutcome(
        result.success,
        run_id,
        failed,
        skipped,
        errors,
        published,
        {PREPARATION: preparation, **_step_seconds(instance, run_id)},
    )
