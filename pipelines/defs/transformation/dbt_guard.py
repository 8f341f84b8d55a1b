"""`observatoire-dbt`: dbt, bound to the life of the process that starts it.

dagster-dbt runs dbt as a child process. If the run's process is killed (`kill -9`, out of
memory), an unbound child would go on writing the warehouse while the next run starts. This
entry point asks Linux to kill it when its parent dies (`PR_SET_PDEATHSIG`), then becomes dbt
(`exec`: same process, same pid, so the signal setting holds). Elsewhere it simply runs dbt.

It imports nothing from the project: it must start fast and never fail before dbt does.
"""

import ctypes
import os
import signal
import sys
from pathlib import Path

_PR_SET_PDEATHSIG = 1


def _bind_to_parent() -> None:
    parent = os.getppid()
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
        return  # the kernel refused: dbt runs unbound, as it would without this guard
    # The parent may have died before the call above: then this process was already handed to
    # init (pid 1) or to a subreaper, and must not start dbt.
    if parent == 1 or os.getppid() != parent:
        os._exit(75)


def main() -> None:
    if sys.platform.startswith("linux"):
        _bind_to_parent()
    dbt = Path(sys.executable).parent / "dbt"
    os.execv(dbt, [str(dbt), *sys.argv[1:]])


if __name__ == "__main__":
    main()
