"""Acceptance (issue 11): no bilan, synthesis, chart, map attribute or workbook cell shows a value
that the published marts mask. Structural: every published cell an output shows is named (HTML
`data-cle`, Typst `val(…)`, SVG ids, the GeoPackage's `champs` table, the workbook's sheet and
row), and each masked one must be shown as « secret » (or empty), each other one as its value.
"""

import html
import math
import re
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import polars as pl
import pyogrio
import pytest

from pipelines.lib.publication.outputs import OutputsSummary, contenu, rendu
from pipelines.lib.publication.outputs.classeur import SECRET_FILL
from pipelines.lib.publication.outputs.published import (
    MASK_COLUMN,
    Publication,
    cell_key,
    masked_columns,
)

# Cells masked in the hand-typed publication (conftest.py) that the reports must show.
MUST_SHOW_SECRET = {
    "bilan_odpe|nb_sorties_seches|annee=2024;dept=09",
    "bilan_odpe|taux_entretien_17_ans|annee=2024;dept=09",
    "bilan_odpe|nb_retours|annee=2023;dept=09",
    "sorties_ase_synthese|part_sorties_seches|annee=2024;dept=09",
    "sorties_ase_marges|nb_sorties|annee=2024;dept=09;dimension=logement_sortie;modalite=SANS_SOLUTION",
    "part_ex_mna|part_ex_mna|annee=2024;dept=09;population=JEUNES_MAJEURS",
    "delai_cej|nb_cej_6_mois|annee_sortie=2023;dept=09",
    "delai_cej|delai_median_jours|annee_sortie=2023;dept=09",
    "parcours|nb_sorties|annee_sortie=2024;dept=09;parcours=HJ_SEUL",
    "besoin_logement_pdalhpd|sorties_observees|annee_reference=2023;dept=09;annee_projection=2024",
}
# …and that a chart draws as a « secret » mark.
MUST_CHART_SECRET = {
    "bilan_odpe|taux_entretien_17_ans|annee=2024;dept=09",
    "parcours|nb_sorties|annee_sortie=2024;dept=09;parcours=HJ_SEUL",
    "sorties_ase_synthese|part_sorties_seches|annee=2024;dept=09",
    "besoin_logement_pdalhpd|besoin_logement_observe|annee_reference=2023;dept=09;annee_projection=2024",
}


def _published_cells(folder: Path) -> tuple[set[str], set[str]]:
    """(every published cell's key, the masked ones)."""
    everything: set[str] = set()
    masked: set[str] = set()
    for path in folder.glob("*.parquet"):
        mart = path.stem
        for row in pl.read_parquet(path).iter_rows(named=True):
            hidden = masked_columns(row.get(MASK_COLUMN))
            for column in row:
                key = cell_key(mart, column, row)
                everything.add(key)
                if column in hidden:
                    masked.add(key)
    return everything, masked


class _Cells(HTMLParser):
    """The text of every element carrying `data-cle` (a table cell or a key figure, which hold
    text and at most a `<strong>`)."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, str, str]] = []
        self._current: tuple[str, str, str, list[str]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        key = a.get("data-cle")
        if key is not None:
            assert self._current is None, "nested cells"
            self._current = (tag, key, a.get("data-etat") or "", [])

    def handle_endtag(self, tag: str) -> None:
        if self._current is not None and self._current[0] == tag:
            _, key, state, text = self._current
            self.found.append((key, state, "".join(text).strip()))
            self._current = None

    def handle_data(self, data: str) -> None:
        if self._current is not None:
            self._current[3].append(data)


def _check(shown: list[tuple[str, str, str]], everything: set[str], masked: set[str]) -> None:
    for key, state, text in shown:
        assert key in everything, f"{key}: not a published cell"
        if key in masked:
            assert (state, text) == ("secret", "secret"), key
        else:
            assert state != "secret" and text != "secret", key


_TYPST_STRING = r'"((?:[^"\\]|\\.)*)"'
_TYPST_VAL = re.compile(rf"\bval\({_TYPST_STRING}, {_TYPST_STRING}, {_TYPST_STRING}")
_SVG_ID = re.compile(r'\bid="(v|secret):([^"]*)"')


def _unescape_typst(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "r": "\r", "t": "\t"}.get(m[1], m[1]), text)


def test_reports_show_masked_cells_as_secret(built: tuple[Path, OutputsSummary]) -> None:
    folder, _ = built
    everything, masked = _published_cells(folder)
    shown_secret: set[str] = set()
    for path in sorted((folder / "rapports").glob("*.html")):
        parser = _Cells()
        parser.feed(path.read_text(encoding="utf-8"))
        _check(parser.found, everything, masked)
        shown_secret |= {k for k, state, _ in parser.found if state == "secret"}
        if path.stem in ("bilan_odpe_09", "bilan_odpe_11", "synthese_regionale"):
            assert len(parser.found) > 50, path.name
    assert shown_secret >= MUST_SHOW_SECRET


def test_typst_sources_show_masked_cells_as_secret(built: tuple[Path, OutputsSummary]) -> None:
    """The PDFs' sources, made as `build_outputs` makes them."""
    folder, _ = built
    everything, masked = _published_cells(folder)
    ctx = contenu.Context.of(Publication(folder, "76"))
    docs = [contenu.bilan(ctx, code) for code, _ in ctx.pub.departments]
    docs.append(contenu.synthese(ctx))
    shown_secret: set[str] = set()
    for doc in docs:
        source = rendu.typst_source(doc)
        shown = [
            (_unescape_typst(k), _unescape_typst(state), _unescape_typst(text))
            for k, text, state in _TYPST_VAL.findall(source)
        ]
        _check(shown, everything, masked)
        shown_secret |= {k for k, state, _ in shown if state == "secret"}
    assert shown_secret >= MUST_SHOW_SECRET


