"""Where the platform reads and writes, and its few settings: one typed object per run.

The CLI builds it from its arguments, Dagster from the `observatoire` resource's configuration;
`resolved()` turns it into absolute paths and fills the defaults that depend on the environment
(the warehouse secret file, the Dagster instance) once, at run time. Nothing reads the
environment at import time, and nothing writes it: dbt receives these values as `--vars`.
"""

import datetime as dt
import os
from dataclasses import dataclass, replace
from pathlib import Path

from pipelines.lib.contract.pseudonymisation import WAREHOUSE_SECRET_ENV
from pipelines.lib.reference import DEFAULT_REGION, PROJECT_ROOT

EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
# The project's own Dagster instance (runs, events, partitions), shared by `observatoire run`
# and `make dev`. `DAGSTER_HOME` names another one.
DAGSTER_HOME_DIR = PROJECT_ROOT / ".dagster"
DAGSTER_HOME_ENV = "DAGSTER_HOME"
DEFAULT_SEUIL = 11


@dataclass(frozen=True)
class Settings:
    raw_dir: Path = Path("data/raw")
    warehouse: Path = Path("data/warehouse.duckdb")
    marts_dir: Path = Path("data/marts")
    reports_dir: Path = Path("data/reports")
    region: str = DEFAULT_REGION
    seuil: int = DEFAULT_SEUIL
    check_date: dt.date | None = None  # the day deliveries are checked; today by default
    # File holding the warehouse secret (re-keying of id_jeune). Default: the file named by
    # OBSERVATOIRE_SECRET_ENTREPOT_FILE, else `<warehouse>.secret` beside the warehouse.
    warehouse_secret: Path | None = None
    # The dbt project whose models are built (a copy of it in tests of model declarations).
    dbt_project_dir: Path = DBT_PROJECT_DIR
    # Where `observatoire run` records its runs. Default: DAGSTER_HOME, else `.dagster/`.
    dagster_home: Path | None = None

    def __post_init__(self) -> None:
        if self.seuil < 2:
            raise ValueError(f"Le seuil du secret statistique vaut au moins 2 : {self.seuil}")

    def warehouse_secret_file(self) -> Path:
        """The warehouse secret file (read at run time, never at import)."""
        if self.warehouse_secret is not None:
            return self.warehouse_secret
        named = os.environ.get(WAREHOUSE_SECRET_ENV)
        return Path(named) if named else self.warehouse.with_suffix(".secret")

    def dagster_home_dir(self) -> Path:
        if self.dagster_home is not None:
            return self.dagster_home
        named = os.environ.get(DAGSTER_HOME_ENV)
        return Path(named) if named else DAGSTER_HOME_DIR

    @property
    def writer_lock(self) -> Path:
        """The file whose lock makes one run at a time write the warehouse and the marts."""
        return self.warehouse.with_name(self.warehouse.name + ".lock")

    @property
    def dbt_manifest(self) -> Path:
        """The manifest of the dbt project (`dbt parse`), read by the Dagster definitions."""
        return self.dbt_project_dir / "target" / "manifest.json"

    def dbt_vars(self) -> dict[str, str]:
        """What dbt receives with `--vars`: the profile reads `entrepot`, the models `region`."""
        return {"entrepot": str(self.warehouse.resolve()), "region": self.region}

    def resolved(self) -> "Settings":
        """Absolute paths, and every default that depends on the environment filled in."""
        warehouse = self.warehouse.resolve()
        resolved = replace(
            self,
            raw_dir=self.raw_dir.resolve(),
            warehouse=warehouse,
            # a symbolic link to the current publication: made absolute, never resolved
            marts_dir=Path(os.path.abspath(self.marts_dir)),
            reports_dir=self.reports_dir.resolve(),
            dbt_project_dir=self.dbt_project_dir.resolve(),
        )
        return replace(
            resolved,
            warehouse_secret=resolved.warehouse_secret_file().resolve(),
            dagster_home=resolved.dagster_home_dir().expanduser().resolve(),
        )
