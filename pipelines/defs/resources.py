"""The platform's settings as a Dagster resource: the one configuration of a run.

`observatoire run` builds it from its `Settings`; under `dagster dev` its fields are the
resource's configuration (launchpad, or the defaults below, relative to the project root).
Every asset reads `observatoire.settings`; dbt receives them as `--vars`.

For a run, the resource also holds the writer lock (one run at a time writes the warehouse and
the marts): runs launched from the UI, by the sensor or by a schedule wait here for a run in
progress, and tell so in their log.
"""

import contextlib
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import dagster as dg

from pipelines.defs.runs import PROCESS_TAG, process_identity, reap_stale_runs
from pipelines.lib import writer_lock
from pipelines.lib.reference import DEFAULT_REGION
from pipelines.lib.settings import DBT_PROJECT_DIR, DEFAULT_SEUIL, Settings


class ObservatoireResource(dg.ConfigurableResource):
    """Paths are relative to the working directory (the project root under `dagster dev`)."""

    raw_dir: str = "data/raw"
    warehouse: str = "data/warehouse.duckdb"
    marts_dir: str = "data/marts"
    reports_dir: str = "data/reports"
    region: str = DEFAULT_REGION
    seuil: int = DEFAULT_SEUIL
    date_controle: str | None = None  # AAAA-MM-JJ; today when empty
    # Path of the file holding the warehouse secret (never the secret itself); see README.
    secret_entrepot: str | None = None
    # The dbt project; the Dagster definitions are built from its manifest when they load.
    dbt_project_dir: str = str(DBT_PROJECT_DIR)

    @classmethod
    def from_settings(cls, settings: Settings) -> "ObservatoireResource":
        return cls(
            raw_dir=str(settings.raw_dir),
            warehouse=str(settings.warehouse),
            marts_dir=str(settings.marts_dir),
            reports_dir=str(settings.reports_dir),
            region=settings.region,
            seuil=settings.seuil,
            date_controle=settings.check_date.isoformat() if settings.check_date else None,
            secret_entrepot=str(settings.warehouse_secret) if settings.warehouse_secret else None,
            dbt_project_dir=str(settings.dbt_project_dir),
        )

    @property
    def settings(self) -> Settings:
        return Settings(
            raw_dir=Path(self.raw_dir),
            warehouse=Path(self.warehouse),
            marts_dir=Path(self.marts_dir),
            reports_dir=Path(self.reports_dir),
            region=self.region,
            seuil=self.seuil,
            check_date=dt.date.fromisoformat(self.date_controle) if self.date_controle else None,
            warehouse_secret=Path(self.secret_entrepot) if self.secret_entrepot else None,
            dbt_project_dir=Path(self.dbt_project_dir),
        ).resolved()

    @contextlib.contextmanager
    def yield_for_execution(
        self, context: dg.InitResourceContext
    ) -> Iterator["ObservatoireResource"]:
        """In a run, hold the writer lock from the first step to the end of the run (the job's
        in-process executor initialises resources once per run). Sensors and schedules use the
        resource without a run, and without the lock."""
        run, instance, log = context.dagster_run, context.instance, context.log
        if run is None or instance is None or log is None:
            yield self
            return
        lock = self.settings.writer_lock
        if writer_lock.holds(lock):  # `observatoire run` took it before starting this run
            yield self
            return
        instance.add_run_tags(run.run_id, {PROCESS_TAG: process_identity()})

        def waiting(holder: writer_lock.Holder) -> None:
            log.info(
                f"En attente de l'entrepôt : il est en cours d'écriture par {holder.describe()}."
            )

        with writer_lock.writer(
            lock,
            wait=True,
            origin=f"Dagster (run {run.run_id[:8]})",
            run_id=run.run_id,
            on_wait=waiting,
        ):
            reap_stale_runs(instance, log.warning, current_run_id=run.run_id)
            yield self
