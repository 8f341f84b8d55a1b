"""dbt models, tests and unit tests as Dagster assets (dagster-dbt), on the same warehouse."""

import json
import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DbtCliResource, DbtProject, dbt_assets

from pipelines.defs.resources import ObservatoireResource
from pipelines.defs.transformation.project import dbt_project
from pipelines.defs.transformation.translator import ObservatoireTranslator
from pipelines.lib.publication.declarations import keep_manifest


def build_dbt_assets(project: DbtProject, reread: bool = False) -> dg.AssetsDefinition:
    """The dbt assets of one dbt project (the repository's, or a copy in tests). `reread`:
    read the manifest anew (dagster-dbt caches a manifest by path for the process's life; a
    copy whose models change between runs of one process needs the new one)."""
    manifest: Path | dict[str, Any] = project.manifest_path
    if reread:
        manifest = json.loads(project.manifest_path.read_text(encoding="utf-8"))

    @dbt_assets(
        manifest=manifest,
        project=project,
        dagster_dbt_translator=ObservatoireTranslator(),
    )
    def observatoire_dbt(
        context: dg.AssetExecutionContext, dbt: DbtCliResource, observatoire: ObservatoireResource
    ) -> Iterator[Any]:
        """`dbt build`: seeds, models, data tests and unit tests. A failing test fails the step,
        so nothing is published from a warehouse whose tests did not pass."""
        settings = observatoire.settings
        # dbt's profile reads the warehouse path from the environment of its subprocess.
        os.environ["OBSERVATOIRE_WAREHOUSE"] = str(settings.warehouse)
        os.environ["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "False"
        args = ["build", "--vars", json.dumps({"region": settings.region})]
        invocation = dbt.cli(args, context=context)
        try:
            yield from invocation.stream()
        finally:
            # The publication reads its declarations from this build's manifest.
            keep_manifest(invocation.target_path / "manifest.json", settings.warehouse)
        results = invocation.get_artifact("run_results.json").get("results", [])
        statuses = Counter(str(r.get("status")) for r in results)
        context.log.info(
            f"dbt : {len(results)} nœuds exécutés ("
            + ", ".join(f"{n} {status}" for status, n in sorted(statuses.items()))
            + ")."
        )

    return observatoire_dbt


observatoire_dbt = build_dbt_assets(dbt_project())
