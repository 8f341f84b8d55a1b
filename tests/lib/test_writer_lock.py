"""One writer at a time: the lock file beside the warehouse, across real processes."""

import contextlib
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipelines.lib import writer_lock

HOLD = (
    "import sys, time; from pathlib import Path; from pipelines.lib import writer_lock;"
    "writer_lock.acquire(Path(sys.argv[1]), wait=False, origin='observatoire run', run_id='r1');"
    "print('pris', flush=True); time.sleep(float(sys.argv[2]))"
)


@pytest.fixture
def lock(tmp_path: Path) -> Path:
    return tmp_path / "warehouse.duckdb.lock"


@contextlib.contextmanager
def _holder(lock: Path, seconds: float = 60) -> Iterator[subprocess.Popen[str]]:
    process = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(lock), str(seconds)], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None and process.stdout.readline().strip() == "pris"
    try:
        yield process
    finally:
        process.kill()
        process.wait()


def test_a_second_writer_is_told_who_writes(lock: Path) -> None:
    with _holder(lock) as holder:
        with pytest.raises(writer_lock.WarehouseBusy) as busy:
            writer_lock.acquire(lock, wait=False, origin="test", grace_seconds=0.3)
        message = str(busy.value)
        assert f"processus {holder.pid}" in message
        assert "observatoire run" in message and "run r1" in message
        assert "--attendre" in message
        assert not writer_lock.holds(lock)


def test_a_killed_writer_leaves_no_lock_behind(lock: Path) -> None:
    with _holder(lock) as holder:
        holder.kill()  # kill -9: the kernel releases the lock
        holder.wait()
        writer_lock.acquire(lock, wait=False, origin="test", grace_seconds=0.3)
        writer_lock.release(lock)


def test_a_waiting_writer_starts_when_the_holder_ends(lock: Path) -> None:
    told: list[writer_lock.Holder] = []
    with _holder(lock, seconds=1.5) as holder:
        started = time.monotonic()
        writer_lock.acquire(lock, wait=True, origin="test", on_wait=told.append, grace_seconds=0.2)
        waited = time.monotonic() - started
        writer_lock.release(lock)
        assert holder.wait(timeout=10) == 0  # it ended by itself, then this one got the lock
    assert waited > 0.5
    assert [h.pid for h in told] == [holder.pid]


def test_the_lock_is_reentrant_within_a_process(lock: Path) -> None:
    with writer_lock.writer(lock, wait=False, origin="observatoire run"):
        with writer_lock.writer(lock, wait=False, origin="Dagster (run x)"):
            assert writer_lock.holds(lock)
        assert writer_lock.holds(lock)  # released by its first taker only
        assert writer_lock.read_holder(lock).origin == "observatoire run"
    assert not writer_lock.holds(lock)


def test_readers_step_aside_while_a_writer_holds_the_lock(lock: Path) -> None:
    with writer_lock.reader(lock) as free:
        assert free
    with _holder(lock), writer_lock.reader(lock) as free:
        assert not free


def test_a_reader_delays_a_writer_by_no_more_than_its_read(lock: Path) -> None:
    """The sensor's shared lock lasts a few milliseconds: a writer arriving meanwhile waits
    for it (grace period) instead of calling the warehouse busy."""
    release = threading.Event()

    def read() -> None:
        with writer_lock.reader(lock) as free:
            assert free
            release.wait(timeout=5)

    reader = threading.Thread(target=read)
    reader.start()
    time.sleep(0.1)
    threading.Timer(0.3, release.set).start()
    writer_lock.acquire(lock, wait=False, origin="test", grace_seconds=3.0)
    writer_lock.release(lock)
    reader.join()