def test_charts_never_draw_a_masked_cell(built: tuple[Path, OutputsSummary]) -> None:
    folder, _ = built
    everything, masked = _published_cells(folder)
    drawn: set[str] = set()
    marked: set[str] = set()
    for path in sorted((folder / "rapports").glob("*.html")):
        for kind, raw in _SVG_ID.findall(path.read_text(encoding="utf-8")):
            key = html.unescape(raw)
            assert key in everything, key
            (drawn if kind == "v" else marked).add(key)
    assert not drawn & masked
    assert marked <= masked
    assert marked >= MUST_CHART_SECRET


def _is_null(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


@pytest.mark.parametrize("layer", ["departements", "region"])
def test_map_attributes_are_null_where_masked(
    built: tuple[Path, OutputsSummary], layer: str
) -> None:
    folder, _ = built
    gpkg = folder / "cartes" / "observatoire.gpkg"
    features = pyogrio.read_dataframe(gpkg, layer=layer)
    fields = pyogrio.read_dataframe(gpkg, layer="champs")
    masked_seen = 0
    for _, feature in features.iterrows():
        told = masked_columns(feature[MASK_COLUMN])
        for _, f in fields.iterrows():
            frame = pl.read_parquet(folder / f"{f['mart']}.parquet")
            year = "annee_sortie" if "annee_sortie" in frame.columns else "annee"
            frame = frame.filter(
                (pl.col("dept") == feature["dept"]) & (pl.col(year) == int(feature["annee"]))
            )
            if not _is_null(f["population"]):
                frame = frame.filter(pl.col("population") == f["population"])
            value = feature[f["champ"]]
            if frame.height == 0:
                assert _is_null(value), f["champ"]
                continue
            row = frame.row(0, named=True)
            if f["colonne"] in masked_columns(row[MASK_COLUMN]):
                masked_seen += 1
                assert _is_null(value) and f["champ"] in told, (feature["dept"], f["champ"])
            elif row[f["colonne"]] is None:
                assert _is_null(value)
            else:
                expected = row[f["colonne"]]
                if isinstance(expected, bool):  # GDAL reads a nullable boolean back as 0/1
                    assert bool(value) is expected, f["champ"]
                else:
                    assert value == pytest.approx(expected), f["champ"]
                assert f["champ"] not in told
    if layer == "departements":
        assert masked_seen >= 8


def test_workbook_leaves_masked_cells_empty(built: tuple[Path, OutputsSummary]) -> None:
    folder, _ = built
    book = openpyxl.load_workbook(folder / "observatoire.xlsx")
    masked_seen = 0
    for path in sorted(folder.glob("*.parquet")):
        frame = pl.read_parquet(path)
        sheet = book[path.stem]
        assert [c.value for c in sheet[1]] == frame.columns
        for r, row in enumerate(frame.iter_rows(named=True), start=2):
            hidden = masked_columns(row[MASK_COLUMN])
            for c, column in enumerate(frame.columns, start=1):
                cell = sheet.cell(row=r, column=c)
                secret_fill = cell.fill.fgColor.rgb == SECRET_FILL.fgColor.rgb
                if column in hidden:
                    masked_seen += 1
                    assert cell.value is None and secret_fill, (path.stem, r, column)
                    continue
                assert not secret_fill
                value = row[column]
                if value is None:
                    assert cell.value is None
                elif isinstance(value, bool):
                    assert cell.value == ("oui" if value else "non")
                else:
                    assert cell.value == value, (path.stem, r, column)
    assert masked_seen >= 20
