"""`observatoire run`: one run of the observatory, recorded in the project's Dagster instance.

The stages of a run, each timed (`RunSummary.step_seconds`):
1. take the writer lock (one run at a time writes the warehouse and the marts) — or stop at once
   with `EXIT_BUSY`, or wait for the run in progress (`wait=True`);
2. survey (`lib/store/incremental.py`): which deliveries are new or changed since they were
   judged, and whether the publication was made from the current inputs. When nothing is to be
   done, the run says so and stops there — without loading Dagster or dbt, in about a second;
3. otherwise execute the Dagster job (`job_run.py`) on the deliveries to judge only (land,
   check, promote), then the models (dbt) and the publication; with no delivery to judge but a
   publication out of date, the models and the publication only;
4. read the verdicts back from the warehouse and choose the exit code: `EXIT_OK` when every
   delivery in force is accepted, `EXIT_REFUSED` when refused deliveries remain (judged in this
   run or earlier and unchanged since), `EXIT_FAILED` on a platform fault.
"""

import contextlib
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from pipelines.lib import writer_lock
from pipelines.lib.contract.deliveries import discover, report_stem
from pipelines.lib.settings import Settings
from pipelines.lib.store import incremental, warehouse

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_REFUSED = 3
# Another run is writing the warehouse: try again later (sysexits' EX_TEMPFAIL, which
# schedulers know as "retry").
EXIT_BUSY = 75
EXIT_INTERRUPTED = 130

PREPARATION = "préparation"
SURVEY = "inventaire des livraisons"
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
    # Deliveries judged by earlier runs and unchanged since: not read again.
    unchanged_accepted: list[str] = field(default_factory=list)
    unchanged_refused: list[str] = field(default_factory=list)
    # Nothing was new and the publication was up to date: no Dagster run at all.
    nothing_new: bool = False


def _publication_up_to_date(settings: Settings, found: int) -> str:
    return (
        f"Rien de nouveau : les {found} livraison(s) trouvée(s) sont déjà contrôlées et "
        f"inchangées, et la publication de {settings.marts_dir} est à jour."
    )


def _execute(
    settings: Settings, say: Callable[[str], None], run_id: str, started: float, force: bool
) -> RunSummary:
    surveyed = time.monotonic()
    deliveries = discover(settings.raw_dir)
    if not deliveries:
        message = (
            f"Aucune livraison trouvée dans {settings.raw_dir} "
            "(attendu : <source>/<dept>/<annee>/*.csv)."
        )
        say(message)
        return RunSummary(EXIT_FAILED, time.monotonic() - started, errors=[message])
    say(f"{len(deliveries)} livraison(s) trouvée(s) dans {settings.raw_dir}.")
    # Under the writer lock: the warehouse is ours to read and to refresh signatures in.
    with contextlib.ExitStack() as stack:
        con = (
            stack.enter_context(warehouse.connect(settings.warehouse))
            if settings.warehouse.exists()
            else None
        )
        found = incremental.survey(settings, deliveries, con, force=force)
        if con is not None:
            incremental.refresh_signatures(con, found.plan.refreshed)
    plan = found.plan
    survey_seconds = time.monotonic() - surveyed
    if plan.done:
        say(
            f"{len(plan.done)} livraison(s) déjà contrôlée(s) et inchangée(s) : non relues "
            f"({len(plan.accepted)} acceptée(s), {len(plan.refused)} refusée(s))."
        )
    if plan.todo:
        counts: dict[str, int] = {}
        for reason in plan.reasons.values():
            counts[reason] = counts.get(reason, 0) + 1
        detail = ", ".join(f"{n} {incremental.REASONS[r]}" for r, n in counts.items())
        say(f"{len(plan.todo)} livraison(s) à lire et contrôler ({detail}).")
    elif found.publication_stale:
        say(f"Aucune livraison à contrôler ; publication à refaire : {found.publication_reason}.")
    if found.nothing_to_do:
        say(_publication_up_to_date(settings, len(deliveries)))
        return RunSummary(
            EXIT_REFUSED if plan.refused else EXIT_OK,
            time.monotonic() - started,
            step_seconds={SURVEY: survey_seconds},
            unchanged_accepted=plan.accepted,
            unchanged_refused=plan.refused,
            nothing_new=True,
        )
    from pipelines.failures import INTERRUPTED
    from pipelines.job_run import execute  # Dagster and dbt: loaded only when there is work

    outcome = execute(
        settings, say, run_id, [d.key for d in deliveries], plan.todo_keys, force=force
    )
    accepted: list[str] = []
    refused: list[str] = []
    if settings.warehouse.exists():
        with (
            warehouse.connect(settings.warehouse, read_only=True) as audit,
            contextlib.suppress(Exception),  # a run that failed before the audit table existed
        ):
            rows = audit.execute(
                "select _livraison, statut from audit.livraisons where run_id = ?", [run_id]
            ).fetchall()
            accepted = sorted(k for k, s in rows if s == "acceptee")
            refused = sorted(k for k, s in rows if s == "refusee")
    errors = outcome.errors
    remaining_refused = bool(refused or plan.refused)
    if outcome.success or (outcome.failed and outcome.gate_only and refused):
        code = EXIT_REFUSED if remaining_refused else EXIT_OK
        errors = []
    elif INTERRUPTED in errors:
        code = EXIT_INTERRUPTED
    else:
        code = EXIT_FAILED
    return RunSummary(
        code,
        time.monotonic() - started,
        accepted,
        refused,
        outcome.failed,
        outcome.published,
        run_id,
        errors,
        {SURVEY: survey_seconds, **outcome.step_seconds},
        outcome.skipped,
        plan.accepted,
        plan.refused,
    )


