"""Maps: the GeoPackage for QGIS (ARML, URHAJ) and the same maps rendered for the reports.

Contours are those of `reference/departements.geojson` (Natural Earth, WGS84, small scale),
carried in the repository. Values come from the published marts only; a masked value is a null
attribute, named in the feature's `cellules_masquees`, drawn hatched as « secret ».

Residences are not mapped: the published marts do not carry their commune and the reference
data has no commune coordinates, so any point would be invented. They are in the GeoPackage as
an attribute table (`residences`) that QGIS can join to the departments by `dept`.
"""

import math
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from xml.sax.saxutils import quoteattr

import geopandas as gpd
import pandas as pd
import pyogrio
from matplotlib.figure import Figure
from matplotlib.patches import Patch, PathPatch
from matplotlib.path import Path as MplPath
from shapely.geometry.base import BaseGeometry

from pipelines.lib.publication.outputs import libelles
from pipelines.lib.publication.outputs.cells import Kind, format_value, kind_of
from pipelines.lib.publication.outputs.charts import SECRET_COLOUR, WIDTH_IN, Point
from pipelines.lib.publication.outputs.published import (
    MASK_COLUMN,
    NAME_COLUMN,
    PROVISIONAL_COLUMN,
    Publication,
    Row,
)
from pipelines.lib.reference import PROJECT_ROOT

CONTOURS = PROJECT_ROOT / "reference" / "departements.geojson"
GPKG_NAME = "observatoire.gpkg"
LAYER = "departements"
REGION_LAYER = "region"

# Department-level marts whose indicators become fields, in this order (a name already taken
# by an earlier mart is not repeated: `nb_sorties` is the exits of `bilan_odpe`).
FIELD_SOURCES = (
    "bilan_odpe",
    "sorties_ase_synthese",
    "places_par_departement",
    "couverture_territoriale",
    "part_ex_mna",
    "delai_cej",
)
_NOT_FIELDS = {
    "annee",
    "annee_sortie",
    "dept",
    NAME_COLUMN,
    MASK_COLUMN,
    PROVISIONAL_COLUMN,
    "population",
}
# Choropleth styles written for QGIS; the first is the default.
STYLES = {
    "places_cd_pour_100_jeunes_majeurs": "Places CD pour 100 JM",
    "part_sorties_seches": "Sorties sèches",
    "part_sorties_suivies_ml": "Sorties suivies par une ML",
    "taux_entretien_17_ans": "Entretien des 17 ans",
}
BLUES = ("#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c")


@cache
def _all_contours() -> gpd.GeoDataFrame:
    return gpd.read_file(CONTOURS, engine="pyogrio")


def contours(region: str) -> gpd.GeoDataFrame:
    """The region's departments (`code`, `nom`, `geometry`), WGS84."""
    frame = _all_contours()
    return frame[frame["region"] == region].sort_values("code").reset_index(drop=True)


@dataclass(frozen=True)
class FieldSource:
    """Where a field of the `departements` layer comes from."""

    field: str
    mart: str
    column: str
    population: str | None = None


def _year_of(row: Row) -> int | None:
    for c in ("annee", "annee_sortie"):
        v = row.get(c)
        if isinstance(v, int):
            return v
    return None


def layer_fields(pub: Publication) -> list[FieldSource]:
    """The indicator fields, named as in the marts (`part_ex_mna` widened per population:
    `part_ex_mna_sorties`, `nb_jeunes_jeunes_majeurs`…)."""
    fields: list[FieldSource] = []
    taken: set[str] = set()
    for mart in FIELD_SOURCES:
        columns = [c for c in pub.columns(mart) if c not in _NOT_FIELDS]
        if mart == "part_ex_mna":
            populations = sorted(
                {str(r["population"]) for r in pub.rows(mart) if r["population"] is not None}
            )
            for pop in populations:
                for c in columns:
                    name = f"{c}_{pop.lower()}"
                    if name not in taken:
                        taken.add(name)
                        fields.append(FieldSource(name, mart, c, pop))
            continue
        for c in columns:
            if c not in taken:
                taken.add(c)
                fields.append(FieldSource(c, mart, c))
    return fields


