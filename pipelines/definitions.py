"""Assembles the Dagster definitions from `defs/`; nothing else. `dagster dev` loads `defs`."""

import sys
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource

from pipelines.defs.ingestion.assets import livraisons, livraisons_acceptees
from pipelines.defs.ingestion.sensors import JOB_NAME, nouvelles_livraisons
from pipelines.defs.publication.assets import marts_publies
from pipelines.defs.quality.checks import controle_livraisons
from pipelines.defs.quality.linkage import appariement_stable
from pipelines.defs.quality.verdicts import verdicts_livraisons
from pipelines.defs.resources import ObservatoireResource
from pipelines.defs.transformation.assets import observatoire_dbt
from pipelines.defs.transformation.project import dbt_project
from pipelines.lib.settings import Settings


def build_definitions(
    settings: Settings | None = None, loggers: dict[str, dg.LoggerDefinition] | None = None
) -> dg.Definitions:
    return dg.Definitions(
        assets=[
            livraisons,
            verdicts_livraisons,
            livraisons_acceptees,
            observatoire_dbt,
            marts_publies,
        ],
        asset_checks=[controle_livraisons, appariement_stable],
        jobs=[dg.define_asset_job(JOB_NAME, selection=dg.AssetSelection.all())],
        sensors=[nouvelles_livraisons],
        loggers=loggers,
        resources={
            "observatoire": ObservatoireResource.from_settings(settings or Settings()),
            # The dbt beside this interpreter: `.venv/bin/observatoire` runs without the venv
            # on PATH.
            "dbt": DbtCliResource(
                project_dir=dbt_project(), dbt_executable=str(Path(sys.executable).parent / "dbt")
            ),
        },
    )


defs = build_definitions()
