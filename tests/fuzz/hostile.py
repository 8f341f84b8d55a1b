"""Hostile variants of valid delivery files, from a seeded generator.

Each mutation turns the bytes of one valid file into a hostile file and says what the contract
expects of the delivery that holds it: refused (with the rule codes that may say why), accepted,
or either (when the outcome depends on where the damage lands, e.g. a truncation at a line
boundary leaves a valid, shorter file). Some mutations replace the file by something that is
not a regular file (a link, a pipe, a sparse 300 MiB file).
"""

import gzip
import io
import os
import random
from collections.abc import Callable
from dataclasses import dataclass, field

# `make fuzz` (OBSERVATOIRE_FUZZ=long) tries ten times more inputs than `make test`.
LONG = os.environ.get("OBSERVATOIRE_FUZZ") == "long"
SEEDS = range(60) if LONG else range(6)  # variants of each mutation kind
HYPOTHESIS_EXAMPLES = 20_000 if LONG else 400

CANARY = "CANARI"  # text that no report may ever repeat

REFUSED = "refusee"
ACCEPTED = "acceptee"
EITHER = "l'un ou l'autre"


@dataclass
class Hostile:
    kind: str
    data: bytes | None = None  # None: `special` says what to put in place of the file
    special: str | None = None  # "symlink", "fifo", "sparse"
    expect: str = REFUSED
    rules: frozenset[str] = field(default_factory=frozenset)  # one of them must be reported
    same_rows: bool = False  # accepted with exactly the original records


def _decode(data: bytes) -> tuple[str, str]:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise ValueError("the base file is not text")


def _lines(data: bytes) -> tuple[list[str], str]:
    text, encoding = _decode(data)
    return text.split("\n"), encoding


def _join(lines: list[str], encoding: str) -> bytes:
    return "\n".join(lines).encode("utf-8" if encoding == "utf-8-sig" else encoding)


def _delimiter(lines: list[str]) -> str:
    return ";" if ";" in lines[0] else ","


def _data_line(rng: random.Random, lines: list[str], margin: int = 0) -> int:
    """Index of a non-empty data line with at least `margin` lines after it."""
    candidates = [i for i in range(1, len(lines) - margin) if lines[i].strip()]
    return rng.choice(candidates) if candidates else 1


def random_bytes(rng: random.Random, data: bytes) -> Hostile:
    size = rng.randint(1, 5000)
    return Hostile("octets_aleatoires", rng.randbytes(size), rules=frozenset())


def truncated(rng: random.Random, data: bytes) -> Hostile:
    cut = rng.randint(1, max(1, len(data) - 1))
    return Hostile("troncature", data[:cut], expect=EITHER)


def nul_bytes(rng: random.Random, data: bytes) -> Hostile:
    out = bytearray(data)
    for _ in range(rng.randint(1, 5)):
        out.insert(rng.randint(0, len(out)), 0)
    return Hostile("octets_nuls", bytes(out), rules=frozenset({"FICHIER_ILLISIBLE"}))


def utf16(rng: random.Random, data: bytes) -> Hostile:
    text, _ = _decode(data)
    encoding = rng.choice(["utf-16", "utf-16-le", "utf-16-be"])
    return Hostile("utf16", text.encode(encoding), rules=frozenset({"FICHIER_ILLISIBLE"}))


def latin9(rng: random.Random, data: bytes) -> Hostile:
    """ISO-8859-15 reads as Windows-1252 for every letter the demo uses: accepted."""
    text, _ = _decode(data)
    return Hostile("latin9", text.encode("iso8859-15", errors="replace"), expect=ACCEPTED)


def gzipped(rng: random.Random, data: bytes) -> Hostile:
    return Hostile("gzip", gzip.compress(data), rules=frozenset({"FICHIER_ILLISIBLE"}))


def spreadsheet(rng: random.Random, data: bytes) -> Hostile:
    """A real .xlsx workbook (the same rows) saved under the .csv name."""
    from openpyxl import Workbook

    lines, _ = _lines(data)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for line in lines:
        sheet.append(line.split(_delimiter(lines)))
    buffer = io.BytesIO()
    book.save(buffer)
    return Hostile("xlsx", buffer.getvalue(), rules=frozenset({"FICHIER_ILLISIBLE"}))


def runaway_quote(rng: random.Random, data: bytes) -> Hostile:
    """A quote opens the first value of a line and never closes: the rest of the file is one
    value, and that line has too few fields (or a value too long)."""
    lines, encoding = _lines(data)
    i = _data_line(rng, lines, margin=3)
    lines[i] = '"' + CANARY + lines[i]
    return Hostile(
        "guillemet_sans_fin",
        _join(lines, encoding),
        rules=frozenset({"LIGNE_MAL_FORMEE", "CHAMP_TROP_LONG"}),
    )


def unbalanced_quote(rng: random.Random, data: bytes) -> Hostile:
    lines, encoding = _lines(data)
    i = _data_line(rng, lines)
    at = rng.randint(0, len(lines[i]))
    lines[i] = lines[i][:at] + '"' + lines[i][at:]
    return Hostile("guillemet_isole", _join(lines, encoding), expect=EITHER)


def long_field(rng: random.Random, data: bytes) -> Hostile:
    lines, encoding = _lines(data)
    i = _data_line(rng, lines)
    d = _delimiter(lines)
    cells = lines[i].split(d)
    cells[rng.randrange(len(cells))] = (CANARY * 4000)[: rng.randint(1_001, 30_000)]
    lines[i] = d.join(cells)
    return Hostile(
        "champ_long",
        _join(lines, encoding),
        rules=frozenset({"CHAMP_TROP_LONG", "LIGNE_TROP_LONGUE"}),
    )


