"""Reading one delivery file with the tolerances of docs/contrat-echange.md §2.

The result is a frame of *normalised text*: every accepted form is rewritten to one canonical form
(ISO dates, `0`/`1` booleans, trimmed upper-case codes) and every value that could not be
normalised is kept as it was, so that the quality gate can point at it. Typing happens only
when an accepted delivery is promoted; nothing here guesses a type (DuckDB's and polars' sniffers
read `01` as 1 and may swap day and month).

Reading never raises on a file's content, and never lets one file take unbounded time or memory:

1. The file is opened only when it is a regular file inside the deliveries folder (not a
   symbolic link, a pipe or a device) and no larger than `LIMITS.file_bytes` — both checked
   before a byte is read.
2. Its lines are counted (on the bytes, before decoding) and measured before anything is
   parsed (`LIMITS.lines`, `LIMITS.line_chars`); the header's width (`LIMITS.columns`) before
   the body is split.
3. **Fast path**: when every record is one physical line — no quote character, or quotes only
   in well-formed fields that open and close on the same line — polars splits the lines and the
   fields natively. This is exactly what Python's `csv` module reads from such a text (a
   property test compares the two), line numbers included.
4. **Slow path**, for anything else (a quoted value spanning lines, a stray quote, old Mac line
   endings): Python's `csv` module, which numbers each record by the physical line where it
   starts and stops at the first value longer than `LIMITS.field_chars`. It builds the frame by
   chunks, so that memory stays proportional to the file.

An exception nobody foresaw becomes the file's `ERREUR_INATTENDUE` (see `isolation.py`).
"""

import csv
import errno
import io
import os
import re
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
import pyarrow as pa

from pipelines.lib.contract.deliveries import Delivery
from pipelines.lib.contract.expectations import ID_JEUNE_PATTERN
from pipelines.lib.contract.fileformat import (
    LIMITS,
    decode,
    looks_binary,
    looks_like_utf16,
    normalise_header,
    sniff_delimiter,
)
from pipelines.lib.contract.rules import MAX_LINES, Problem
from pipelines.lib.contract.tables import Kind, Table
from pipelines.lib.quality.isolation import is_platform_fault, unexpected_problem

_DATE_FR = r"^(\d{2})/(\d{2})/(\d{4})$"
_TRUE = ("1", "OUI", "O")
_FALSE = ("0", "NON", "N")
_SLOW_CHUNK = 100_000  # records turned into a polars chunk at a time by the slow path


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


@dataclass
class ReadDelivery:
    """The files of one delivery as read, and problems of the delivery as a whole that no file
    reading found (e.g. an error while landing it)."""

    delivery: Delivery
    files: dict[str, ReadFile]
    problems: list[Problem] = field(default_factory=list)


