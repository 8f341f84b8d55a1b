"""Reading one delivery file with the tolerances of exports.md §2.

The result is a frame of *normalised text*: every accepted form is rewritten to one canonical form
(ISO dates, `0`/`1` booleans, trimmed upper-case codes) and every value that could not be
normalised is kept as it was, so that the quality gate can point at it. Typing happens only
when an accepted delivery is promoted; nothing here guesses a type (DuckDB's and polars' sniffers
read `01` as 1 and may swap day and month).
"""

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from pipelines.lib.contract.expectations import ID_JEUNE_PATTERN
from pipelines.lib.contract.fileformat import decode, normalise_header, sniff_delimiter
from pipelines.lib.contract.rules import MAX_LINES, Problem
from pipelines.lib.contract.tables import Kind, Table

_DATE_FR = r"^(\d{2})/(\d{2})/(\d{4})$"
_TRUE = ("1", "OUI", "O")
_FALSE = ("0", "NON", "N")


@dataclass
class ReadFile:
    """A file read as normalised text, or the reasons it could not be."""

    table: Table
    path: Path
    frame: pl.DataFrame | None = None  # contract columns found in the file + `_ligne`
    problems: list[Problem] = field(default_factory=list)
    encoding: str | None = None
    delimiter: str | None = None

    @property
    def missing_columns(self) -> set[str]:
        return {p.colonne for p in self.problems if p.regle == "COLONNE_MANQUANTE" and p.colonne}


def _blank_to_null(col: str) -> pl.Expr:
    stripped = pl.col(col).str.strip_chars()
    return pl.when(stripped == "").then(None).otherwise(stripped)


def normalise_column(col: str, kind: Kind) -> pl.Expr:
    """The canonical text form of one column; values that cannot be read are left as they are."""
    value = _blank_to_null(col)
    if kind is Kind.CODE or kind is Kind.DEPT:
        value = value.str.to_uppercase()
    elif kind is Kind.CODES:
        value = (
            value.str.split("|")
            .list.eval(pl.element().str.strip_chars().str.to_uppercase())
            .list.join("|")
        )
    elif kind is Kind.DATE:
        fr = value.str.extract_groups(_DATE_FR)
        as_iso = pl.concat_str(
            [fr.struct.field("3"), fr.struct.field("2"), fr.struct.field("1")], separator="-"
        )
        value = pl.when(value.str.contains(_DATE_FR)).then(as_iso).otherwise(value)
    elif kind is Kind.BOOL:
        upper = value.str.to_uppercase()
        value = (
            pl.when(upper.is_in(_TRUE))
            .then(pl.lit("1"))
            .when(upper.is_in(_FALSE))
            .then(pl.lit("0"))
            .otherwise(value)
        )
    elif kind is Kind.INT:
        value = (
            pl.when(value.str.contains(r"^0*\d+$"))
            .then(value.str.strip_chars_start("0").replace("", "0"))
            .otherwise(value)
        )
    return value.alias(col)


def rekey_column(frame: pl.DataFrame, col: str, rekey: Callable[[str], str]) -> pl.Expr:
    """Replace well-formed exchange keys by warehouse keys. A malformed key is replaced by a
    placeholder naming its line, which the gate reports as ID_JEUNE_INVALIDE: the warehouse
    never holds a value delivered as a key."""
    valid = pl.col(col).str.contains(ID_JEUNE_PATTERN)
    keys = frame.filter(valid)[col].unique().to_list()
    mapping = {key: rekey(key) for key in keys}
    return (
        pl.when(valid)
        .then(pl.col(col).replace_strict(mapping, default=None, return_dtype=pl.Utf8))
        .when(pl.col(col).is_not_null())
        .then(pl.format("INVALIDE-L{}", pl.col("_ligne")))
        .otherwise(None)
        .alias(col)
    )


