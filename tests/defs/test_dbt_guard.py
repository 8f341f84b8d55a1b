"""`observatoire-dbt` dies with the process that started it (Linux), so that a killed run
leaves no dbt writing to the warehouse."""

import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="prctl is Linux's")

# A parent that starts a child bound by the guard, prints the child's pid, then waits.
PARENT = """
import subprocess, sys
child = subprocess.Popen([sys.executable, "-c",
    "from pipelines.defs.transformation.dbt_guard import _bind_to_parent;"
    "_bind_to_parent(); import time; time.sleep(120)"])
print(child.pid, flush=True)
child.wait()
"""


def _gone(pid: int, within: float) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                return True
        except psutil.NoSuchProcess:
            return True
        time.sleep(0.05)
    return False


def test_the_bound_child_dies_with_its_parent() -> None:
    parent = subprocess.Popen([sys.executable, "-c", PARENT], stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None
    child = int(parent.stdout.readline())
    time.sleep(1.0)  # the child is bound by now
    assert psutil.Process(child).is_running()
    parent.kill()  # kill -9
    parent.wait()
    assert _gone(child, within=5.0)


def test_the_guard_runs_dbt() -> None:
    guard = Path(sys.executable).parent / "observatoire-dbt"  # installed beside dbt
    result = subprocess.run(
        [str(guard), "--version"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0
    assert "Core:" in result.stdout
