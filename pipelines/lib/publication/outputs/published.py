"""Reading a published folder — the only source of every output.

Outputs are built from the masked Parquet files, never from the warehouse: whatever the
disclosure control hid is null there, and `cellules_masquees` says which nulls are secret (a
null it does not name is "sans objet"). Every value an output shows comes through a `Row`, so
that a masked cell can only ever be rendered as « secret ».
"""

import csv
import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import polars as pl

from pipelines.lib.publication.outputs.cells import Cell, Kind, format_value, kind_of
from pipelines.lib.reference import SEEDS_DIR, departements_of_region

MASK_COLUMN = "cellules_masquees"
PROVISIONAL_COLUMN = "provisoire"
NAME_COLUMN = "nom_territoire"

# Published marts in the order of docs/marts.md; any other Parquet file of the folder comes after.
MART_ORDER = (
    "places_conventions",
    "places_par_departement",
    "residences_plafond",
    "sorties_ase_marges",
    "sorties_ase_synthese",
    "part_ex_mna",
    "delai_cej",
    "parcours",
    "bilan_odpe",
    "besoin_logement_pdalhpd",
    "couverture_territoriale",
    "appariement",
)

# The columns that identify a row of each mart (what a cell's key is made of).
ROW_KEYS: dict[str, tuple[str, ...]] = {
    "places_conventions": ("annee", "id_residence", "id_convention"),
    "places_par_departement": ("annee", "dept"),
    "residences_plafond": ("annee", "id_residence"),
    "sorties_ase_marges": ("annee", "dept", "dimension", "modalite"),
    "sorties_ase": (
        "annee",
        "dept",
        "tranche_age_sortie",
        "logement_sortie",
        "activite_sortie",
        "ressources_sortie",
    ),
    "sorties_ase_synthese": ("annee", "dept"),
    "part_ex_mna": ("annee", "dept", "population"),
    "delai_cej": ("annee_sortie", "dept"),
    "parcours": ("annee_sortie", "dept", "parcours"),
    "bilan_odpe": ("annee", "dept"),
    "besoin_logement_pdalhpd": ("annee_reference", "dept", "annee_projection"),
    "couverture_territoriale": ("annee", "dept"),
    "appariement": ("annee", "source", "dept", "population"),
}
YEAR_COLUMNS = ("annee", "annee_sortie", "annee_reference")


def cell_key(mart: str, column: str, row: Mapping[str, object]) -> str:
    """The name of one published cell, the same in every output (HTML `data-cle`, the Typst
    source, chart element ids): `mart|column|k=v;k=v`."""
    keys = ROW_KEYS.get(mart) or tuple(c for c in ("annee", "dept") if c in row)
    ident = ";".join(f"{k}={row.get(k)}" for k in keys if k in row)
    return f"{mart}|{column}|{ident}"


def masked_columns(label: object) -> frozenset[str]:
    if not isinstance(label, str) or not label.strip():
        return frozenset()
    return frozenset(part.strip() for part in label.split(",") if part.strip())


@dataclass(frozen=True)
class Row:
    """One published row and the names of its masked cells."""

    mart: str
    values: Mapping[str, object]
    masked: frozenset[str]

    def __getitem__(self, column: str) -> object:
        return self.values.get(column)

    def get(self, column: str, default: object = None) -> object:
        return self.values.get(column, default)

    @property
    def provisional(self) -> bool:
        return self.values.get(PROVISIONAL_COLUMN) is True

    def is_masked(self, column: str) -> bool:
        return column in self.masked

    def number(self, column: str) -> float | None:
        """The value as a number, or None when masked, empty or absent: what charts plot."""
        if column in self.masked:
            return None
        v = self.values.get(column)
        if isinstance(v, bool) or not isinstance(v, int | float):
            return None
        return float(v)

    def cell(self, column: str, kind: Kind | None = None) -> Cell:
        """The cell as every output shows it: « secret » when masked, « sans objet » when empty
        and not masked, the formatted value otherwise."""
        key = cell_key(self.mart, column, self.values)
        if column in self.masked:
            return Cell.secret(key)
        if column not in self.values:
            return Cell.absent(key)
        value = self.values[column]
        if value is None:
            return Cell.not_applicable(key)
        the_kind = kind or kind_of(column)
        return Cell(format_value(value, the_kind), "valeur", key, numeric=the_kind != "texte")


@dataclass(frozen=True)
class Delivery:
    source: str
    dept: str
    annee: str
    producteur: str
    acceptee_le: str


