"""The file format of docs/contrat-echange.md §2 as plain functions: which bytes are a text
file we accept, which delimiter a header uses, how a column name is matched, and the size limits
of a delivery file. Shared by the gate's reader and the partners' `pseudonymise` command."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """Bounds that no real export reaches, so that a hostile or broken file is refused quickly
    and in bounded memory instead of being parsed.

    Orders of magnitude of real exports (domain notes): the largest file is one big
    department's ASE measures or one large Mission Locale's situations for one year, about
    100,000 rows of 100 to 150 bytes (10 to 15 MB; the demo's largest is under 1 MB); no
    contract table has more than 10 columns; the only free-text values are residence and
    association names (well under 200 characters); a row is a few hundred characters. Each
    limit leaves a margin of 5 to 100 over that, and bounds the cost of a refusal: the worst
    file under these limits is refused in seconds and well under 1 GB (README, "Quality gate").
    """

    file_bytes: int = 64 * 2**20  # 64 MiB: checked on the file's size, before reading it
    lines: int = 1_000_000  # physical lines (blank ones included)
    line_chars: int = 10_000  # characters of one physical line
    field_chars: int = 1_000  # characters of one value, once the CSV quoting is removed
    columns: int = 100  # fields of the header line


LIMITS = Limits()

# Magic numbers of files that are not text: zip (xlsx, ods, docx, archives), OLE2 (xls), PDF,
# gzip, 7z, rar, bzip2, xz, zstd.
_BINARY_MAGIC = (
    b"PK\x03\x04",
    b"\xd0\xcf\x11\xe0",
    b"%PDF",
    b"\x1f\x8b",
    b"7z\xbc\xaf",
    b"Rar!",
    b"BZh",
    b"\xfd7zXZ",
    b"\x28\xb5\x2f\xfd",
)
_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
# Control characters other than tab and line breaks mean a binary or corrupted file. Python's
# `str.isspace` counts \x1c-\x1f as white space; refusing them keeps every reader of the text
# (Python's csv module, polars) in agreement about what a blank value is. They are the same
# bytes in UTF-8 and Windows-1252 (and never part of a multi-byte UTF-8 character): checked on
# the bytes, by deleting them and comparing lengths (much faster than a regular expression).
_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 13))


def looks_binary(raw: bytes) -> bool:
    """A spreadsheet, an archive, a PDF or any file holding a NUL byte (UTF-16 included)."""
    return raw.startswith(_BINARY_MAGIC) or b"\x00" in raw


def decode(raw: bytes) -> tuple[str, str] | None:
    """Text and encoding name, or None when the bytes are not a text file we accept."""
    if looks_binary(raw) or len(raw.translate(None, _CONTROL_BYTES)) != len(raw):
        return None
    if raw.startswith(_UTF8_BOM):
        raw = raw[len(_UTF8_BOM) :]
        encoding = "utf-8-sig"
    else:
        encoding = "utf-8"
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text, encoding = raw.decode("cp1252"), "windows-1252"
        except UnicodeDecodeError:
            return None
    return text, encoding


def looks_like_utf16(raw: bytes) -> bool:
    """A UTF-16 export ("Texte Unicode" of a spreadsheet), with or without its byte-order mark:
    a BOM, or a NUL byte in every other position of mostly ASCII text."""
    if raw.startswith(_UTF16_BOMS):
        return True
    head = raw[:2000]
    if len(head) < 4:
        return False
    even, odd = head[0::2], head[1::2]
    return even.count(0) > 0.9 * len(even) or odd.count(0) > 0.9 * len(odd)


def sniff_delimiter(header_line: str) -> str:
    """`;` is the contract's delimiter; `,` is accepted when the header holds no `;`."""
    if ";" in header_line:
        return ";"
    if "," in header_line:
        return ","
    return ";"


def normalise_header(name: str) -> str:
    return name.strip().strip("\ufeff").strip().lower()
