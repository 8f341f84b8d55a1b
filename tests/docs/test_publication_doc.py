"""The published folder that `docs/marts.md` and the guide per audience (`docs/README.md`)
describe is the one a real run writes.

One `observatoire run`, as an observatory launches it, on three small deliveries (ASE and a
Mission Locale in the Ariège, Habitat Jeunes in the Lot: both in Occitanie), then the
publication is compared with the documents: every documented file exists and every file is
documented, the published marts are those the document marks published, each with the columns
it documents, regional rows where it says so, the analysts' database, the dictionary and the
deliveries with the columns it names, the map's layers and the workbook's sheets that the guide
names, and the rollback command it gives.
"""

import csv
import datetime as dt
import json
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import openpyxl
import polars as pl
import pyogrio
import pytest
from doc_reading import (
    BLOCKS,
    MARTS_DOC,
    SUMMARY,
    documented_columns,
    documented_published,
    section,
    spans,
)
from helpers import pid, valid_ase, valid_hj, valid_ml, write_delivery

from pipelines.lib.reference import DEFAULT_REGION, departements_of_region

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "README.md"
BIN = Path(sys.executable).parent
CHECK_DATE = dt.date(2025, 6, 1)
MASK_COLUMN = "cellules_masquees"
DOCUMENTED_PUBLISHED = documented_published()


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder behind `data/marts` after one run (the link resolved)."""
    root = tmp_path_factory.mktemp("publication-doc")
    ase = valid_ase(3)
    # One person still in care on 31 December: the housing projection starts from that stock,
    # so that every published mart has rows to compare.
    ase["ase_jeunes"].append(
        {"id_jeune": pid(4), "sexe": "M", "annee_mois_naissance": "2007-05", "mna": "0"}
    )
    ase["ase_mesures"].append(
        {
            "id_mesure": "M4",
            "id_jeune": pid(4),
            "type_mesure": "APJM",
            "mode_accueil": "MECS",
            "date_debut": "2024-01-15",
        }
    )
    write_delivery(root / "raw", "ase", "09", 2024, ase)
    write_delivery(root / "raw", "ml", "09", 2024, valid_ml())
    write_delivery(root / "raw", "hj", "46", 2024, valid_hj())
    marts = root / "data" / "marts"
    done = subprocess.run(
        [
            str(BIN / "observatoire"),
            "run",
            "--raw",
            str(root / "raw"),
            "--warehouse",
            str(root / "data" / "warehouse.duckdb"),
            "--marts",
            str(marts),
            "--reports",
            str(root / "data" / "reports"),
            "--date-controle",
            CHECK_DATE.isoformat(),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert marts.is_symlink(), "data/marts is documented as a link to the publication"
    return marts.resolve()


def _files(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


def documented_files() -> list[tuple[str, str]]:
    """(pattern, what it holds) for each row of « Les fichiers du dossier publié »."""
    text = section(MARTS_DOC.read_text(encoding="utf-8"), "### Les fichiers du dossier publié")
    rows = re.findall(r"^\| `([^`]+)` \| (.*?) \|", text, re.MULTILINE)
    assert rows, "no table of files"
    return rows


def pattern(documented: str) -> re.Pattern[str]:
    """A documented name as a regular expression: `<mart>` is a published mart, `<dept>` a
    department code."""
    marts = "|".join(map(re.escape, DOCUMENTED_PUBLISHED))
    parts = re.split(r"(<mart>|<dept>)", documented)
    placeholders = {"<mart>": f"(?P<mart>{marts})", "<dept>": r"(?P<dept>[0-9][0-9AB][0-9]?)"}
    return re.compile("".join(placeholders.get(p, re.escape(p)) for p in parts) + "$")


def _row(name: str) -> str:
    return dict(documented_files())[name]


def test_reading_a_documented_name() -> None:
    assert pattern("rapports/bilan_odpe_<dept>.pdf").match("rapports/bilan_odpe_2A.pdf")
    assert not pattern("rapports/bilan_odpe_<dept>.pdf").match("rapports/bilan_odpe_09.html")
    assert pattern("<mart>.csv").match("bilan_odpe.csv")
    assert not pattern("<mart>.csv").match("sorties_ase.csv")  # internal: never published


def test_every_documented_file_is_published(published: Path) -> None:
    files = _files(published)
    absent = [name for name, _ in documented_files() if not any(map(pattern(name).match, files))]
    assert not absent, f"docs/marts.md describes files that a publication does not hold: {absent}"


def test_every_published_file_is_documented(published: Path) -> None:
    patterns = [pattern(name) for name, _ in documented_files()]
    undocumented = sorted(f for f in _files(published) if not any(p.match(f) for p in patterns))
    assert not undocumented, f"files of the publication missing from docs/marts.md: {undocumented}"


def test_a_bilan_for_every_department_of_the_region(published: Path) -> None:
    """« un par département de la région », under the codes of the marts."""
    expected = {d.code for d in departements_of_region(DEFAULT_REGION)}
    for name in ("rapports/bilan_odpe_<dept>.pdf", "rapports/bilan_odpe_<dept>.html"):
        found = {m["dept"] for f in _files(published) if (m := pattern(name).match(f))}
        assert found == expected, name


def test_published_marts_are_those_documented_with_their_columns(published: Path) -> None:
    """Each mart in its three forms, with the documented columns and `cellules_masquees` last."""
    parquet = {p.stem for p in published.glob("*.parquet")}
    assert sorted(parquet) == sorted(DOCUMENTED_PUBLISHED)
    with duckdb.connect(str(published / "observatoire.duckdb"), read_only=True) as con:
        for mart in DOCUMENTED_PUBLISHED:
            columns = list(pl.read_parquet_schema(published / f"{mart}.parquet"))
            assert columns[-1] == MASK_COLUMN, mart
            assert sorted(columns[:-1]) == sorted(documented_columns(BLOCKS[mart])), mart
            with (published / f"{mart}.csv").open(encoding="utf-8-sig", newline="") as handle:
                assert next(csv.reader(handle, delimiter=";")) == columns, mart
            in_db = [r[0] for r in con.execute(f"describe {mart}").fetchall()]
            assert in_db == columns, mart


def test_regional_rows_where_documented(published: Path) -> None:
    region = f"R{DEFAULT_REGION}"
    for mart in DOCUMENTED_PUBLISHED:
        frame = pl.read_parquet(published / f"{mart}.parquet")
        assert frame.height > 0, f"{mart} is empty: nothing to compare"
        has_region = region in frame["dept"].to_list()
        assert has_region == (SUMMARY[mart][2] == "oui"), mart


def test_analysts_database_holds_the_marts_and_the_documented_tables(published: Path) -> None:
    extra = [s for s in spans(_row("observatoire.duckdb")) if s in ("dictionnaire", "livraisons")]
    with duckdb.connect(str(published / "observatoire.duckdb"), read_only=True) as con:
        tables = {r[0] for r in con.execute("show tables").fetchall()}
        # The database's own tables and columns, not DuckDB's catalogue views.
        ours = "not internal and database_name = current_database()"
        uncommented = con.execute(
            f"select table_name, null from duckdb_tables() where {ours} "
            "and coalesce(comment, '') = '' "
            f"union all select table_name, column_name from duckdb_columns() where {ours} "
            "and coalesce(comment, '') = ''"
        ).fetchall()
        commented = con.execute(
            f"select count(*) from duckdb_columns() where {ours} and comment <> ''"
        ).fetchone()
    assert tables == set(DOCUMENTED_PUBLISHED) | set(extra)
    assert sorted(extra) == ["dictionnaire", "livraisons"]
    # « chaque table et chaque colonne porte sa description »
    assert not uncommented, uncommented
    assert commented and commented[0] > len(tables), "the columns were not read"


@pytest.mark.parametrize("name", ["dictionnaire.csv", "livraisons.csv"])
def test_documented_columns_of_the_publication_tables(published: Path, name: str) -> None:
    with (published / name).open(encoding="utf-8-sig", newline="") as handle:
        header = next(csv.reader(handle, delimiter=";"))
    assert header == spans(_row(name))


def test_masking_summary_holds_the_threshold_and_the_counts(published: Path) -> None:
    summary = json.loads((published / "masquage.json").read_text(encoding="utf-8"))
    assert summary["seuil"] == 11
    assert set(summary["cellules_masquees"]) == set(DOCUMENTED_PUBLISHED)


def test_layers_and_sheets_named_in_the_guide(published: Path) -> None:
    guide = section(GUIDE.read_text(encoding="utf-8"), "## Guide par public")
    layers = {name for name, _ in pyogrio.list_layers(published / "cartes" / "observatoire.gpkg")}
    layers.discard("layer_styles")  # QGIS's own table of styles
    assert layers <= set(spans(guide)), f"layers not named in the guide: {layers}"
    workbook = openpyxl.load_workbook(published / "observatoire.xlsx", read_only=True)
    sheets = [s for s in workbook.sheetnames if s not in DOCUMENTED_PUBLISHED]
    workbook.close()
    assert sheets and all(f"« {s} »" in guide for s in sheets), sheets


def test_documented_rollback_command_is_the_tool(published: Path) -> None:
    """The command of « Mises à jour » answers; after a single publication there is nothing to
    go back to, and it says so without changing the link."""
    text = section(
        MARTS_DOC.read_text(encoding="utf-8"), "### Mises à jour : une publication à la fois"
    )
    command = re.search(r"\.venv/bin/python (-m \S+ \S+) data/marts", text)
    assert command, "no rollback command"
    link = published.parent.parent.parent / "marts"
    done = subprocess.run(
        [sys.executable, *command[1].split(), str(link)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Aucune publication précédente" in done.stdout
    assert link.resolve() == published
