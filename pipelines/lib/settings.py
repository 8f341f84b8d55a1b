"""Where the platform reads and writes, and its few settings.

Plain values: the CLI fills them from its arguments, Dagster from the resource's configuration.
Nothing reads the environment at import time.
"""

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from pipelines.lib.reference import DEFAULT_REGION, PROJECT_ROOT

EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"


@dataclass(frozen=True)
class Settings:
    raw_dir: Path = Path("data/raw")
    warehouse: Path = Path("data/warehouse.duckdb")
    marts_dir: Path = Path("data/marts")
    reports_dir: Path = Path("data/reports")
    region: str = DEFAULT_REGION
    seuil: int = 11
    check_date: dt.date | None = None  # the day deliveries are checked; today by default

    def resolved(self) -> "Settings":
        return Settings(
            raw_dir=self.raw_dir.resolve(),
            warehouse=self.warehouse.resolve(),
            marts_dir=self.marts_dir.resolve(),
            reports_dir=self.reports_dir.resolve(),
            region=self.region,
            seuil=self.seuil,
            check_date=self.check_date,
        )
