"""The publication in the real chain, on a copy of the dbt project: a model added to
`models/marts/` without declarations makes the run fail (exit 1) with a French message naming
it, and leaves the published files byte for byte; the lineage of the publication follows the
declarations of the models, not a list."""

import datetime as dt
import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from helpers import valid_ase, valid_hj, valid_ml, write_delivery

from pipelines.definitions import build_definitions
from pipelines.lib.publication import switch
from pipelines.lib.publication.declarations import manifest_of, project_declarations
from pipelines.lib.settings import DBT_PROJECT_DIR, Settings
from pipelines.runner import EXIT_FAILED, EXIT_OK, run_pipeline

pytestmark = pytest.mark.integration
DBT = str(Path(sys.executable).parent / "dbt")
NEW_MODEL = """select annee, dept, nb_sorties
from {{ ref('sorties_ase_synthese') }}
"""
NEW_MODEL_YAML = """version: 2

models:
  - name: nouveau_mart
    description: "Un mart ajouté pour le test, déclaré publié."
    config:
      meta:
        publication: publie
        grain: [annee, dept]
    columns:
      - name: annee
        description: "Année."
        config: {meta: {secret: hors_secret}}
      - name: dept
        description: "Département."
        config: {meta: {secret: hors_secret}}
      - name: nb_sorties
        description: "Sorties."
        config: {meta: {secret: effectif}}
"""


def _parse(project: Path) -> None:
    subprocess.run(
        [DBT, "parse", "--profiles-dir", ".", "--quiet"], cwd=project, check=True, timeout=300
    )


def _digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, list[str]]:
    root = tmp_path_factory.mktemp("publication")
    write_delivery(root / "raw", "ase", "09", 2024, valid_ase(3))
    write_delivery(root / "raw", "hj", "46", 2024, valid_hj())
    write_delivery(root / "raw", "ml", "09", 2024, valid_ml())
    project = root / "dbt_project"
    shutil.copytree(
        DBT_PROJECT_DIR, project, ignore=shutil.ignore_patterns("target", "logs", "dbt_packages")
    )
    _parse(project)
    settings = Settings(
        raw_dir=root / "raw",
        warehouse=root / "w.duckdb",
        marts_dir=root / "marts",
        reports_dir=root / "reports",
        check_date=dt.date(2025, 6, 1),
        dbt_project_dir=project,
    )
    messages: list[str] = []
    summary = run_pipeline(settings, say=messages.append)
    assert summary.exit_code == EXIT_OK, messages
    return settings, messages


def test_the_build_manifest_is_kept_beside_the_warehouse(
    published: tuple[Settings, list[str]],
) -> None:
    settings = published[0]
    assert manifest_of(settings.warehouse) == settings.warehouse.with_name("w.manifest.json")
    assert manifest_of(settings.warehouse).is_file()
    assert settings.marts_dir.is_symlink()
    with duckdb.connect(str(settings.marts_dir / "observatoire.duckdb"), read_only=True) as con:
        tables = {r[0] for r in con.execute("show tables").fetchall()}
    assert "sorties_ase" not in tables and "sorties_ase_synthese" in tables


def test_an_undeclared_model_stops_the_run_and_leaves_the_publication(
    published: tuple[Settings, list[str]],
) -> None:
    settings = published[0]
    before = _digest(settings.marts_dir)
    current = switch.current(settings.marts_dir)
    model = settings.dbt_project_dir / "models" / "marts" / "ase" / "sorties_a_verifier.sql"
    model.write_text(NEW_MODEL.replace("nouveau_mart", "sorties_a_verifier"), encoding="utf-8")
    try:
        _parse(settings.dbt_project_dir)
        messages: list[str] = []
        summary = run_pipeline(settings, say=messages.append)
    finally:
        model.unlink()
        _parse(settings.dbt_project_dir)
    assert summary.exit_code == EXIT_FAILED
    assert not summary.published
    text = "\n".join(messages)
    assert (
        "Publication refusée : rien n'a été publié, la publication précédente reste en place."
        in text
    )
    assert (
        "modèle « sorties_a_verifier » : ne déclare ni « publication: publie » ni "
        "« publication: interne »" in text
    )
    assert "Traceback" not in text
    assert _digest(settings.marts_dir) == before
    assert switch.current(settings.marts_dir) == current


def test_the_lineage_and_metadata_follow_the_declarations(
    published: tuple[Settings, list[str]],
) -> None:
    """A model declared published becomes a parent of the publication asset, and is published
    with the others; the materialisation says what was published and masked."""
    settings = published[0]
    folder = settings.dbt_project_dir / "models" / "marts" / "ase"
    (folder / "nouveau_mart.sql").write_text(NEW_MODEL, encoding="utf-8")
    (folder / "_nouveau__models.yml").write_text(NEW_MODEL_YAML, encoding="utf-8")
    try:
        _parse(settings.dbt_project_dir)
        declared = project_declarations(settings.dbt_project_dir).names
        defs = build_definitions(settings)
        parents = defs.resolve_asset_graph().get(dg.AssetKey("marts_publies")).parent_keys
        assert parents == {dg.AssetKey(["marts", m]) for m in declared}
        assert dg.AssetKey(["marts", "nouveau_mart"]) in parents
        assert dg.AssetKey(["marts", "sorties_ase"]) not in parents
        messages: list[str] = []
        assert run_pipeline(settings, say=messages.append).exit_code == EXIT_OK, messages
        assert (settings.marts_dir / "nouveau_mart.csv").read_text(encoding="utf-8-sig") == (
            "annee;dept;nb_sorties;cellules_masquees\n2024;09;;nb_sorties\n2024;R76;;nb_sorties\n"
        )
        # the publication asset alone (its resources bound), on the warehouse built above
        result = dg.materialize([defs.resolve_assets_def("marts_publies")])
    finally:
        (folder / "nouveau_mart.sql").unlink()
        (folder / "_nouveau__models.yml").unlink()
        _parse(settings.dbt_project_dir)
    metadata = result.asset_materializations_for_node("marts_publies")[0].metadata
    files = metadata["fichiers"].value
    assert isinstance(files, list)
    assert {
        "nouveau_mart.csv",
        "nouveau_mart.parquet",
        "dictionnaire.csv",
        "livraisons.csv",
    } <= set(files)
    masked = metadata["cellules_masquees"].value
    # the Ariège's three exits and the region's (R76), the same three
    assert isinstance(masked, dict) and masked["nouveau_mart"] == 2
    assert metadata["cellules_masquees_nouveau_mart"].value == 2
    assert set(metadata["marts"].value) == set(declared)  # type: ignore[arg-type]
