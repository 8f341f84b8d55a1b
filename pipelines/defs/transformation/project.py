"""The dbt project, shared by the dbt assets and the CLI (one cached `DbtProject`)."""

from functools import cache
from pathlib import Path

from dagster_dbt import DbtProject

from pipelines.lib.settings import DBT_PROJECT_DIR


@cache
def dbt_project(project_dir: Path = DBT_PROJECT_DIR) -> DbtProject:
    project = DbtProject(project_dir=project_dir, profiles_dir=project_dir)
    # Under `dagster dev`, parse the project when the manifest is stale; elsewhere `make`
    # builds it (`dbt parse`) before anything imports the definitions.
    project.prepare_if_dev()
    return project
