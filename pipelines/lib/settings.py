"""Where the platform reads and writes, and its few settings.

Plain values: the CLI fills them from its arguments, Dagster from the resource's configuration.
Nothing reads the environment at import time.
"""

import datetime as dt
import os
from dataclasses import dataclass, replace
from pathlib import Path

from pipelines.lib.contract.pseudonymisation import WAREHOUSE_SECRET_ENV
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
    # File holding the warehouse secret (re-keying of id_jeune). Default: the file named by
    # OBSERVATOIRE_SECRET_ENTREPOT_FILE, else `<warehouse>.secret` beside the warehouse.
    warehouse_secret: Path | None = None
    # The dbt project to build (a copy serves tests that add a model).
    dbt_project_dir: Path = DBT_PROJECT_DIR

    def warehouse_secret_file(self) -> Path:
        """Read at run time, never at import."""
        if self.warehouse_secret is not None:
            return self.warehouse_secret
        named = os.environ.get(WAREHOUSE_SECRET_ENV)
        return Path(named) if named else self.warehouse.with_suffix(".secret")

    def resolved(self) -> "Settings":
        return replace(
            self,
            raw_dir=self.raw_dir.resolve(),
            warehouse=self.warehouse.resolve(),
            # a symbolic link to the current publication: made absolute, never resolved
            marts_dir=Path(os.path.abspath(self.marts_dir)),
            reports_dir=self.reports_dir.resolve(),
            warehouse_secret=self.warehouse_secret.resolve() if self.warehouse_secret else None,
            dbt_project_dir=self.dbt_project_dir.resolve(),
        )
