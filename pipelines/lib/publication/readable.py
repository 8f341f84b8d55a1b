"""The published files as readers open them: rounded decimals, French CSV, the data dictionary
and the list of deliveries in force.

Every published form (Parquet, CSV, the analysts' database, and what is built from them) is
made from the same rounded, masked frame, so that the three forms agree to the digit.
"""

import re
from pathlib import Path

import polars as pl

from pipelines.lib.publication.declarations import (
    CLASS_LABELS,
    NOT_PERSONS,
    MartDeclaration,
)
from pipelines.lib.publication.disclosure import MASK_COLUMN

BOM = b"\xef\xbb\xbf"
DICTIONARY = "dictionnaire"
DELIVERIES = "livraisons"

MASK_DESCRIPTION = (
    "Cases de la ligne masquées par le secret statistique (noms de colonnes séparés par des "
    "virgules ; vide : aucune). Une case vide qui n'est pas citée ici est sans objet."
)
DICTIONARY_DESCRIPTION = (
    "Dictionnaire des données publiées : une ligne par colonne de chaque mart, avec son type, "
    "sa classe de secret statistique et sa définition."
)
DELIVERIES_DESCRIPTION = (
    "Livraisons en vigueur dont les marts sont tirés : source, département, année de "
    "référence, producteur et date d'acceptation. Pour citer les sources."
)
DICTIONARY_COLUMNS = {
    "mart": "Nom du mart (fichiers <mart>.parquet et <mart>.csv, table de observatoire.duckdb).",
    "colonne": "Nom de la colonne.",
    "type": "Type de la valeur : entier, décimal, texte, booléen, date.",
    "classe_secret": "Classe de secret statistique de la colonne (voir LISEZMOI.md).",
    "description": "Définition de la colonne.",
}
DELIVERIES_COLUMNS = {
    "source": "ase (aide sociale à l'enfance), ml (Mission Locale) ou hj (Habitat Jeunes).",
    "dept": "Département de la livraison (69D et 69M : les deux services du Rhône).",
    "annee": "Année de référence de la livraison.",
    "producteur": "Producteur, quand plusieurs livrent pour le même département et la même année.",
    "acceptee_le": "Date et heure où la livraison a été acceptée et intégrée.",
    "nb_lignes": "Nombre de lignes intégrées.",
}


def round_decimals(frame: pl.DataFrame, mart: MartDeclaration) -> pl.DataFrame:
    """Decimal columns rounded to their declared digits (half away from zero, as readers
    round)."""
    declared = {c.name: c.decimals for c in mart.columns}
    return frame.with_columns(
        pl.col(name).round(declared[name], mode="half_away_from_zero")
        for name, dtype in frame.schema.items()
        if dtype.is_float() and name in declared
    )


def csv_bytes(frame: pl.DataFrame) -> bytes:
    """`;`-separated, UTF-8 with BOM, decimal comma, booleans `oui`/`non`: what a spreadsheet
    set to French opens as it should (codes such as `09` stay text in the file)."""
    booleans = [n for n, t in frame.schema.items() if t == pl.Boolean]
    if booleans:
        readable = frame.with_columns(
            pl.when(pl.col(n).is_null())
            .then(pl.lit(None, dtype=pl.Utf8))
            .when(pl.col(n))
            .then(pl.lit("oui"))
            .otherwise(pl.lit("non"))
            .alias(n)
            for n in booleans
        )
    else:
        readable = frame
    text = readable.write_csv(
        separator=";",
        decimal_comma=True,
        float_scientific=False,
        datetime_format="%Y-%m-%d %H:%M:%S",
    )
    return BOM + text.encode("utf-8")


def type_label(dtype: pl.DataType) -> str:
    if dtype == pl.Boolean:
        return "booléen"
    if dtype.is_integer():
        return "entier"
    if dtype.is_float() or dtype.is_decimal():
        return "décimal"
    if dtype == pl.Date:
        return "date"
    if dtype.is_temporal():
        return "date et heure"
    return "texte"


def dictionary_rows(mart: MartDeclaration, frame: pl.DataFrame) -> list[dict[str, str]]:
    """The dictionary's rows for one published mart, in the order of its columns."""
    rows = []
    for name, dtype in frame.schema.items():
        if name == MASK_COLUMN:
            label, description = CLASS_LABELS[NOT_PERSONS], MASK_DESCRIPTION
        else:
            col = mart.column(name)
            label, description = col.label, col.description
        rows.append(
            {
                "mart": mart.name,
                "colonne": name,
                "type": type_label(dtype),
                "classe_secret": label,
                "description": description,
            }
        )
    return rows


def table_rows(
    table: str, frame: pl.DataFrame, descriptions: dict[str, str]
) -> list[dict[str, str]]:
    """The dictionary's rows for the publication's own tables (dictionary, deliveries)."""
    return [
        {
            "mart": table,
            "colonne": name,
            "type": type_label(dtype),
            "classe_secret": CLASS_LABELS[NOT_PERSONS],
            "description": descriptions[name],
        }
        for name, dtype in frame.schema.items()
    ]


def dictionary_frame(rows: list[dict[str, str]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=dict.fromkeys(DICTIONARY_COLUMNS, pl.Utf8))


def summary(description: str) -> str:
    """The first sentence of a dbt description, on one line (for LISEZMOI.md)."""
    text = re.sub(r"\s+", " ", description).strip()
    match = re.search(r"^(.+?[.:])(\s|$)", text)
    first = match.group(1) if match else text
    return first.rstrip(":").strip()


def write_forms(folder: Path, name: str, frame: pl.DataFrame) -> list[Path]:
    """`<name>.parquet` and `<name>.csv`."""
    parquet, csv = folder / f"{name}.parquet", folder / f"{name}.csv"
    frame.write_parquet(parquet)
    csv.write_bytes(csv_bytes(frame))
    return [parquet, csv]
