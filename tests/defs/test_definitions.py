"""The Dagster definitions load as `dagster dev` loads them, with the expected graph."""

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
