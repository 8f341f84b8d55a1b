"""The Dagster definitions load as `dagster dev` loads them, with the expected graph."""

import shutil
from pathlib import Path

import dagster as dg

from pipelines.definitions import defs
from pipelines.lib.contract.tables import TABLES
from pipelines.lib.publication.declarations import project_declarations
from pipelines.lib.settings import DBT_PROJECT_DIR

# The published marts, as the dbt models declare them.
MARTS = project_declarations(DBT_PROJECT_DIR).names


def test_definitions_load_and_groups_follow_the_dbt_folders() -> None:
    graph = defs.resolve_asset_graph()
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    assert {f"raw/{t}" for t in TABLES} <= keys
    assert {f"marts/{m}" for m in MARTS} <= keys
    assert graph.get(dg.AssetKey(["staging", "stg_ase__mesures"])).group_name == "staging"
    assert graph.get(dg.AssetKey(["marts", "sorties_ase"])).group_name == "marts"
    assert graph.get(dg.AssetKey(["reference", "cog_departements"])).group_name == "reference"


def test_dbt_sources_are_the_promoted_tables() -> None:
    graph = defs.resolve_asset_graph()
    parents = graph.get(dg.AssetKey(["staging", "base_ase__mesures"])).parent_keys
    assert dg.AssetKey(["raw", "ase_mesures"]) in parents
    publish_parents = graph.get(dg.AssetKey("marts_publies")).parent_keys
    assert publish_parents == {dg.AssetKey(["marts", m]) for m in MARTS}


def test_the_gate_is_a_blocking_check_on_the_verdicts() -> None:
    checks = defs.resolve_asset_graph().asset_check_keys
    gate = dg.AssetCheckKey(dg.AssetKey("verdicts_livraisons"), "livraisons_acceptees")
    assert gate in checks
    assert {f"suite_{t}" for t in TABLES} <= {c.name for c in checks}
    spec = next(
        s
        for c in defs.asset_checks or []
        for s in c.check_specs
        if s.key == gate  # type: ignore[union-attr]
    )
    assert spec.blocking


def test_job_and_sensor() -> None:
    assert defs.resolve_job_def("observatoire") is not None
    assert defs.resolve_sensor_def("nouvelles_livraisons") is not None


def test_the_job_is_one_writer_run_in_one_process() -> None:
    """Every run of the job carries the tag the instance limits to one run at a time, and runs
    its steps in one process (which holds the writer lock for all of them)."""
    from pipelines.defs.runs import WRITER_TAG, WRITER_TAG_VALUE

    job = defs.resolve_job_def("observatoire")
    assert job.tags[WRITER_TAG] == WRITER_TAG_VALUE
    assert job.executor_def.name == "in_process"


def test_dbt_runs_through_the_guard() -> None:
    dbt = defs.resources["dbt"]
    assert dbt.dbt_executable.endswith("observatoire-dbt")  # type: ignore[attr-defined]


def test_definitions_follow_the_dbt_project_of_the_settings(tmp_path: Path) -> None:
    """A copy of the dbt project with one more model: the definitions built from it (parsed
    on the fly, since its manifest is older than the new model) have the model's asset."""
    from pipelines.definitions import build_definitions
    from pipelines.lib.settings import DBT_PROJECT_DIR, Settings

    project = tmp_path / "dbt_project"
    shutil.copytree(DBT_PROJECT_DIR, project, ignore=shutil.ignore_patterns("logs"))
    model = project / "models" / "intermediate" / "ase" / "int_essai_copie.sql"
    model.write_text("select 1 as un\n", encoding="utf-8")
    built = build_definitions(Settings(dbt_project_dir=project))
    keys = built.resolve_asset_graph().get_all_asset_keys()
    assert dg.AssetKey(["intermediate", "int_essai_copie"]) in keys
    assert dg.AssetKey(["intermediate", "int_essai_copie"]) not in (
        defs.resolve_asset_graph().get_all_asset_keys()
    )
