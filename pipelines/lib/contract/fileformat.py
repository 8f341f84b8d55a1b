"""The file format of exports.md §2 as plain functions: which bytes are a text file we accept,
which delimiter a header uses, how a column name is matched. Shared by the gate's reader and the
partners' `pseudonymise` command."""

# Magic numbers of files that are not text: zip (xlsx, ods, docx, archives), OLE2 (xls), PDF,
# gzip, 7z, rar.
_BINARY_MAGIC = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0", b"%PDF", b"\x1f\x8b", b"7z\xbc\xaf", b"Rar!")
_UTF8_BOM = b"\xef\xbb\xbf"


def decode(raw: bytes) -> tuple[str, str] | None:
    """Text and encoding name, or None when the bytes are not a text file we accept."""
    if any(raw.startswith(magic) for magic in _BINARY_MAGIC) or b"\x00" in raw:
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
    # Control characters other than tab and line breaks mean a binary or corrupted file.
    if any(ord(ch) < 32 and ch not in "\t\r\n" for ch in text[:100_000]):
        return None
    return text, encoding


def sniff_delimiter(header_line: str) -> str:
    """`;` is the contract's delimiter; `,` is accepted when the header holds no `;`."""
    if ";" in header_line:
        return ";"
    if "," in header_line:
        return ","
    return ";"


def normalise_header(name: str) -> str:
    return name.strip().strip("\ufeff").strip().lower()