def _attribute_rows(pub: Publication, dept_codes: Sequence[str]) -> list[dict[str, object]]:
    fields = layer_fields(pub)
    index: dict[tuple[str, str, int, str | None], Row] = {}
    for mart in FIELD_SOURCES:
        for row in pub.rows(mart):
            year = _year_of(row)
            dept = row.get("dept")
            if year is None or not isinstance(dept, str):
                continue
            pop = row.get("population")
            index[(mart, dept, year, pop if isinstance(pop, str) else None)] = row
    years = sorted({k[2] for k in index})
    out: list[dict[str, object]] = []
    for dept in dept_codes:
        for year in years:
            if not any(k[1] == dept and k[2] == year for k in index):
                continue
            record: dict[str, object] = {
                "annee": year,
                "dept": dept,
                "nom": pub.territory_name(dept),
            }
            masked: list[str] = []
            for f in fields:
                source = index.get((f.mart, dept, year, f.population))
                if source is None:
                    record[f.field] = None
                elif source.is_masked(f.column):
                    record[f.field] = None
                    masked.append(f.field)
                else:
                    record[f.field] = source.get(f.column)
            bilan = index.get(("bilan_odpe", dept, year, None))
            delai = index.get(("delai_cej", dept, year, None))
            record[PROVISIONAL_COLUMN] = bool(bilan and bilan.provisional)
            record["provisoire_delai_cej"] = bool(delai and delai.provisional)
            record[MASK_COLUMN] = ", ".join(masked) or None
            out.append(record)
    return out


def _typed_frame(rows: list[dict[str, object]], fields: list[FieldSource]) -> pd.DataFrame:
    """Counts as 64-bit integers, shares and estimates as reals, flags as booleans: nulls kept
    (pandas' nullable types), so QGIS sees the marts' types."""
    frame = pd.DataFrame(rows, dtype=object)
    for f in fields:
        values = [v for v in frame[f.field] if v is not None]
        if values and all(isinstance(v, bool) for v in values):
            frame[f.field] = frame[f.field].astype("boolean")
        elif all(isinstance(v, int) and not isinstance(v, bool) for v in values):
            frame[f.field] = frame[f.field].astype("Int64")
        elif all(isinstance(v, int | float) for v in values):
            frame[f.field] = frame[f.field].astype("Float64")
        else:
            frame[f.field] = frame[f.field].astype("string")
    frame["annee"] = frame["annee"].astype("Int32")
    for flag in (PROVISIONAL_COLUMN, "provisoire_delai_cej"):
        frame[flag] = frame[flag].astype("boolean")
    frame["dept"] = frame["dept"].astype("string")
    frame["nom"] = frame["nom"].astype("string")
    frame[MASK_COLUMN] = frame[MASK_COLUMN].astype("string")
    return frame


