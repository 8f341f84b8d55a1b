"""The analysts' notebooks and every output, on a real demo publication: small demo deliveries
run through the whole pipeline, then the notebooks (jupytext `.py` → Jupyter, executed by
nbclient on the venv's kernel) and `build_outputs` read what was published.

Neither may show a value the published marts mask (checked structurally, see
tests/lib/publication/outputs/outputs_audit.py).
"""

import os
import sys
from pathlib import Path

import jupytext
import nbclient
import nbformat
import polars as pl
import pytest

from demo.generator import generate
from pipelines.lib.publication.outputs import build_outputs
from pipelines.lib.reference import PROJECT_ROOT
from pipelines.lib.settings import Settings
from pipelines.runner import EXIT_OK, run_pipeline

sys.path.insert(0, str(Path(__file__).parents[1] / "lib" / "publication" / "outputs"))
from outputs_audit import (
    check_cells,
    check_geopackage,
    check_notebook_tables,
    check_workbook,
    html_cells,
    published_cells,
    svg_ids,
)

pytestmark = pytest.mark.integration
NOTEBOOKS = sorted((PROJECT_ROOT / "notebooks").glob("*.py"))


@pytest.fixture(scope="module")
def publication(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("demo_publication")
    generate(root / "raw", seed=7, years=range(2023, 2025), scale=0.06)
    settings = Settings(
        raw_dir=root / "raw",
        warehouse=root / "w.duckdb",
        marts_dir=root / "marts",
        reports_dir=root / "reports",
    )
    messages: list[str] = []
    assert run_pipeline(settings, say=messages.append).exit_code == EXIT_OK, messages
    return settings.marts_dir


def _execute(path: Path, env: dict[str, str], workdir: Path) -> nbformat.NotebookNode:
    notebook = jupytext.read(path)
    previous = {name: os.environ.get(name) for name in env}
    os.environ.update(env)  # the kernel inherits them
    try:
        client = nbclient.NotebookClient(
            notebook,
            kernel_name="python3",
            timeout=300,
            resources={"metadata": {"path": str(workdir)}},
        )
        client.execute()
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name)
            else:
                os.environ[name] = value
    return notebook


def _department_with_a_masked_backtest(publication: Path) -> str:
    frame = pl.read_parquet(publication / "besoin_logement_pdalhpd.parquet").filter(
        pl.col("cellules_masquees").fill_null("").str.contains("sorties_observees")
    )
    assert frame.height, "the demo publication should mask some observed exits"
    return str(frame["dept"][0])


def test_there_are_notebooks() -> None:
    assert [p.name for p in NOTEBOOKS] == ["comparer_departements.py", "estimation_pdalhpd.py"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_and_shows_no_masked_value(
    path: Path, publication: Path, tmp_path: Path
) -> None:
    env = {"OBSERVATOIRE_PUBLICATION": str(publication)}
    if path.stem == "estimation_pdalhpd":  # a department whose backtest shows secrets
        env["OBSERVATOIRE_DEPT"] = _department_with_a_masked_backtest(publication)
    notebook = _execute(path, env, tmp_path)
    outputs = [o for cell in notebook.cells for o in cell.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    assert any("image/png" in o.get("data", {}) for o in outputs), "a chart"
    tables = [o["data"]["text/html"] for o in outputs if "text/html" in o.get("data", {})]
    assert len(tables) >= 3
    matched, secrets = check_notebook_tables(publication, tables)
    assert matched >= 20
    assert secrets >= 1  # the demo publication masks some cells the notebooks show


def test_outputs_of_the_demo_publication(publication: Path) -> None:
    summary = build_outputs(publication, "76")
    assert len([f for f in summary.files if f.endswith(".pdf")]) == 14
    everything, masked = published_cells(publication)
    secret_shown = 0
    for path in sorted((publication / "rapports").glob("*.html")):
        shown = html_cells(path)
        check_cells(shown, everything, masked)
        secret_shown += sum(state == "secret" for _, state, _ in shown)
        drawn = {key for kind, key in svg_ids(path.read_text(encoding="utf-8")) if kind == "v"}
        assert not drawn & masked
    assert secret_shown > 0
    assert check_geopackage(publication, "departements") > 0
    assert check_workbook(publication) > 0