class _Refused(Exception):
    """A file refused whole by a bound or a format it breaks (carries the report's problem)."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.regle)
        self.problem = problem


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
        # JJ/MM/AAAA → AAAA-MM-JJ by slicing (the pattern fixes every position): much cheaper
        # than capture groups on every row.
        as_iso = pl.concat_str(
            [value.str.slice(6, 4), value.str.slice(3, 2), value.str.slice(0, 2)], separator="-"
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


def _mib(n: int) -> str:
    return f"{n / 2**20:.1f}".replace(".", ",") + " Mio"


def read_bounded(path: Path, root: Path | None = None) -> bytes:
    """The bytes of a regular file inside `root`, at most `LIMITS.file_bytes` of them; raises
    `_Refused` otherwise, without reading anything of a file that is refused."""
    name = path.name
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        raise _Refused(
            Problem(name, None, "FICHIER_ILLISIBLE", "Le fichier a disparu pendant le contrôle.")
        ) from None
    if stat.S_ISLNK(st.st_mode):
        raise _Refused(
            Problem(
                name,
                None,
                "FICHIER_NON_REGULIER",
                "Le fichier est un lien symbolique : il n'est pas lu. Déposez le fichier "
                "lui-même dans le dossier de livraison.",
            )
        )
    if not stat.S_ISREG(st.st_mode):
        raise _Refused(_special(name))
    if root is not None and not path.resolve().is_relative_to(root.resolve()):
        raise _Refused(
            Problem(
                name,
                None,
                "FICHIER_NON_REGULIER",
                "Le chemin du fichier mène hors du dossier des livraisons (dossier relié par un "
                "lien symbolique ?) : il n'est pas lu.",
            )
        )
    if st.st_size > LIMITS.file_bytes:
        raise _Refused(_too_big(name, st.st_size))
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except PermissionError:
        raise _Refused(
            Problem(
                name,
                None,
                "FICHIER_ILLISIBLE",
                "Le fichier ne peut pas être ouvert : droits d'accès insuffisants.",
            )
        ) from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:  # replaced by a link since it was looked at
            raise _Refused(_special(name)) from None
        raise
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise _Refused(_special(name))
        data = handle.read(LIMITS.file_bytes + 1)
    if len(data) > LIMITS.file_bytes:  # it grew since it was looked at
        raise _Refused(_too_big(name, len(data)))
    return data


def _special(name: str) -> Problem:
    return Problem(
        name,
        None,
        "FICHIER_NON_REGULIER",
        "Ce n'est pas un fichier ordinaire (lien, tube, périphérique ou autre fichier spécial) : "
        "il n'est pas lu.",
    )


def _too_big(name: str, size: int) -> Problem:
    return Problem(
        name,
        None,
        "FICHIER_TROP_VOLUMINEUX",
        f"Le fichier pèse {_mib(size)}, au-delà de la limite de {_mib(LIMITS.file_bytes)} : "
        "il n'est pas lu. Un export réel en est très loin : vérifiez le fichier.",
    )


def _check_bytes(name: str, raw: bytes) -> None:
    """Refuse, before decoding, a file with too many lines (counted on the bytes: the line
    breaks are the same bytes in UTF-8 and Windows-1252)."""
    count = raw.count(b"\n") + 1
    if count > LIMITS.lines:
        raise _Refused(_too_many_lines(name, count))


def _too_many_lines(name: str, count: int) -> Problem:
    return Problem(
        name,
        None,
        "FICHIER_TROP_VOLUMINEUX",
        f"Le fichier compte {count} lignes, au-delà de la limite de {LIMITS.lines} : il n'est "
        "pas lu plus loin.",
    )


def _line_too_long(name: str, lines: list[int], nb: int) -> Problem:
    return Problem(
        name,
        None,
        "LIGNE_TROP_LONGUE",
        f"{nb} ligne(s) dépassent {LIMITS.line_chars} caractères (valeur démesurée, "
        "séparateurs de ligne perdus ?) : le fichier n'est pas lu plus loin.",
        lignes=lines[:MAX_LINES],
        nb=nb,
    )


def _lines_of(text: str) -> pl.Series:
    """Physical lines, as Python's `csv` module counts them (`\\r\\n`, `\\n` or `\\r` end a
    line), without their line break."""
    if "\r" in text and text.count("\r") != text.count("\r\n"):
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    # Python's split then one Series: twice as fast as polars' split of one huge string.
    lines = pl.Series("l", text.split("\n"), dtype=pl.Utf8)
    if "\r" in text:
        lines = lines.str.strip_suffix("\r")
    return lines


def _check_lines(name: str, lines: pl.Series) -> None:
    """Refuse a file with too many lines or a line too long, before parsing anything."""
    if lines.len() > LIMITS.lines:
        raise _Refused(_too_many_lines(name, lines.len()))
    lengths = lines.str.len_chars()
    if (lengths.max() or 0) > LIMITS.line_chars:  # type: ignore[operator]
        numbers = (lengths > LIMITS.line_chars).arg_true() + 1
        raise _Refused(_line_too_long(name, numbers.head(MAX_LINES).to_list(), numbers.len()))


def _check_header(name: str, header: list[str]) -> None:
    if len(header) > LIMITS.columns:
        raise _Refused(
            Problem(
                name,
                None,
                "COLONNES_TROP_NOMBREUSES",
                f"L'en-tête compte {len(header)} colonnes, au-delà de la limite de "
                f"{LIMITS.columns} (séparateur mal choisi ?) : le fichier n'est pas lu plus loin.",
                lignes=[1],
            )
        )
    if any(len(h) > LIMITS.field_chars for h in header):
        raise _Refused(_field_too_long(name, [1], 1))


def _field_too_long(name: str, lines: list[int], nb: int) -> Problem:
    return Problem(
        name,
        None,
        "CHAMP_TROP_LONG",
        f"{nb} ligne(s) portent une valeur de plus de {LIMITS.field_chars} caractères "
        "(guillemet jamais refermé ?) : le fichier n'est pas lu plus loin.",
        lignes=lines[:MAX_LINES],
        nb=nb,
    )


def _well_formed(delimiter: str) -> str:
    """A line whose every field is unquoted (no quote inside) or quoted from its first to its
    last character, inner quotes doubled: a record that opens and closes on this line."""
    d = re.escape(delimiter)
    cell = rf'(?:"(?:[^"]|"")*"|[^"{d}]*)'
    return rf"^{cell}(?:{d}{cell})*$"


def _quoted_fields(delimiter: str) -> pl.Expr:
    """Fields of well-formed lines: every field is found with its leading delimiter (one is
    prepended to the line, so that no match is empty), then unquoted."""
    d = re.escape(delimiter)
    element = pl.element().str.slice(1)
    unquoted = (
        pl.when(element.str.starts_with('"'))
        .then(
            element.str.slice(1, element.str.len_chars() - 2).str.replace_all(
                '""', '"', literal=True
            )
        )
        .otherwise(element)
    )
    return (
        (pl.lit(delimiter) + pl.col("l"))
        .str.extract_all(rf'{d}(?:"(?:[^"]|"")*"|[^"{d}]*)')
        .list.eval(unquoted)
    )


def _fast_split(
    name: str, lines: pl.Series, delimiter: str
) -> tuple[list[str], pl.DataFrame] | None:
    """Header and records (`_ligne`, `f`: list of fields) read natively, or None when a record
    may span lines (then only Python's csv module knows where records start)."""
    header_line = lines[0]
    if '"' in header_line and not re.match(_well_formed(delimiter), header_line):
        return None
    header = next(csv.reader([header_line], delimiter=delimiter), [])
    _check_header(name, header)
    body = pl.DataFrame({"l": lines.slice(1)}).with_columns(
        pl.int_range(2, lines.len() + 1, dtype=pl.Int64).alias("_ligne"),
        pl.col("l").str.contains('"', literal=True).alias("q"),
    )
    quoted = body.filter(pl.col("q"))
    if quoted.height and not quoted["l"].str.contains(_well_formed(delimiter)).all():
        return None
    d = re.escape(delimiter)
    plain = body.filter(~pl.col("q") & pl.col("l").str.contains(rf"[^\s{d}]")).select(
        "_ligne", pl.col("l").str.split(delimiter).alias("f")
    )
    if quoted.height:
        quoted = quoted.select("_ligne", _quoted_fields(delimiter).alias("f")).filter(
            pl.col("f").list.join("").str.contains(r"[^\s]")
        )
        records = pl.concat([plain, quoted]).sort("_ligne")
    else:
        records = plain
    long_lines = body.filter(pl.col("l").str.len_chars() > LIMITS.field_chars)["_ligne"]
    if long_lines.len():
        too_long = records.filter(
            pl.col("_ligne").is_in(long_lines.implode())
            & (pl.col("f").list.eval(pl.element().str.len_chars()).list.max() > LIMITS.field_chars)
        )["_ligne"]
        if too_long.len():
            raise _Refused(_field_too_long(name, too_long.to_list(), too_long.len()))
    return header, records


def _slow_split(name: str, text: str, delimiter: str) -> tuple[list[str], pl.DataFrame]:
    """Header and records read by Python's csv module, numbered by the physical line where
    each record starts (header = line 1); blank records are skipped."""
    chunks: list[pl.DataFrame] = []
    # Records of the current chunk as one flat list of fields plus offsets: building a list
    # column from Arrow arrays is fast, from a Python list of lists it is not.
    fields: list[str] = []
    offsets: list[int] = [0]
    numbers: list[int] = []
    schema: dict[str, pl.DataType | type[pl.DataType]] = {
        "_ligne": pl.Int64,
        "f": pl.List(pl.Utf8),
    }

    def flush() -> None:
        if numbers:
            lists = pa.ListArray.from_arrays(
                pa.array(offsets, pa.int32()), pa.array(fields, pa.large_string())
            )
            f = pl.Series("f", lists).cast(pl.List(pl.Utf8))
            chunks.append(pl.DataFrame([pl.Series("_ligne", numbers, pl.Int64), f]))
            fields.clear()
            numbers.clear()
            del offsets[1:]

    previous_limit = csv.field_size_limit(LIMITS.field_chars)
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        previous_end = 0
        header: list[str] | None = None
        while True:
            try:
                record = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                line = previous_end + 1
                if "field larger" in str(exc):
                    raise _Refused(_field_too_long(name, [line], 1)) from None
                raise _Refused(
                    Problem(
                        name,
                        None,
                        "LIGNE_MAL_FORMEE",
                        "Une ligne ne peut pas être lue comme du CSV : le fichier n'est pas lu "
                        "plus loin.",
                        lignes=[line],
                    )
                ) from None
            if header is None:
                header = record
                _check_header(name, header)
            elif any(cell.strip() for cell in record):
                fields.extend(record)
                offsets.append(len(fields))
                numbers.append(previous_end + 1)
                if len(numbers) >= _SLOW_CHUNK:
                    flush()
            previous_end = reader.line_num
    finally:
        csv.field_size_limit(previous_limit)
    flush()
    frame = pl.concat(chunks, rechunk=False) if chunks else pl.DataFrame(schema=schema)
    return header or [], frame


def read_table_file(
    path: Path,
    table: Table,
    rekey: Callable[[str], str] | None = None,
    root: Path | None = None,
) -> ReadFile:
    """Read one file of one table. Never raises on bad content: problems are returned. With
    `rekey`, `id_jeune` holds warehouse keys (see pseudonymisation.py). With `root` (the
    deliveries folder), a file whose real path lies outside it is refused unread."""
    result = ReadFile(table=table, path=path)
    try:
        _read(result, rekey, root)
    except _Refused as refused:
        result.frame = None
        result.problems.append(refused.problem)
    except Exception as exc:
        if is_platform_fault(exc):
            raise
        result.frame = None
        result.problems = [unexpected_problem(path.name, exc, "la lecture")]
    return result


def _read(result: ReadFile, rekey: Callable[[str], str] | None, root: Path | None) -> None:
    name, table = result.path.name, result.table
    raw = read_bounded(result.path, root)
    decoded = None
    if not looks_binary(raw):
        _check_bytes(name, raw)
        decoded = decode(raw)
    if decoded is None:
        if looks_like_utf16(raw):
            why = (
                "Le fichier est encodé en UTF-16 (« Texte Unicode » d'un tableur) : "
                "enregistrez-le au format « CSV UTF-8 » ou « CSV (séparateur : point-virgule) »."
            )
        else:
            why = (
                "Le fichier n'est pas un CSV texte lisible (UTF-8 ou Windows-1252) : tableur, "
                "archive ou fichier binaire enregistré sous l'extension .csv ?"
            )
        raise _Refused(Problem(name, None, "FICHIER_ILLISIBLE", why))
    del raw
    text, result.encoding = decoded
    start = re.match(r"[\r\n]*", text)
    first = start.end() if start else 0
    end = text.find("\n", first)
    first_line = text[first : end if end >= 0 else len(text)]
    if not first_line.strip():
        raise _Refused(Problem(name, None, "FICHIER_ILLISIBLE", "Le fichier est vide."))
    lines = _lines_of(text)
    _check_lines(name, lines)
    result.delimiter = delimiter = sniff_delimiter(first_line)
    split = _fast_split(name, lines, delimiter)
    del lines
    raw_header, records = split if split is not None else _slow_split(name, text, delimiter)
    del text
    _shape(result, [normalise_header(h) for h in raw_header], records)
    if rekey is not None and result.frame is not None:
        result.frame = result.frame.with_columns(
            rekey_column(result.frame, c, rekey)
            for c in result.frame.columns
            if c != "_ligne" and table.column(c).kind is Kind.ID_JEUNE
        )


def _shape(result: ReadFile, header: list[str], records: pl.DataFrame) -> None:
    """Match the header with the contract, report what does not fit, and build the frame of
    normalised text from the records (`_ligne`, `f`)."""
    name, table = result.path.name, result.table
    width = pl.col("f").list.len()
    # Some exports end every line with a delimiter: an unnamed column that holds nothing is
    # not a column (nothing can leak through it); one that holds values is refused below.
    if (
        header
        and header[-1] == ""
        and records.select(
            ((width < len(header)) | (pl.col("f").list.last().str.strip_chars() == "")).all()
        ).item()
    ):
        header = header[:-1]
        records = records.with_columns(
            pl.when(width == len(header) + 1)
            .then(pl.col("f").list.head(len(header)))
            .otherwise(pl.col("f"))
            .alias("f")
        )
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

    ragged = records.filter(width != len(header))["_ligne"]
    if ragged.len():
        result.problems.append(
            Problem(
                name,
                None,
                "LIGNE_MAL_FORMEE",
                f"{ragged.len()} ligne(s) n'ont pas {len(header)} champs comme l'en-tête "
                "(séparateur ou guillemets mal placés ?).",
                lignes=ragged.head(MAX_LINES).to_list(),
                nb=ragged.len(),
            )
        )

    keep = [i for i, h in enumerate(header) if h in expected and header.index(h) == i]
    result.frame = (
        records.lazy()
        .select(
            "_ligne",
            *(
                pl.col("f").list.get(i, null_on_oob=True).fill_null("").alias(header[i])
                for i in keep
            ),
        )
        .with_columns(normalise_column(header[i], table.column(header[i]).kind) for i in keep)
        .collect()
    )
