"""Assembles the Dagster definitions from `defs/`; nothing else. `dagster dev` loads `defs`."""

import sys
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource

from pipelines.defs.ingestion.assets import livraisons, livraisons_acceptees
from pipelines.defs.ingestion.sensors import JOB_NAME, nouvelles_livraisons
from pipelines.defs.publication.assets import build_publication_asset
from pipelines.defs.quality.checks import controle_livraisons
from pipelines.defs.quality.linkage import appariement_stable
from pipelines.defs.quality.verdicts import verdicts_livraisons
from pipelines.defs.resources import ObservatoireResource
from pipelines.defs.transformation.assets import build_dbt_assets, observatoire_dbt
from pipelines.defs.transformation.project import dbt_project
from pipelines.lib.settings import DBT_PROJECT_DIR, Settings


def build_definitions(
    settings: Settings | None = None, loggers: dict[str, dg.LoggerDefinition] | None = None
) -> dg.Definitions:
    settings = settings or Settings()
    project_dir = settings.dbt_project_dir.resolve()
    # The repository's project is parsed once; a copy (tests that add a model) gets its own.
    own = project_dir == DBT_PROJECT_DIR.resolve()
    project = dbt_project() if own else dbt_project(project_dir)
    dbt_assets = observatoire_dbt if own else build_dbt_assets(project, reread=True)
    return dg.Definitions(
        assets=[
            livraisons,
            verdicts_livraisons,
            livraisons_acceptees,
            dbt_assets,
            build_publication_asset(project.manifest_path),
        ],
        asset_checks=[controle_livraisons, appariement_stable],
        jobs=[dg.define_asset_job(JOB_NAME, selection=dg.AssetSelection.all())],
        sensors=[nouvelles_livraisons],
        loggers=loggers,
        resources={
            "observatoire": ObservatoireResource.from_settings(settings),
            # The dbt beside this interpreter: `.venv/bin/observatoire` runs without the venv
            # on PATH.
            "dbt": DbtCliResource(
                project_dir=project, dbt_executable=str(Path(sys.executable).parent / "dbt")
            ),
        },
    )


defs = build_definitions()
