"""One writer at a time on the warehouse and the published marts.

A run holds an exclusive `flock` on `<warehouse>.lock` from its start to its end. The kernel
releases it when the process ends, however it ends (`kill -9` included), so a crashed run never
leaves a stale lock behind. The file also says who holds it (pid, host, start, run), for the
French message a second run prints. Readers of the warehouse that must not disturb a run (the
Dagster sensor) take a shared lock without waiting.

The lock is re-entrant within a process: `observatoire run` takes it before starting the Dagster
run, and the run's resource, which takes it for runs launched from the Dagster UI, finds it
already held by its own process.
"""

import contextlib
import datetime as dt
import fcntl
import json
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

# A writer that finds the lock taken waits this long before calling the warehouse busy: the
# sensor holds a shared lock for the milliseconds it takes to read the audit table.
GRACE_SECONDS = 3.0
_POLL_SECONDS = 0.1


# The writer named in the lock and on the runs of the terminal command.
CLI_ORIGIN = "observatoire run"


@dataclass(frozen=True)
class Holder:
    """Who holds the lock, as written in the lock file."""

    pid: int | None = None
    host: str | None = None
    started: str | None = None  # ISO timestamp
    origin: str | None = None  # "observatoire run", "Dagster (run …)"
    run_id: str | None = None

    def describe(self) -> str:
        """French description for messages: « un run lancé par … (run …, processus …, depuis
        le …) »."""
        head = f"un run lancé par {self.origin}" if self.origin else "un autre run"
        details = []
        if self.run_id:
            details.append(f"run {self.run_id[:8]}")
        if self.pid:
            where = f" sur {self.host}" if self.host and self.host != socket.gethostname() else ""
            details.append(f"processus {self.pid}{where}")
        if self.started:
            with contextlib.suppress(ValueError):
                since = dt.datetime.fromisoformat(self.started)
                details.append(f"depuis le {since:%d/%m/%Y à %H:%M:%S}")
        return f"{head} ({', '.join(details)})" if details else head


class WarehouseBusy(RuntimeError):
    """Another run writes the warehouse."""

    def __init__(self, lock_path: Path, holder: Holder) -> None:
        self.lock_path = lock_path
        self.holder = holder
        super().__init__(
            f"L'entrepôt est en cours d'écriture par {holder.describe()}. Un seul run à la fois "
            "écrit l'entrepôt et publie les marts : relancez quand il sera terminé, ou ajoutez "
            "--attendre pour attendre sa fin."
        )


_held_lock = threading.Lock()
_held: dict[Path, tuple[int, int]] = {}  # lock path → (file descriptor, re-entry count)


def read_holder(lock_path: Path) -> Holder:
    """What the lock file says about its holder (possibly stale when nobody holds it)."""
    try:
        data = json.loads(lock_path.read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        return Holder()
    if not isinstance(data, dict):
        return Holder()
    return Holder(
        pid=data.get("pid"),
        host=data.get("hote"),
        started=data.get("debut"),
        origin=data.get("origine"),
        run_id=data.get("run_id"),
    )


def holds(lock_path: Path) -> bool:
    """True when this process holds the lock."""
    with _held_lock:
        return lock_path.resolve() in _held


def _try_flock(fd: int, mode: int) -> bool:
    try:
        fcntl.flock(fd, mode | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def acquire(
    lock_path: Path,
    *,
    wait: bool,
    origin: str,
    run_id: str | None = None,
    on_wait: Callable[[Holder], None] | None = None,
    grace_seconds: float = GRACE_SECONDS,
) -> None:
    """Take the writer lock, or raise `WarehouseBusy` after the grace period (never when
    `wait`: then block until the holder ends, calling `on_wait` once)."""
    path = lock_path.resolve()
    with _held_lock:
        if path in _held:
            fd, count = _held[path]
            _held[path] = (fd, count + 1)
            return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        deadline = time.monotonic() + grace_seconds
        while not _try_flock(fd, fcntl.LOCK_EX):
            if time.monotonic() < deadline:
                time.sleep(_POLL_SECONDS)
                continue
            if not wait:
                raise WarehouseBusy(path, read_holder(path))
            if on_wait is not None:
                on_wait(read_holder(path))
            fcntl.flock(fd, fcntl.LOCK_EX)  # block until the holder's process ends its run
            break
    except BaseException:
        os.close(fd)
        raise
    info = {
        "pid": os.getpid(),
        "hote": socket.gethostname(),
        "debut": dt.datetime.now().isoformat(timespec="seconds"),
        "origine": origin,
        "run_id": run_id,
    }
    os.ftruncate(fd, 0)
    os.pwrite(fd, json.dumps(info, ensure_ascii=False).encode("utf-8"), 0)
    with _held_lock:
        _held[path] = (fd, 1)


def release(lock_path: Path) -> None:
    path = lock_path.resolve()
    with _held_lock:
        if path not in _held:
            return
        fd, count = _held[path]
        if count > 1:
            _held[path] = (fd, count - 1)
            return
        del _held[path]
    with contextlib.suppress(OSError):
        os.ftruncate(fd, 0)
    fcntl.flock(fd, fcntl.LOCK_UN)
    os.close(fd)


@contextlib.contextmanager
def writer(
    lock_path: Path,
    *,
    wait: bool,
    origin: str,
    run_id: str | None = None,
    on_wait: Callable[[Holder], None] | None = None,
) -> Iterator[None]:
    acquire(lock_path, wait=wait, origin=origin, run_id=run_id, on_wait=on_wait)
    try:
        yield
    finally:
        release(lock_path)


@contextlib.contextmanager
def reader(lock_path: Path) -> Iterator[bool]:
    """A shared lock taken without waiting: yields False when a writer holds the lock (the
    caller then leaves the warehouse alone), True otherwise."""
    path = lock_path.resolve()
    if holds(path):
        yield True
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        got = _try_flock(fd, fcntl.LOCK_SH)
        try:
            yield got
        finally:
            if got:
                fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