@dataclass
class Publication:
    """A published folder, read lazily."""

    folder: Path
    region: str
    _frames: dict[str, pl.DataFrame] = field(default_factory=dict)

    @cached_property
    def marts(self) -> list[str]:
        present = {p.stem for p in self.folder.glob("*.parquet")}
        ordered = [m for m in MART_ORDER if m in present]
        return ordered + sorted(present - set(ordered))

    def has(self, mart: str) -> bool:
        return (self.folder / f"{mart}.parquet").is_file()

    def frame(self, mart: str) -> pl.DataFrame:
        if mart not in self._frames:
            self._frames[mart] = pl.read_parquet(self.folder / f"{mart}.parquet")
        return self._frames[mart]

    def rows(self, mart: str, **where: object) -> list[Row]:
        """The mart's rows matching `where` (column = value), in the file's order; none when the
        mart is not published or lacks a filtered column."""
        if not self.has(mart):
            return []
        frame = self.frame(mart)
        for column, value in where.items():
            if column not in frame.columns:
                return []
            frame = frame.filter(pl.col(column) == value)
        return [
            Row(mart, r, masked_columns(r.get(MASK_COLUMN))) for r in frame.iter_rows(named=True)
        ]

    def columns(self, mart: str) -> list[str]:
        return self.frame(mart).columns if self.has(mart) else []

    @cached_property
    def seuil(self) -> int | None:
        path = self.folder / "masquage.json"
        if not path.is_file():
            return None
        value = json.loads(path.read_text(encoding="utf-8")).get("seuil")
        return int(value) if isinstance(value, int) else None

    @cached_property
    def region_code(self) -> str:
        return f"R{self.region}"

    @cached_property
    def departments(self) -> list[tuple[str, str]]:
        """(code, COG name) of the region's departments, in code order."""
        return [(d.code, d.nom) for d in departements_of_region(self.region)]

    @cached_property
    def region_name(self) -> str:
        for mart in self.marts:
            for row in self.rows(mart, dept=self.region_code)[:1]:
                name = row.get(NAME_COLUMN)
                if isinstance(name, str) and name:
                    return name
        with (SEEDS_DIR / "cog_regions.csv").open(encoding="utf-8", newline="") as handle:
            for r in csv.DictReader(handle, delimiter=";"):
                if r["code"] == self.region:
                    return r["nom"]
        return f"région {self.region}"

    def territory_name(self, dept: str) -> str:
        """The name the marts give (`nom_territoire`), else the COG's."""
        if dept == self.region_code:
            return self.region_name
        for code, name in self.departments:
            if code == dept:
                return name
        return dept

    @cached_property
    def deliveries(self) -> list[Delivery]:
        """The accepted deliveries in force (`livraisons.csv`); empty when not published."""
        path = self.folder / "livraisons.csv"
        if not path.is_file():
            return []
        with path.open(encoding="utf-8-sig", newline="") as handle:
            return [
                Delivery(
                    r.get("source", ""),
                    r.get("dept", ""),
                    r.get("annee", ""),
                    r.get("producteur", "") or "",
                    r.get("acceptee_le", ""),
                )
                for r in csv.DictReader(handle, delimiter=";")
            ]

    @cached_property
    def dictionary(self) -> list[dict[str, str]]:
        """`dictionnaire.csv`: one row per published column, French descriptions."""
        path = self.folder / "dictionnaire.csv"
        if not path.is_file():
            return []
        with path.open(encoding="utf-8-sig", newline="") as handle:
            return [dict(r) for r in csv.DictReader(handle, delimiter=";")]

    def description(self, mart: str, column: str) -> str:
        for r in self.dictionary:
            if r.get("mart") == mart and r.get("colonne") == column:
                return r.get("description", "") or ""
        return ""

    def years(self, mart: str, dept: str | None = None) -> list[int]:
        if not self.has(mart):
            return []
        frame = self.frame(mart)
        year = next((c for c in YEAR_COLUMNS if c in frame.columns), None)
        if year is None:
            return []
        if dept is not None and "dept" in frame.columns:
            frame = frame.filter(pl.col("dept") == dept)
        return sorted(int(y) for y in frame[year].unique().drop_nulls().to_list())

    @cached_property
    def publication_date(self) -> str:
        """The latest acceptance date among the deliveries in force, else the day the marts
        were written (the Parquet files' modification date)."""
        dates = sorted(d.acceptee_le for d in self.deliveries if d.acceptee_le)
        if dates:
            return dates[-1][:10]
        stamps = [p.stat().st_mtime for p in self.folder.glob("*.parquet")]
        when = dt.datetime.fromtimestamp(max(stamps)) if stamps else dt.datetime.now()
        return when.date().isoformat()