def read_table_file(
    path: Path, table: Table, rekey: Callable[[str], str] | None = None
) -> ReadFile:
    """Read one file of one table. Never raises on bad content: problems are returned. With
    `rekey`, `id_jeune` holds warehouse keys (see pseudonymisation.py)."""
    result = ReadFile(table=table, path=path)
    name = path.name
    raw = path.read_bytes()
    decoded = decode(raw)
    if decoded is None:
        if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
            why = (
                "Le fichier est encodé en UTF-16 (« Texte Unicode » d'un tableur) : "
                "enregistrez-le au format « CSV UTF-8 » ou « CSV (séparateur : point-virgule) »."
            )
        else:
            why = (
                "Le fichier n'est pas un CSV texte lisible (UTF-8 ou Windows-1252) : tableur, "
                "archive ou fichier binaire enregistré sous l'extension .csv ?"
            )
        result.problems.append(Problem(name, None, "FICHIER_ILLISIBLE", why))
        return result
    text, result.encoding = decoded
    first_line = text.lstrip("\r\n").split("\n", 1)[0]
    if not first_line.strip():
        result.problems.append(Problem(name, None, "FICHIER_ILLISIBLE", "Le fichier est vide."))
        return result
    result.delimiter = sniff_delimiter(first_line)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=result.delimiter)
    header = [normalise_header(h) for h in next(reader)]
    body: list[list[str]] = []
    line_numbers: list[int] = []  # physical line where each record starts (header = line 1)
    previous_end = reader.line_num
    for record in reader:
        if any(cell.strip() for cell in record):
            body.append(record)
            line_numbers.append(previous_end + 1)
        previous_end = reader.line_num
    # Some exports end every line with a delimiter: an unnamed column that holds nothing is
    # not a column (nothing can leak through it); one that holds values is refused below.
    if header and header[-1] == "" and all(len(r) < len(header) or not r[-1].strip() for r in body):
        header = header[:-1]
        body = [r[: len(header)] if len(r) == len(header) + 1 else r for r in body]
    expected = set(table.column_names)
    seen: set[str] = set()
    for h in header:
        if h in seen:
            result.problems.append(
                Problem(
                    name, h, "COLONNE_EN_DOUBLE", f"La colonne « {h} » apparaît plusieurs fois."
                )
            )
        seen.add(h)
    for h in sorted(seen - expected):
        result.problems.append(
            Problem(
                name,
                h or "(sans nom)",
                "COLONNE_INCONNUE",
                f"La colonne « {h or '(sans nom)'} » ne fait pas partie du contrat pour "
                f"{table.name} : retirez-la (les colonnes hors contrat sont souvent des "
                "données identifiantes).",
            )
        )
    for c in table.column_names:
        if c not in seen:
            result.problems.append(
                Problem(
                    name,
                    c,
                    "COLONNE_MANQUANTE",
                    f"La colonne obligatoire « {c} » est absente de {table.name}.",
                )
            )

    width = len(header)
    ragged = [n for n, r in zip(line_numbers, body, strict=True) if len(r) != width]
    if ragged:
        result.problems.append(
            Problem(
                name,
                None,
                "LIGNE_MAL_FORMEE",
                f"{len(ragged)} ligne(s) n'ont pas {width} champs comme l'en-tête "
                "(séparateur ou guillemets mal placés ?).",
                lignes=ragged[:MAX_LINES],
                nb=len(ragged),
            )
        )

    keep = [i for i, h in enumerate(header) if h in expected and header.index(h) == i]
    columns = {header[i]: [r[i] if i < len(r) else "" for r in body] for i in keep}
    frame = pl.DataFrame(
        {"_ligne": line_numbers, **columns},
        schema={"_ligne": pl.Int64, **{c: pl.Utf8 for c in columns}},
    )
    frame = frame.with_columns(normalise_column(c, table.column(c).kind) for c in columns)
    if rekey is not None:
        frame = frame.with_columns(
            rekey_column(frame, c, rekey) for c in columns if table.column(c).kind is Kind.ID_JEUNE
        )
    result.frame = frame
    return result