def write_geopackage(pub: Publication, folder: Path) -> Path:
    """`<folder>/observatoire.gpkg`: layers `departements` and `region`, attribute tables
    `residences` and `champs`, and QGIS default styles (`layer_styles`)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / GPKG_NAME
    if path.exists():
        path.unlink()
    shapes = contours(pub.region)
    geometry = dict(zip(shapes["code"], shapes.geometry, strict=True))
    fields = layer_fields(pub)
    codes = [c for c, _ in pub.departments if c in geometry]
    rows = _attribute_rows(pub, codes)
    frame = _typed_frame(rows, fields) if rows else pd.DataFrame(columns=["annee", "dept", "nom"])
    layer = gpd.GeoDataFrame(frame, geometry=[geometry[d] for d in frame["dept"]], crs="EPSG:4326")
    pyogrio.write_dataframe(layer, path, layer=LAYER, promote_to_multi=True)

    region_rows = _attribute_rows(pub, [pub.region_code])
    if region_rows:
        region_frame = _typed_frame(region_rows, fields)
        outline = shapes.geometry.union_all()
        region_layer = gpd.GeoDataFrame(
            region_frame, geometry=[outline] * len(region_frame), crs="EPSG:4326"
        )
        pyogrio.write_dataframe(region_layer, path, layer=REGION_LAYER, promote_to_multi=True)

    if pub.has("residences_plafond"):
        res = pub.frame("residences_plafond").to_pandas()
        res = res[res["dept"].isin(codes)] if "dept" in res.columns else res
        pyogrio.write_dataframe(res.reset_index(drop=True), path, layer="residences")

    champs = pd.DataFrame(
        [
            {
                "champ": f.field,
                "mart": f.mart,
                "colonne": f.column,
                "population": f.population,
                "description": pub.description(f.mart, f.column) or libelles.column(f.column),
            }
            for f in fields
        ]
    )
    if not champs.empty:
        pyogrio.write_dataframe(champs, path, layer="champs")
    _write_styles(path, frame)
    return path


# --- QGIS styles -------------------------------------------------------------------------------

_STYLES_DDL = """
create table if not exists layer_styles (
    id integer primary key autoincrement not null,
    f_table_catalog text(256),
    f_table_schema text(256),
    f_table_name text(256),
    f_geometry_column text(256),
    styleName text(30),
    styleQML text,
    styleSLD text,
    useAsDefault boolean,
    description text,
    owner text(30),
    ui text(30),
    update_time datetime default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
)
"""


def _breaks(values: list[float], classes: int = 5) -> list[float]:
    """Quantile class limits of the visible values (at most `classes` classes)."""
    values = sorted(values)
    if not values:
        return []
    cuts = [values[0]]
    for k in range(1, classes):
        q = values[min(len(values) - 1, math.floor(k * len(values) / classes))]
        if q > cuts[-1]:
            cuts.append(q)
    if values[-1] > cuts[-1] or len(cuts) == 1:
        cuts.append(values[-1])
    return cuts


def _qgis_number(v: float) -> str:
    return repr(round(v, 6))


def _symbol(name: str, colour: str, style: str = "solid") -> str:
    rgb = ",".join(str(int(colour[i : i + 2], 16)) for i in (1, 3, 5)) + ",255"
    props = {
        "color": rgb,
        "outline_color": "80,80,80,255",
        "outline_style": "solid",
        "outline_width": "0.3",
        "outline_width_unit": "MM",
        "style": style,
        "joinstyle": "bevel",
        "offset": "0,0",
        "offset_unit": "MM",
    }
    options = "".join(f'<Option type="QString" name="{k}" value="{v}"/>' for k, v in props.items())
    legacy = "".join(f'<prop k="{k}" v="{v}"/>' for k, v in props.items())
    return (
        f'<symbol type="fill" name="{name}" alpha="1" clip_to_extent="1" force_rhr="0">'
        f'<layer class="SimpleFill" enabled="1" pass="0" locked="0">'
        f'<Option type="Map">{options}</Option>{legacy}</layer></symbol>'
    )


def qml(field: str, year: int, values: list[float]) -> str:
    """A rule-based choropleth of `field` for one year (the QGIS project variable
    `annee_carte` picks another), with « secret » hatched and « sans objet » grey."""
    kind: Kind = kind_of(field)
    year_filter = f'"annee" = coalesce(@annee_carte, {year})'
    in_mask = f"array_contains(string_to_array(coalesce(\"{MASK_COLUMN}\", ''), ', '), '{field}')"
    rules: list[tuple[str, str]] = []
    symbols: list[str] = []
    cuts = _breaks(values)
    for n in range(len(cuts) - 1):
        low, high = cuts[n], cuts[n + 1]
        op = ">=" if n == 0 else ">"
        expr = (
            f'{year_filter} AND "{field}" {op} {_qgis_number(low)} '
            f'AND "{field}" <= {_qgis_number(high)}'
        )
        label = f"{format_value(low, kind)} – {format_value(high, kind)}"
        rules.append((expr, label))
        symbols.append(_symbol(str(n), BLUES[min(n, len(BLUES) - 1)]))
    rules.append((f'{year_filter} AND "{field}" IS NULL AND {in_mask}', "secret statistique"))
    symbols.append(_symbol(str(len(symbols)), "#ffffff", "b_diagonal"))
    rules.append((f'{year_filter} AND "{field}" IS NULL AND NOT {in_mask}', "sans objet"))
    symbols.append(_symbol(str(len(symbols)), "#d9d9d9"))
    rule_xml = "".join(
        f'<rule key="{{r{n}}}" symbol="{n}" label={quoteattr(label)} filter={quoteattr(expr)}/>'
        for n, (expr, label) in enumerate(rules)
    )
    labeling = (
        '<labeling type="simple"><settings calloutType="simple">'
        '<text-style fieldName="nom" isExpression="0" fontSize="8" fontSizeUnit="Point" '
        'textColor="30,30,30,255" fontFamily="Sans Serif" namedStyle="Regular">'
        '<text-buffer bufferDraw="1" bufferSize="0.8" bufferSizeUnits="MM" '
        'bufferColor="255,255,255,255"/></text-style>'
        '<placement placement="1" centroidInside="1" centroidWhole="0"/>'
        "</settings></labeling>"
    )
    return (
        "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n"
        '<qgis version="3.28.0-Firenze" styleCategories="Symbology|Labeling" labelsEnabled="1">'
        '<renderer-v2 type="RuleRenderer" symbollevels="0" enableorderby="0" forceraster="0" '
        'referencescale="-1">'
        f'<rules key="{{racine}}">{rule_xml}</rules>'
        f"<symbols>{''.join(symbols)}</symbols>"
        "</renderer-v2>"
        f"{labeling}"
        "</qgis>\n"
    )


def _write_styles(path: Path, frame: pd.DataFrame) -> None:
    if frame.empty:
        return
    year = int(frame["annee"].max())
    latest = frame[frame["annee"] == year]
    styles: list[tuple[str, str, str, bool]] = []
    first = True
    for field, name in STYLES.items():
        if field not in frame.columns:
            continue
        values = [float(v) for v in latest[field].dropna().tolist()]
        description = f"{libelles.column(field)}, {year} (variable de projet annee_carte)"
        styles.append((name, qml(field, year, values), description, first))
        first = False
    con = sqlite3.connect(path)
    try:
        con.execute(_STYLES_DDL)
        for name, text, description, default in styles:
            con.execute(
                "insert into layer_styles (f_table_catalog, f_table_schema, f_table_name, "
                "f_geometry_column, styleName, styleQML, styleSLD, useAsDefault, description, "
                "owner, ui) values ('', '', ?, 'geom', ?, ?, '', ?, ?, '', '')",
                (LAYER, name, text, 1 if default else 0, description),
            )
        con.execute(
            "insert or replace into gpkg_contents (table_name, data_type, identifier, "
            "description, last_change) values ('layer_styles', 'attributes', 'layer_styles', "
            "'Styles QGIS', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))"
        )
        con.commit()
    finally:
        con.close()


# --- Rendered maps -----------------------------------------------------------------------------


def _path(geom: BaseGeometry, scale_x: float) -> MplPath:
    vertices: list[tuple[float, float]] = []
    codes: list[int] = []
    move, line, close = int(MplPath.MOVETO), int(MplPath.LINETO), int(MplPath.CLOSEPOLY)
    polygons = getattr(geom, "geoms", [geom])
    for poly in polygons:
        for ring in [poly.exterior, *poly.interiors]:
            coords = [(x * scale_x, y) for x, y in ring.coords]
            vertices.extend(coords)
            codes.extend([move] + [line] * (len(coords) - 2) + [close])
    return MplPath(vertices, codes)


def map_chart(
    title: str,
    shapes: gpd.GeoDataFrame,
    values: dict[str, Point],
    kind: Kind,
    highlight: str | None = None,
) -> str:
    """A choropleth of the region (quantile classes of the visible values)."""
    from pipelines.lib.publication.outputs.charts import _svg

    bounds = shapes.total_bounds
    scale_x = math.cos(math.radians((bounds[1] + bounds[3]) / 2))
    visible = [p.value for p in values.values() if p.value is not None]
    cuts = _breaks(visible)
    width = WIDTH_IN * 0.8
    ratio = (bounds[3] - bounds[1]) / ((bounds[2] - bounds[0]) * scale_x)
    map_width = width * 0.64
    height = map_width * ratio + 0.45
    fig = Figure(figsize=(width, height))
    ax = fig.add_axes((0.01, 0.02, 0.64, (map_width * ratio) / height))
    for code, geom in zip(shapes["code"], shapes.geometry, strict=True):
        point = values.get(code, Point(code, None))
        hatch = None
        dark = False
        if point.value is not None:
            klass = next(
                (n for n in range(len(cuts) - 1) if point.value <= cuts[n + 1]), len(cuts) - 2
            )
            colour = BLUES[max(0, min(klass, len(BLUES) - 1))]
            dark = klass >= 3
        elif point.secret:
            colour, hatch = "#ffffff", "////"
        else:
            colour = "#d9d9d9"
        patch = PathPatch(
            _path(geom, scale_x),
            facecolor=colour,
            edgecolor=HIGHLIGHT_EDGE if code == highlight else "#555555",
            linewidth=2.0 if code == highlight else 0.5,
            hatch=hatch,
            zorder=3 if code == highlight else 2,
        )
        if point.key:
            patch.set_gid(f"{'v' if point.value is not None else 'secret'}:{point.key}")
        ax.add_patch(patch)
        centre = geom.representative_point()
        ax.text(
            centre.x * scale_x,
            centre.y,
            code,
            ha="center",
            va="center",
            fontsize=6.5,
            color="#ffffff" if dark else "#000000",
            zorder=4,
        )
    ax.set_xlim(bounds[0] * scale_x, bounds[2] * scale_x)
    ax.set_ylim(bounds[1], bounds[3])
    ax.set_aspect("equal")
    ax.axis("off")
    fig.text(0.01, 1 - 0.08 / height, title, fontsize=9, fontweight="bold", va="top")
    handles = [
        Patch(
            facecolor=BLUES[min(n, len(BLUES) - 1)],
            edgecolor="#555555",
            label=f"{format_value(cuts[n], kind)} – {format_value(cuts[n + 1], kind)}",
        )
        for n in range(len(cuts) - 1)
    ]
    if any(p.secret for p in values.values()):
        handles.append(
            Patch(facecolor="white", edgecolor=SECRET_COLOUR, hatch="////", label="secret")
        )
    if any(p.value is None and not p.secret for p in values.values()) or len(values) < len(shapes):
        handles.append(Patch(facecolor="#d9d9d9", edgecolor="#555555", label="sans objet"))
    ax.legend(
        handles=handles, frameon=False, fontsize=6.5, loc="upper left", bbox_to_anchor=(1.02, 1.0)
    )
    return _svg(fig)


HIGHLIGHT_EDGE = "#e07b39"
