"""Structural checks of the outputs of a published folder, shared by the acceptance test on the
hand-typed publication and the integration test on the demo publication.

Each output names the published cells it shows (HTML `data-cle`, Typst `val(…)`, SVG ids, the
GeoPackage's `champs` table, the workbook's sheets and rows); these checks read those names
back with their own parsers and compare with the published Parquet files.
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

from pipelines.lib.publication.outputs.classeur import SECRET_FILL
from pipelines.lib.publication.outputs.published import MASK_COLUMN, cell_key, masked_columns


def published_cells(folder: Path) -> tuple[set[str], set[str]]:
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


class HtmlCells(HTMLParser):
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


def check_cells(shown: list[tuple[str, str, str]], everything: set[str], masked: set[str]) -> None:
    for key, state, text in shown:
        assert key in everything, f"{key}: not a published cell"
        if key in masked:
            assert (state, text) == ("secret", "secret"), key
        else:
            assert state != "secret" and text != "secret", key


_TYPST_STRING = r'"((?:[^"\\]|\\.)*)"'
TYPST_VAL = re.compile(rf"\bval\({_TYPST_STRING}, {_TYPST_STRING}, {_TYPST_STRING}")
SVG_ID = re.compile(r'\bid="(v|secret):([^"]*)"')


def unescape_typst(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "r": "\r", "t": "\t"}.get(m[1], m[1]), text)


def html_cells(path: Path) -> list[tuple[str, str, str]]:
    parser = HtmlCells()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser.found


def typst_cells(source: str) -> list[tuple[str, str, str]]:
    """(key, state, text) of every `val(key, text, state)` of a Typst source."""
    return [
        (unescape_typst(k), unescape_typst(state), unescape_typst(text))
        for k, text, state in TYPST_VAL.findall(source)
    ]


def svg_ids(text: str) -> list[tuple[str, str]]:
    """("v" or "secret", key) of every chart element naming a published cell."""
    return [(kind, html.unescape(raw)) for kind, raw in SVG_ID.findall(text)]


def _is_null(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def check_geopackage(folder: Path, layer: str) -> int:
    """Every attribute of `layer` is its published value, null where masked (and then named in
    the feature's `cellules_masquees`); returns how many masked cells were checked."""
    gpkg = folder / "cartes" / "observatoire.gpkg"
    features = pyogrio.read_dataframe(gpkg, layer=layer)
    fields = pyogrio.read_dataframe(gpkg, layer="champs")
    frames = {m: pl.read_parquet(folder / f"{m}.parquet") for m in set(fields["mart"])}
    masked_seen = 0
    for _, feature in features.iterrows():
        told = masked_columns(feature[MASK_COLUMN])
        for _, f in fields.iterrows():
            frame = frames[f["mart"]]
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
    return masked_seen


def check_workbook(folder: Path) -> int:
    """Every mart sheet holds the published rows: masked cells empty on the secret fill, other
    cells their value (booleans oui/non); returns how many masked cells were checked."""
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
                if value is None or value == "":  # a spreadsheet cell holds no empty text
                    assert cell.value is None
                elif isinstance(value, bool):
                    assert cell.value == ("oui" if value else "non")
                elif isinstance(value, float):  # Excel keeps 15 significant digits
                    assert cell.value == pytest.approx(value, rel=1e-14), (path.stem, r, column)
                else:
                    assert cell.value == value, (path.stem, r, column)
    return masked_seen


class HtmlTables(HTMLParser):
    """The tables of an HTML output (a polars frame's repr): header names and row texts."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[tuple[list[str], list[list[str]]]] = []
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._in_head = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.tables.append(([], []))
        elif tag == "thead":
            self._in_head = True
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None and self.tables:
            header, rows = self.tables[-1]
            if self._in_head and not header:
                header.extend(self._row)
            elif not self._in_head:
                rows.append(self._row)
            self._row = None
        elif tag == "thead":
            self._in_head = False

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def _same(shown: str, value: object) -> bool:
    if isinstance(value, bool):
        return shown in (str(value).lower(), "oui" if value else "non")
    if isinstance(value, int | float):
        try:
            return float(shown) == pytest.approx(float(value), rel=1e-6, abs=1e-9)
        except ValueError:
            return False
    return shown == str(value)


def check_notebook_tables(folder: Path, outputs_html: list[str]) -> tuple[int, int]:
    """Every figure a notebook table shows is a visible published value of that cell, and a
    cell that every mart holding it masks is shown « secret » (or empty). A displayed cell is
    matched to the published rows of every mart whose row keys the table shows and which has
    that column. Returns (cells matched, masked cells shown as secret)."""
    from pipelines.lib.publication.outputs.published import ROW_KEYS

    frames = {p.stem: pl.read_parquet(p) for p in folder.glob("*.parquet")}
    index: dict[str, dict[tuple[str, ...], dict[str, object]]] = {
        mart: {
            tuple(str(row[k]) for k in ROW_KEYS[mart]): row for row in frame.iter_rows(named=True)
        }
        for mart, frame in frames.items()
        if mart in ROW_KEYS and all(k in frame.columns for k in ROW_KEYS[mart])
    }
    matched = secrets = 0
    for text in outputs_html:
        parser = HtmlTables()
        parser.feed(text)
        for header, rows in parser.tables:
            marts = [m for m in index if set(ROW_KEYS[m]) <= set(header)]
            for values in rows:
                if len(values) != len(header) or values[0] == "…":
                    continue  # elided rows of a long frame
                shown = {h: v.strip('"') for h, v in zip(header, values, strict=True)}
                for column, text_value in shown.items():
                    candidates = []
                    for mart in marts:
                        if column in ROW_KEYS[mart] or column not in frames[mart].columns:
                            continue
                        row = index[mart].get(tuple(shown[k] for k in ROW_KEYS[mart]))
                        if row is not None:
                            candidates.append(row)
                    if not candidates:
                        continue
                    matched += 1
                    hidden = [column in masked_columns(r.get(MASK_COLUMN)) for r in candidates]
                    if text_value in ("secret", "—", "null", ""):
                        assert text_value != "secret" or any(hidden), (column, shown)
                        secrets += text_value == "secret"
                    else:
                        assert any(
                            not h and _same(text_value, r[column])
                            for h, r in zip(hidden, candidates, strict=True)
                        ), (column, shown)
    return matched, secrets
