"""Platform faults told in French, from the errors Dagster records for a failing step."""

from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb

from pipelines.failures import INTERRUPTED, ErrorInfo, explain, explain_error, record

WAREHOUSE = Path("/srv/observatoire/entrepot.duckdb")


def _step_error(asset: dg.AssetsDefinition) -> ErrorInfo:
    """The error Dagster records for the failing step of `asset` (a real in-process run)."""
    result = dg.materialize([asset], raise_on_error=False)
    (failure,) = [e for e in result.all_events if e.is_step_failure]
    error: ErrorInfo | None = getattr(failure.event_specific_data, "error", None)
    assert error is not None
    return error


def test_a_step_error_is_told_by_its_cause_under_dagsters_wrapper(tmp_path: Path) -> None:
    broken = tmp_path / "entrepot.duckdb"
    broken.write_bytes(b"pas une base DuckDB" * 64)

    @dg.asset
    def lecture() -> None:
        duckdb.connect(str(broken))

    told = explain_error(_step_error(lecture), WAREHOUSE)
    assert told.startswith(f"L'entrepôt {WAREHOUSE} est illisible (IO Error: The file")
    assert "_duckdb.IOException" not in told  # the class name is not repeated in the message
    assert told.endswith("toutes les livraisons de data/raw seront rechargées.")


class LivraisonIntrouvable(Exception):
    """A project exception: its message is meant for the user."""


def test_the_projects_own_exceptions_are_shown_as_they_are() -> None:
    message = "La livraison ase-09-2024 a disparu de data/raw pendant le run."

    @dg.asset
    def lecture() -> None:
        raise LivraisonIntrouvable(message)

    assert explain_error(_step_error(lecture), WAREHOUSE) == message


@dataclass(frozen=True)
class _Error:
    """An error chain written by hand, with the attributes of Dagster's serialised error."""

    cls_name: str | None
    message: str
    cause: "_Error | None" = None
    context: "_Error | None" = None


def test_an_interruption_anywhere_in_the_chain_is_an_interruption() -> None:
    chain = _Error(
        "DagsterExecutionStepExecutionError",
        "Error occurred while executing op",
        context=_Error("DagsterExecutionInterruptedError", "", cause=_Error("OSError", "x")),
    )
    assert explain_error(chain, WAREHOUSE) == INTERRUPTED


def test_a_lock_held_by_another_program_names_its_process() -> None:
    message = (
        'IO Error: Could not set lock on file "/srv/observatoire/entrepot.duckdb": Conflicting '
        "lock is held in /usr/bin/python3.11 (PID 4242) by user obs."
    )
    assert explain("IOException", message, WAREHOUSE) == (
        "L'entrepôt /srv/observatoire/entrepot.duckdb est ouvert par un autre programme "
        "(processus 4242) : fermez-le (notebook, client SQL, dbt lancé à la main…) puis "
        "relancez. Les analystes lisent les marts publiés, jamais l'entrepôt."
    )


def test_a_bug_of_the_platform_says_so_and_that_nothing_was_lost() -> None:
    assert explain("KeyError", "'annee'", WAREHOUSE) == (
        "Erreur inattendue de la plateforme (KeyError : 'annee'). Les transactions en cours "
        "ont été annulées ; la publication précédente reste en place."
    )


def test_the_technical_detail_is_appended_to_the_error_log_and_never_fails(
    tmp_path: Path,
) -> None:
    reports = tmp_path / "rapports"
    assert record(reports, "0123abcd", "Traceback: premier") == reports / "erreurs.log"
    record(reports, None, "Traceback: second\n")
    lines = (reports / "erreurs.log").read_text(encoding="utf-8").splitlines()
    assert [line for line in lines if not line.startswith("---")] == [
        "Traceback: premier",
        "Traceback: second",
    ]
    assert lines[0].endswith(" run 0123abcd") and lines[2].endswith(" run -")
    blocked = tmp_path / "fichier"
    blocked.write_text("", encoding="utf-8")
    assert record(blocked, "0123abcd", "détail") is None  # a file where the folder should be
