"""dbt models, tests and unit tests as Dagster assets (dagster-dbt), on the run's warehouse.

The run's settings reach dbt as `--vars` only (`entrepot`, read by `profiles.yml`, and
`region`): nothing is written to the process environment. dbt runs through `observatoire-dbt`,
which dies with the run's process (see `dbt_guard.py`).
"""

import json
import shutil
from collections import Counter
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DbtCliResource, DbtProject, dbt_assets

from pipelines.defs.resources import ObservatoireResource
from pipelines.defs.transformation.translator import ObservatoireTranslator
from pipelines.lib.publication.declarations import keep_manifest

STEP_NAME = "observatoire_dbt"
# dagster-dbt writes each invocation's artifacts to its own folder of `target/`: keep the
# latest few (the manifest and run results of recent builds), not one per run forever.
KEEP_INVOCATIONS = 5
_FAILED = {"error", "fail", "runtime error"}


class DbtBuildFailed(RuntimeError):
    """dbt failed: a model that does not build, or a data or unit test that does not pass."""


def _node_label(result: Mapping[str, Any]) -> str:
    unique_id = str(result.get("unique_id", ""))
    kind, _, rest = unique_id.partition(".")
    name = rest.split(".", 1)[-1] if rest else unique_id
    label = {
        "model": "modèle",
        "test": "test",
        "unit_test": "test unitaire",
        "seed": "table de référence",
        "snapshot": "instantané",
    }.get(kind, kind)
    message = " ".join(str(result.get("message") or "").split())
    return f"{label} {name}" + (f" ({message[:300]})" if message else "")


def failure_message(results: list[Mapping[str, Any]], errors: list[str], log: Path) -> str:
    """French account of a failed `dbt build`: the nodes in error, then where the log is."""
    failed = [r for r in results if str(r.get("status")) in _FAILED]
    if failed:
        shown = "; ".join(_node_label(r) for r in failed[:5])
        more = f" (et {len(failed) - 5} autre(s))" if len(failed) > 5 else ""
        head = f"dbt a échoué sur {len(failed)} nœud(s) : {shown}{more}."
    else:
        detail = " ".join(" ".join(errors[-3:]).split())[:600]
        head = "dbt s'est arrêté avant de construire les modèles" + (
            f" : {detail}." if detail else "."
        )
    return (
        f"{head} Rien n'est publié : la publication précédente reste en place. "
        f"Journal complet de dbt : {log}."
    )


def _prune_invocations(target: Path) -> None:
    runs = sorted(
        (p for p in target.glob(f"{STEP_NAME}-*") if p.is_dir()),
        key=lambda p: p.stat().st_mtime,
    )
    for old in runs[:-KEEP_INVOCATIONS]:
        shutil.rmtree(old, ignore_errors=True)


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
        name=STEP_NAME,
        dagster_dbt_translator=ObservatoireTranslator(),
    )
    def observatoire_dbt(
        context: dg.AssetExecutionContext, dbt: DbtCliResource, observatoire: ObservatoireResource
    ) -> Iterator[Any]:
        """`dbt build`: seeds, models, data tests and unit tests. A failing model or test fails
        the step, so nothing is published from a warehouse whose tests did not pass."""
        settings = observatoire.settings
        args = ["build", "--vars", json.dumps(settings.dbt_vars())]
        invocation = dbt.cli(args, context=context, raise_on_error=False)
        try:
            yield from invocation.stream()
        finally:
            # The publication reads its declarations from this build's manifest.
            keep_manifest(invocation.target_path / "manifest.json", settings.warehouse)
        try:
            results = invocation.get_artifact("run_results.json").get("results", [])
        except FileNotFoundError:
            results = []
        statuses = Counter(str(r.get("status")) for r in results)
        context.log.info(
            f"dbt : {len(results)} nœuds exécutés ("
            + ", ".join(f"{n} {status}" for status, n in sorted(statuses.items()))
            + ")."
        )
        _prune_invocations(invocation.target_path.parent)
        if not invocation.is_successful():
            error = str(invocation.get_error() or "")
            errors = error.split("Errors parsed from dbt logs:", 1)[-1].strip().splitlines()
            raise DbtBuildFailed(
                failure_message(results, errors, invocation.target_path / "dbt.log")
            )

    return observatoire_dbt
