"""Finding deliveries in the raw folder.

A delivery is `data/raw/<source>/<dept>/<annee>/`, holding one CSV per table, named `<table>.csv`
or `<table>__<producteur>.csv` when several producers deliver for the same department and year
(docs/contrat-echange.md §1). One delivery = one partition: source × department × year (× producer).
"""

import functools
import hashlib
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

from pipelines.lib.contract.fileformat import LIMITS
from pipelines.lib.contract.tables import SOURCES

_FILE = re.compile(
    r"^(?P<table>[a-z_]+?)(?:__(?P<producteur>[A-Za-z0-9_-]+))?\.csv$", re.IGNORECASE
)
_YEAR = re.compile(r"^\d{4}$")


@dataclass(frozen=True)
class Delivery:
    """One partition: the files of one producer for one source, department and year."""

    source: str
    dept: str
    annee: int
    producteur: str | None
    folder: Path
    files: dict[str, Path] = field(default_factory=dict, hash=False, compare=False)
    # CSV files in the folder whose name is not a table of the source (reported, never read).
    unknown_files: tuple[Path, ...] = field(default=(), hash=False, compare=False)
    # A second file for a table already delivered (`ase_mesures.csv` and `ASE_MESURES.CSV`).
    duplicate_files: tuple[Path, ...] = field(default=(), hash=False, compare=False)

    @property
    def key(self) -> str:
        """The partition key, e.g. `ase-31-2024` or `ml-30-2024-ML3002`."""
        base = f"{self.source}-{self.dept}-{self.annee}"
        return f"{base}-{self.producteur}" if self.producteur else base

    @property
    def report_name(self) -> str:
        return report_stem(self.key)

    def fingerprint(self) -> str:
        """SHA-256 over the file names and bytes: a re-delivery with the same content is a no-op.
        Bytes are read by chunks; a file that is not a regular file, is over the size limit or
        cannot be opened counts by its metadata only (the gate refuses it unread)."""
        digest = hashlib.sha256()
        for path in sorted([*self.files.values(), *self.unknown_files, *self.duplicate_files]):
            digest.update(path.name.encode())
            _digest_file(digest, path)
        return digest.hexdigest()


def _digest_file(digest: "hashlib._Hash", path: Path) -> None:
    try:
        st = path.lstat()
    except FileNotFoundError:
        digest.update(b"\0absent")
        return
    if stat.S_ISREG(st.st_mode) and st.st_size <= LIMITS.file_bytes:
        try:
            with path.open("rb") as handle:
                for chunk in iter(functools.partial(handle.read, 2**20), b""):
                    digest.update(chunk)
            return
        except PermissionError:
            pass
    digest.update(f"\0{st.st_mode}:{st.st_size}:{st.st_mtime_ns}".encode())


def report_stem(key: str) -> str:
    """File stem of a delivery's report: `<source>_<dept>_<annee>[_<producteur>]`."""
    return key.replace("-", "_")


def parse_file_name(name: str) -> tuple[str, str | None] | None:
    """`ml_jeunes__ML3002.csv` → (`ml_jeunes`, `ML3002`); None when it is not a CSV name."""
    match = _FILE.match(name)
    if not match:
        return None
    return match["table"].lower(), match["producteur"]


def delivery_from_folder(folder: Path, source: str, dept: str, annee: int) -> list[Delivery]:
    """The deliveries (one per producer) held by one `<source>/<dept>/<annee>` folder."""
    from pipelines.lib.contract.tables import tables_of

    table_names = {t.name for t in tables_of(source)}
    by_producer: dict[str | None, dict[str, Path]] = {}
    unknown: dict[str | None, list[Path]] = {}
    duplicates: dict[str | None, list[Path]] = {}
    for path in sorted(folder.iterdir()):
        # Links and special files are kept, so that the gate refuses them (unread) instead of
        # ignoring them; only real sub-folders and hidden files are not delivery files.
        if (path.is_dir() and not path.is_symlink()) or path.name.startswith("."):
            continue
        parsed = parse_file_name(path.name)
        if parsed is None:
            if path.suffix.lower() == ".csv":
                unknown.setdefault(None, []).append(path)
            continue
        table, producteur = parsed
        if table in table_names:
            files = by_producer.setdefault(producteur, {})
            if table in files:
                duplicates.setdefault(producteur, []).append(path)
            else:
                files[table] = path
        else:
            unknown.setdefault(producteur, []).append(path)
    producers = set(by_producer) | set(unknown)
    if not producers:
        return []
    return [
        Delivery(
            source=source,
            dept=dept,
            annee=annee,
            producteur=producteur,
            folder=folder,
            files=by_producer.get(producteur, {}),
            unknown_files=tuple(unknown.get(producteur, [])),
            duplicate_files=tuple(duplicates.get(producteur, [])),
        )
        for producteur in sorted(producers, key=lambda p: p or "")
    ]


def discover(raw_dir: Path) -> list[Delivery]:
    """Every delivery under `raw_dir`, sorted by key. Folders that do not follow the layout are
    ignored here and listed by `stray_folders`."""
    found: list[Delivery] = []
    for source in SOURCES:
        source_dir = raw_dir / source
        if not source_dir.is_dir():
            continue
        for dept_dir in sorted(p for p in source_dir.iterdir() if p.is_dir()):
            for year_dir in sorted(p for p in dept_dir.iterdir() if p.is_dir()):
                if not _YEAR.match(year_dir.name):
                    continue
                found.extend(
                    delivery_from_folder(
                        year_dir, source, dept_dir.name.upper(), int(year_dir.name)
                    )
                )
    return sorted(found, key=lambda d: d.key)


def delivery_for_path(folder: Path) -> list[Delivery]:
    """The deliveries of one folder given on the command line (`observatoire check DIR`): the
    source, department and year come from its last three path parts."""
    folder = folder.resolve()
    annee, dept, source = folder.name, folder.parent.name, folder.parent.parent.name
    if source not in SOURCES or not _YEAR.match(annee):
        raise ValueError(
            f"Le dossier {folder} ne suit pas la forme <source>/<dept>/<annee> "
            f"(source parmi {', '.join(SOURCES)}, année sur quatre chiffres)."
        )
    return delivery_from_folder(folder, source, dept.upper(), int(annee))
