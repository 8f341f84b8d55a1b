"""Platform faults told in French: what went wrong, what it leaves behind, what to do.

A run never ends in a Python traceback. A failing step's error (Dagster's serialised error,
with its chain of causes) or an exception raised around the run becomes one French sentence;
the technical detail goes to `<reports>/erreurs.log` and to the run's page in the Dagster UI.
The project's own exceptions already carry a French message meant for the user (the gate, the
fail-closed publication, dbt's failure summary): they are shown as they are.

Dagster hands a step's error over as its serialised error (`event_specific_data.error`), whose
class is not part of Dagster's public API: `ErrorInfo` names the four attributes read here, so
that this module imports nothing of Dagster's.
"""

import datetime as dt
import errno
import re
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

# Exceptions of Python itself: a bug, not a message meant for the user.
_BUILTIN = {
    "AssertionError",
    "AttributeError",
    "IndexError",
    "KeyError",
    "NameError",
    "NotImplementedError",
    "RecursionError",
    "RuntimeError",
    "TypeError",
    "UnboundLocalError",
    "ValueError",
    "ZeroDivisionError",
    "ImportError",
    "ModuleNotFoundError",
}
_INTERRUPTIONS = {"DagsterExecutionInterruptedError", "KeyboardInterrupt"}
INTERRUPTED = (
    "Run interrompu à la demande (Ctrl-C ou kill) : l'étape en cours s'est arrêtée, dbt aussi. "
    "Les transactions en cours ont été annulées ; la publication précédente reste en place. "
    "Relancez la commande pour reprendre."
)
_INTACT = "Les transactions en cours ont été annulées ; la publication précédente reste en place."


class ErrorInfo(Protocol):
    """What is read of Dagster's serialised error: its class name, message and causes."""

    @property
    def cls_name(self) -> str | None: ...

    @property
    def message(self) -> str: ...

    @property
    def cause(self) -> "ErrorInfo | None": ...

    @property
    def context(self) -> "ErrorInfo | None": ...


@dataclass(frozen=True)
class Fault:
    cls_name: str
    message: str


def _chain(error: ErrorInfo) -> list[Fault]:
    """The error and its causes, outermost first."""
    faults: list[Fault] = []
    seen: ErrorInfo | None = error
    while seen is not None and len(faults) < 20:
        faults.append(Fault(seen.cls_name or "", _without_class(seen.message, seen.cls_name)))
        seen = seen.cause or seen.context
    return faults


def _without_class(message: str, cls_name: str | None) -> str:
    """`duckdb.duckdb.IOException: IO Error: …` → `IO Error: …`."""
    text = message.strip()
    if cls_name:
        head, sep, rest = text.partition(f"{cls_name}: ")
        if sep and " " not in head:
            return rest.strip()
    return text


def _root(faults: list[Fault]) -> Fault:
    """The innermost error that is not Dagster's own wrapper."""
    for fault in reversed(faults):
        if not fault.cls_name.startswith("Dagster"):
            return fault
    return faults[-1]


def explain(cls_name: str, message: str, warehouse: Path) -> str:
    """One French sentence for a platform fault."""
    if cls_name in _INTERRUPTIONS:
        return INTERRUPTED
    text = " ".join(message.split())
    lowered = text.lower()
    if "could not set lock on file" in lowered or "conflicting lock" in lowered:
        pid = re.search(r"PID (\d+)", text)
        who = f" (processus {pid.group(1)})" if pid else ""
        return (
            f"L'entrepôt {warehouse} est ouvert par un autre programme{who} : fermez-le "
            "(notebook, client SQL, dbt lancé à la main…) puis relancez. Les analystes lisent "
            "les marts publiés, jamais l'entrepôt."
        )
    if (
        "no space left on device" in lowered
        or "disk full" in lowered
        or (f"[errno {errno.ENOSPC}]" in lowered)
    ):
        return (
            f"Plus de place sur le disque ({text[:300]}). Libérez de l'espace puis relancez. "
            + _INTACT
        )
    if cls_name.endswith(("IOException", "SerializationException", "InternalException")) or (
        "not a valid duckdb database file" in lowered
    ):
        return (
            f"L'entrepôt {warehouse} est illisible ({text[:300]}). Vérifiez ses droits, ou "
            "restaurez-le depuis une sauvegarde, ou supprimez-le et relancez : toutes les "
            "livraisons de data/raw seront rechargées."
        )
    if cls_name == "PermissionError" or "permission denied" in lowered:
        return f"Accès refusé par le système ({text[:300]}). Vérifiez les droits du dossier."
    if cls_name.startswith(("DagsterDbt", "DbtCli")):
        return f"dbt a échoué : {text[:600]}"
    if cls_name in _BUILTIN or cls_name.startswith(("duckdb", "Duckdb", "Dagster")) or not text:
        return (
            f"Erreur inattendue de la plateforme ({cls_name or 'erreur'} : {text[:300]}). "
            + _INTACT
        )
    return text  # the project's own exceptions speak French


def explain_error(error: ErrorInfo, warehouse: Path) -> str:
    faults = _chain(error)
    if any(fault.cls_name in _INTERRUPTIONS for fault in faults):
        return INTERRUPTED
    root = _root(faults)
    return explain(root.cls_name, root.message, warehouse)


def explain_exception(exc: BaseException, warehouse: Path) -> str:
    return explain(type(exc).__name__, str(exc), warehouse)


def record(reports_dir: Path, run_id: str | None, detail: str) -> Path | None:
    """Append the technical detail of a fault to `<reports>/erreurs.log`; never fails."""
    log = reports_dir / "erreurs.log"
    try:
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("a", encoding="utf-8") as handle:
            stamp = dt.datetime.now().isoformat(timespec="seconds")
            handle.write(f"--- {stamp} run {run_id or '-'}\n{detail.rstrip()}\n")
    except OSError:
        return None
    return log


def exception_detail(exc: BaseException) -> str:
    return "".join(traceback.format_exception(exc))
