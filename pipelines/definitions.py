"""Assembles the Dagster definitions from `defs/`; nothing else. `dagster dev` loads `defs`.

`observatoire run` builds the same definitions from its own settings and runs the same job
(`observatoire`) on the same instance, so that runs launched from the terminal, the UI or the
sensor are alike.
"""

import sys
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource

from pipelines.defs.ingestion.assets import livraisons, livraisons_acceptees
from pipelines.defs.ingestion.sensors import nouvelles_livraisons
from pipelines.defs.publication.assets import build_publication_asset
from pipelines.defs.quality.checks import controle_livraisons
from pipelines.defs.quality.linkage import appariement_stable
from pipelines.defs.quality.verdicts import verdicts_livraisons
from pipelines.defs.resources import ObservatoireResource
from pipelines.defs.runs import observatoire_job, publication_job
from pipelines.defs.transformation.assets import build_dbt_assets
from pipelines.defs.transformation.project import dbt_executable, dbt_project
from pipelines.lib.settings import DBT_PROJECT_DIR, Settings


def _guarded_dbt() -> str:
    """`observatoire-dbt` (dbt that dies with the run's process), installed beside dbt."""
    guard = Path(sys.executable).parent / "observatoire-dbt"
    return str(guard if guard.exists() else dbt_executable())


def build_definitions(
    settings: Settings | None = None, loggers: dict[str, dg.LoggerDefinition] | None = None
) -> dg.Definitions:
    settings = settings or Settings()
    project = dbt_project(settings.dbt_project_dir)
    # A copy of the project (tests that add a model) may change between runs of one process:
    # its manifest is read anew; the repository's is read from its path.
    copy = settings.dbt_project_dir.resolve() != DBT_PROJECT_DIR.resolve()
    return dg.Definitions(
        assets=[
            livraisons,
            verdicts_livraisons,
            livraisons_acceptees,
            build_dbt_assets(project, reread=copy),
            build_publication_asset(project.manifest_path),
        ],
        asset_checks=[controle_livraisons, appariement_stable],
        jobs=[observatoire_job, publication_job],
        sensors=[nouvelles_livraisons],
        # One process per run: the steps follow one another anyway, the run's process holds
        # the writer lock for all of them, and no step pays for a new interpreter.
        executor=dg.in_process_executor,
        loggers=loggers,
        resources={
            "observatoire": ObservatoireResource.from_settings(settings),
            "dbt": DbtCliResource(project_dir=project, dbt_executable=_guarded_dbt()),
        },
    )


defs = build_definitions()
