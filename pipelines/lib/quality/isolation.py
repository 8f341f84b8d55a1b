"""One delivery's fault stays that delivery's: what the gate does with an exception nobody
foresaw, and which exceptions are the platform's own fault instead.

An exception raised while reading, landing, validating or promoting one delivery becomes a
refusal of that delivery (`ERREUR_INATTENDUE`) and the run goes on with the others. The report
gives the exception's type and where it was raised in the pipeline's code, never its message:
messages of parsers and databases often quote the offending value, which may be personal data.
A fault of the platform itself (memory, disk full, an I/O error of the machine) is not a
delivery's fault: it propagates, and the run stops with a French message and exit code 1.
"""

import errno
import logging
import traceback
from pathlib import Path

from pipelines.lib.contract.rules import Problem

_log = logging.getLogger(__name__)

# errno values that say the machine is in trouble, not the file being read.
_PLATFORM_ERRNOS = frozenset(
    {errno.ENOSPC, errno.EDQUOT, errno.EIO, errno.ENOMEM, errno.EROFS, errno.ENFILE, errno.EMFILE}
)


def is_platform_fault(exc: BaseException) -> bool:
    """Whether an exception is the platform's fault (propagate it) rather than a delivery's."""
    if isinstance(exc, MemoryError):
        return True
    return isinstance(exc, OSError) and exc.errno in _PLATFORM_ERRNOS


def where(exc: BaseException) -> str:
    """`module.py:line` of the innermost frame in the pipeline's own code (else the innermost
    frame): enough for a developer to find the place, nothing of the data."""
    frames = list(traceback.extract_tb(exc.__traceback__))
    ours = [f for f in frames if "pipelines" in Path(f.filename).parts]
    chosen = ours or frames
    if not chosen:
        return "lieu inconnu"
    return f"{Path(chosen[-1].filename).name}:{chosen[-1].lineno}"


def unexpected_problem(
    fichier: str, exc: BaseException, stage: str, subject: str = "de ce fichier"
) -> Problem:
    """The refusal of a delivery whose file made `stage` (e.g. « la lecture ») raise."""
    kind, place = type(exc).__name__, where(exc)
    _log.error("Unexpected %s during %s of %s at %s", kind, stage, fichier, place)
    return Problem(
        fichier,
        None,
        "ERREUR_INATTENDUE",
        f"Erreur imprévue pendant {stage} {subject} ({kind}, {place}) : la livraison est "
        "refusée par prudence ; transmettez ce rapport à l'observatoire.",
    )
