"""The platform's settings as a Dagster resource (paths, region, disclosure threshold)."""

import datetime as dt
from pathlib import Path

import dagster as dg

from pipelines.lib.reference import DEFAULT_REGION
from pipelines.lib.settings import Settings


class ObservatoireResource(dg.ConfigurableResource):
    """Paths are relative to the working directory (the project root under `dagster dev`)."""

    raw_dir: str = "data/raw"
    warehouse: str = "data/warehouse.duckdb"
    marts_dir: str = "data/marts"
    reports_dir: str = "data/reports"
    region: str = DEFAULT_REGION
    seuil: int = 11
    date_controle: str | None = None  # AAAA-MM-JJ; today when empty
    # Path of the file holding the warehouse secret (never the secret itself); see README.
    secret_entrepot: str | None = None
    dbt_project_dir: str | None = None  # the project's own dbt_project/ when empty

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
            **({"dbt_project_dir": Path(self.dbt_project_dir)} if self.dbt_project_dir else {}),
        ).resolved()
