"""The instance's event log: Dagster's SQLite storage, made fit for thousands of partitions.

**This module uses Dagster's private API, on purpose** (the only place in the platform): Dagster
offers no public way to tune its SQLite event log. A run over every delivery materialises one
partition of `livraisons` per delivery: at national scale some 2,500 partitions, 5,000 events.
Dagster's SQLite storage writes each through a new database engine and connection, with a disk
sync on each commit and a checkpoint of the write-ahead log when the connection closes.
`benchmarks/bench_event_log.py` (one run over N partitions, the partitioned asset and one asset
downstream; seconds of the run, on the project's development machine, an ext4 disk shared with
other jobs, hence the ranges over two or three measures):

    N = 2,500   stock storage 77-89 s   consolidated storage 38-46 s   this storage 9.4-13.5 s
    N =   500   stock storage 12-29 s   consolidated storage 10-30 s   this storage 2.0-2.2 s

Most of Dagster's cost is the disk: on a memory file system (/dev/shm) its consolidated storage
takes 6 s at N = 500.

This storage keeps an open connection per database file (the few most recent ones) and commits
in WAL mode without waiting for the disk on each event (`synchronous = NORMAL`: a power cut may
lose the last events, never corrupt the file). It records a planned event per partition, as
Dagster's does: one event per run for all its partitions (what this storage used to do, 3 s
faster at N = 2,500) leaves the partitions of a failed run without their "Failed" status in the
UI, since Dagster's SQLite storage does not read partition subsets back into that status.

What it takes from Dagster's internals, all checked by `tests/defs/test_runs.py` and by
`_check_internals` when the module is imported, so that a Dagster upgrade that changes them
fails at once with a French message rather than at the first run:
- the class `SqliteEventLogStorage`, from the package `dagster._core.storage.event_log` where
  Dagster's reference documentation places it (its own `dagster.yaml` example names it there);
- its attributes `_db_lock` and `_initialized_dbs`, its methods `_initdb` and
  `conn_string_for_shard`, used by the `_connect` it overrides exactly as Dagster's own
  `_connect` uses them.

The files are Dagster's own (`history/runs/index.db`, one `<run_id>.db` per run): deleting the
`event_log_storage` section of `.dagster/dagster.yaml` gives back Dagster's stock storage on the
same history, without migration (only slower). `observatoire run` names the instance's folder
itself (`pipelines/defs/runs.py`).
"""

import contextlib
import os
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from typing import Any

import dagster as dg
from dagster._core.storage.event_log import SqliteEventLogStorage
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import QueuePool

_BUSY_TIMEOUT_SECONDS = 30
# Open databases kept per process: the index and the runs being written or read.
_KEEP_OPEN = 8
# What `_connect` relies on in Dagster's SQLite storage (see the module docstring).
_INTERNALS = ("_initdb", "conn_string_for_shard", "_connect")
_INSTANCE_INTERNALS = ("_db_lock", "_initialized_dbs")


def _check_internals(storage: SqliteEventLogStorage | None = None) -> None:
    """Fail with a clear message when Dagster no longer has what this storage builds on."""
    missing = [name for name in _INTERNALS if not hasattr(SqliteEventLogStorage, name)]
    if storage is not None:
        missing += [name for name in _INSTANCE_INTERNALS if not hasattr(storage, name)]
    if missing:
        raise RuntimeError(
            f"Cette version de Dagster ({dg.__version__}) n'a plus {', '.join(missing)} dans son "
            "stockage SQLite des événements, sur lequel repose pipelines/defs/event_storage.py. "
            "Supprimez la section `event_log_storage` de .dagster/dagster.yaml pour revenir au "
            "stockage de Dagster (plus lent, même historique), ou adaptez ce module."
        )


_check_internals()


def _relaxed_sync(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()


class ObservatoireEventLogStorage(SqliteEventLogStorage):
    """`base_dir` is the instance's folder (DAGSTER_HOME); events go to `history/runs/`."""

    def __init__(self, base_dir: str, inst_data: Any = None):
        self._engines: OrderedDict[str, Engine] = OrderedDict()
        self._home = os.path.abspath(base_dir)
        super().__init__(os.path.join(self._home, "history", "runs"), inst_data=inst_data)
        _check_internals(self)

    @classmethod
    def config_type(cls) -> dict[str, Any]:
        return {"base_dir": dg.StringSource}

    @classmethod
    def from_config_value(
        cls, inst_data: Any, config_value: Mapping[str, Any]
    ) -> "ObservatoireEventLogStorage":
        return cls(base_dir=config_value["base_dir"], inst_data=inst_data)

    def _engine(self, shard: str) -> Engine:
        engine = self._engines.get(shard)
        if engine is not None:
            self._engines.move_to_end(shard)
            return engine
        engine = create_engine(
            self.conn_string_for_shard(shard),
            poolclass=QueuePool,
            pool_size=1,
            max_overflow=4,
            connect_args={"timeout": _BUSY_TIMEOUT_SECONDS, "check_same_thread": False},
        )
        event.listen(engine, "connect", _relaxed_sync)
        self._engines[shard] = engine
        while len(self._engines) > _KEEP_OPEN:
            _shard, oldest = self._engines.popitem(last=False)
            oldest.dispose()
        return engine

    @contextlib.contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        with self._db_lock:
            engine = self._engine(shard)
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            with engine.connect() as conn, conn.begin():
                yield conn

    def dispose(self) -> None:
        for engine in self._engines.values():
            engine.dispose()
        self._engines.clear()
        super().dispose()