def run_pipeline(
    settings: Settings,
    say: Callable[[str], None] | None = None,
    *,
    wait: bool = False,
    force: bool = False,
) -> RunSummary:
    """Run what has to be done; progress goes to `say` (the terminal by default, even while
    dbt's own output is redirected to its log file). With `wait`, a run that finds the
    warehouse busy waits for the run in progress instead of returning `EXIT_BUSY`. With
    `force`, every delivery found is read and judged again."""
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
            settings.writer_lock,
            wait=wait,
            origin=writer_lock.CLI_ORIGIN,
            run_id=run_id,
            on_wait=waiting,
        ):
            return _execute(settings, say, run_id, started, force)
    except writer_lock.WarehouseBusy as busy:
        say(str(busy))
        return RunSummary(EXIT_BUSY, time.monotonic() - started, run_id=None, errors=[str(busy)])
    except Exception as exc:  # a platform fault around the job: French, never a traceback
        from pipelines import failures

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
    reports = settings.reports_dir / "livraisons"
    say("")
    say("Résumé")
    say(f"  durée : {summary.duration_s:.1f} s")
    for stage, seconds in summary.step_seconds.items():
        say(f"    {stage} : {seconds:.1f} s")
    if not summary.nothing_new:
        say(f"  livraisons contrôlées par ce run : {len(summary.accepted) + len(summary.refused)}")
        say(f"    acceptées : {len(summary.accepted)}")
        say(f"    refusées : {len(summary.refused)}")
        for key in summary.refused:
            say(f"      - {key} : rapport {reports / report_stem(key)}.md")
    unchanged = len(summary.unchanged_accepted) + len(summary.unchanged_refused)
    if unchanged:
        say(f"  livraisons déjà contrôlées, inchangées (non relues) : {unchanged}")
        say(f"    acceptées : {len(summary.unchanged_accepted)}")
        say(
            f"    refusées (toujours refusées tant qu'elles ne sont pas corrigées) : "
            f"{len(summary.unchanged_refused)}"
        )
        for key in summary.unchanged_refused:
            say(f"      - {key} : rapport {reports / report_stem(key)}.md")
    if summary.failed_steps and summary.exit_code == EXIT_FAILED:
        say(f"  étapes en échec : {', '.join(step_label(s) for s in summary.failed_steps)}")
    if summary.skipped_steps:
        labels = ", ".join(dict.fromkeys(step_label(s) for s in summary.skipped_steps))
        say(f"  étapes non exécutées (une étape dont elles dépendent n'a pas abouti) : {labels}")
    if summary.published:
        say(f"  marts publiés dans {settings.marts_dir} (Parquet, CSV, observatoire.duckdb)")
    elif summary.nothing_new:
        say(f"  publication à jour : {settings.marts_dir} (inchangée)")
    else:
        say("  aucune nouvelle publication : les marts publiés précédemment restent en place")
    say(f"  rapports de livraison : {reports}")
    if summary.run_id:
        say(f"  run Dagster : {summary.run_id} (make dev pour le voir dans l'interface)")
    if summary.exit_code == EXIT_OK:
        say("Terminé : toutes les livraisons en vigueur sont acceptées.")
    elif summary.exit_code == EXIT_REFUSED:
        say("Terminé avec des livraisons refusées (code de sortie 3).")
    elif summary.exit_code == EXIT_INTERRUPTED:
        say(f"Run interrompu (code de sortie {EXIT_INTERRUPTED}).")
    else:
        say("Échec du pipeline (code de sortie 1).")
    sys.stdout.flush()