def long_line(rng: random.Random, data: bytes) -> Hostile:
    lines, encoding = _lines(data)
    i = _data_line(rng, lines)
    lines[i] += CANARY * rng.randint(1_700, 20_000)
    return Hostile("ligne_longue", _join(lines, encoding), rules=frozenset({"LIGNE_TROP_LONGUE"}))


def many_columns(rng: random.Random, data: bytes) -> Hostile:
    lines, encoding = _lines(data)
    d = _delimiter(lines)
    extra = rng.randint(91, 3_000)
    lines[0] += "".join(f"{d}c{n}" for n in range(extra))
    return Hostile(
        "colonnes_innombrables",
        _join(lines, encoding),
        rules=frozenset({"COLONNES_TROP_NOMBREUSES", "LIGNE_TROP_LONGUE"}),
    )


def empty_rows(rng: random.Random, data: bytes) -> Hostile:
    """Blank lines, and lines of empty values, anywhere after the header: skipped."""
    lines, encoding = _lines(data)
    d = _delimiter(lines)
    width = lines[0].count(d)
    for _ in range(rng.randint(1, 2_000)):
        blank = rng.choice(["", " ", d * width, " " + d * width + "\t"])
        lines.insert(rng.randint(1, len(lines)), blank)
    return Hostile("lignes_vides", _join(lines, encoding), expect=ACCEPTED, same_rows=True)


def mixed_endings(rng: random.Random, data: bytes) -> Hostile:
    lines, encoding = _lines(data)
    body = lines[:-1] if lines and lines[-1] == "" else lines
    text = "".join(line + rng.choice(["\n", "\r\n", "\r"]) for line in body)
    raw = text.encode("utf-8" if encoding == "utf-8-sig" else encoding)
    return Hostile("fins_de_ligne_melangees", raw, expect=ACCEPTED, same_rows=True)


def bom_inside(rng: random.Random, data: bytes) -> Hostile:
    """A byte-order mark at the start of a data line (two exports pasted together)."""
    lines, encoding = _lines(data)
    i = _data_line(rng, lines)
    raw = _join(lines[:i], encoding) + b"\n\xef\xbb\xbf" + _join(lines[i:], encoding)
    return Hostile("bom_au_milieu", raw, expect=EITHER)


def header_as_data(rng: random.Random, data: bytes) -> Hostile:
    lines, encoding = _lines(data)
    lines.insert(rng.randint(1, len(lines) - 1), lines[0])
    return Hostile("entete_repetee", _join(lines, encoding))


def bit_flips(rng: random.Random, data: bytes) -> Hostile:
    out = bytearray(data)
    for _ in range(rng.randint(1, 20)):
        i = rng.randrange(len(out))
        out[i] ^= 1 << rng.randrange(8)
    return Hostile("bits_inverses", bytes(out), expect=EITHER)


HOSTILE_VALUES = [
    "31/12/9999",
    "9999-12-31",
    "0000-00-00",
    "99999999999",
    "-1",
    "1e309",
    "NaN",
    "NULL",
    '=HYPERLINK("x")',
    "\u202e" + CANARY,
    "𝕏" * 30,
    " " * 900,
]


def hostile_value(rng: random.Random, data: bytes) -> Hostile:
    lines, _ = _lines(data)
    i = _data_line(rng, lines)
    d = _delimiter(lines)
    cells = lines[i].split(d)
    cells[rng.randrange(len(cells))] = rng.choice(HOSTILE_VALUES)
    lines[i] = d.join(cells)
    text = "\n".join(lines)
    return Hostile("valeur_hostile", text.encode("utf-8"), expect=EITHER)


def empty_file(rng: random.Random, data: bytes) -> Hostile:
    return Hostile("fichier_vide", rng.choice([b"", b"\n\n", b"\xef\xbb\xbf", b" \r\n"]))


def symlink(rng: random.Random, data: bytes) -> Hostile:
    return Hostile("lien_symbolique", special="symlink", rules=frozenset({"FICHIER_NON_REGULIER"}))


def fifo(rng: random.Random, data: bytes) -> Hostile:
    return Hostile("tube", special="fifo", rules=frozenset({"FICHIER_NON_REGULIER"}))


def sparse(rng: random.Random, data: bytes) -> Hostile:
    return Hostile("fichier_enorme", special="sparse", rules=frozenset({"FICHIER_TROP_VOLUMINEUX"}))


def blank_flood(rng: random.Random, data: bytes) -> Hostile:
    lines, encoding = _lines(data)
    return Hostile(
        "lignes_vides_innombrables",
        _join(lines, encoding) + b"\n" * 2_000_001,
        rules=frozenset({"FICHIER_TROP_VOLUMINEUX"}),
    )


MUTATIONS: list[Callable[[random.Random, bytes], Hostile]] = [
    random_bytes,
    truncated,
    nul_bytes,
    utf16,
    latin9,
    gzipped,
    spreadsheet,
    runaway_quote,
    unbalanced_quote,
    long_field,
    long_line,
    many_columns,
    empty_rows,
    mixed_endings,
    bom_inside,
    header_as_data,
    bit_flips,
    hostile_value,
    empty_file,
    symlink,
    fifo,
]
# Costly to build (2 MB each, or a 300 MiB sparse file): once per run.
ONCE: list[Callable[[random.Random, bytes], Hostile]] = [sparse, blank_flood]
