"""The instance's event log: Dagster's SQLite storage, made fit for thousands of partitions.

A run over every delivery materialises one partition of `livraisons` per delivery: at national
scale some 3,000 events. Dagster's SQLite storage writes each through a new database engine and
connection, whose closing checkpoints the write-ahead log to disk — 20 to 50 ms per event,
minutes per run. This storage keeps an open connection per database file (the few most recent
ones), commits in WAL mode without waiting for the disk on each event (`synchronous = NORMAL`:
a power cut may lose the last events, never corrupt the file), and records a run's planned
partitions as one event instead of one per partition.

`.dagster/dagster.yaml` selects it; `observatoire run` names the instance's folder itself.
"""

import contextlib
import os
from collections import OrderedDict
from collections.abc import Iterator
from typing import Any

from dagster._config import StringSource
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage
from dagster._core.storage.sqlite import create_db_conn_string
from dagster._core.storage.sqlite_storage import SqliteStorageConfig
from dagster._serdes import ConfigurableClassData
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import QueuePool

_BUSY_TIMEOUT_SECONDS = 30
# Open databases kept per process: the index and the runs being written or read.
_KEEP_OPEN = 8


def _relaxed_sync(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()


class ObservatoireEventLogStorage(SqliteEventLogStorage):
    """`base_dir` is the instance's folder (DAGSTER_HOME); events go to `history/runs/`."""

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None):
        self._engines: OrderedDict[str, Engine] = OrderedDict()
        self._home = os.path.abspath(base_dir)
        super().__init__(os.path.join(self._home, "history", "runs"), inst_data=inst_data)

    @classmethod
    def config_type(cls) -> dict[str, Any]:
        return {"base_dir": StringSource}

    @classmethod
    def from_config_value(  # type: ignore[override]  # Dagster's two supertypes disagree
        cls, inst_data: ConfigurableClassData | None, config_value: SqliteStorageConfig
    ) -> "ObservatoireEventLogStorage":
        return cls(base_dir=config_value["base_dir"], inst_data=inst_data)

    @property
    def supports_partition_subset_in_asset_materialization_planned_events(self) -> bool:
        return True

    def _engine(self, shard: str) -> Engine:
        engine = self._engines.get(shard)
        if engine is not None:
            self._engines.move_to_end(shard)
            return engine
        engine = create_engine(
            create_db_conn_string(self._base_dir, shard),
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
