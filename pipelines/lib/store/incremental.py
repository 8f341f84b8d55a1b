"""What is already done: the one definition shared by `observatoire run` and the Dagster sensor.

A delivery already judged and unchanged is neither read nor judged again. "Unchanged" is decided
cheaply first, then surely:

1. the *signature* — names, sizes and modification times of the delivery's files — equals the
   one recorded when it was judged (`audit.livraisons.signature`): unchanged, nothing is read;
2. otherwise the *content fingerprint* (SHA-256 of names and bytes) is computed and compared
   with the recorded one (`empreinte`): a file touched but holding the same bytes is unchanged,
   and its new signature is recorded so that the next run does not hash it again.

A verdict also depends on the rules it was judged with: the Great Expectations suites and the
code that reads, judges, lands and promotes (`rules_version`). Each verdict records that version
(`audit.livraisons.regles`); when the rules change, every delivery is judged again. A delivery of
year Y is judged again with its predecessor Y−1 of the same partition when Y−1 is to be judged
(its `ENREGISTREMENT_DISPARU` warning compares the two extracts).

The publication is up to date when it was made from exactly the current inputs: the accepted
deliveries in force (their fingerprints and rules), the region, the threshold (`seuil`), the dbt
project's sources and the publication's code. Each publication carries that stamp
(`PUBLICATION_STAMP`, written by `lib/publication/publish.py`, beside the files it describes:
rolling back to the previous publication brings back its stamp too). When the stamp differs, or
the publication is missing, the models and the publication are redone — without reading any
delivery.

Everything here reads files and the warehouse only: no Dagster, and nothing heavier than DuckDB,
so that a run with nothing new answers in about a second.
"""

import contextlib
import hashlib
import importlib.metadata
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path

import duckdb

from pipelines.lib.contract.deliveries import Delivery
from pipelines.lib.reference import PROJECT_ROOT
from pipelines.lib.settings import EXPECTATIONS_DIR, Settings

# The stamp a publication carries in its folder (what it was made from): a hidden file, not
# one of the publication's documents.
PUBLICATION_STAMP = ".empreinte.json"

# The code whose behaviour decides a verdict or the rows it promotes: the contract, the reader
# and the gate, the landing and the promotion, the COG departments the folders are checked
# against. A change in any of them re-judges every delivery.
_RULES_SOURCES = (
    Path("pipelines/lib/contract"),
    Path("pipelines/lib/quality"),
    Path("pipelines/lib/store/warehouse.py"),
    Path("dbt_project/seeds/cog_departements.csv"),
)
_RULES_LIBRARIES = ("great-expectations", "polars", "pandas", "duckdb")
# The publication: masking, files, documents and their templates, the maps' contours.
_PUBLICATION_SOURCES = (
    Path("pipelines/lib/publication"),
    Path("pipelines/defs/publication"),
    Path("reference/departements.geojson"),
)
_PUBLICATION_LIBRARIES = ("polars", "duckdb", "typst", "matplotlib", "openpyxl", "geopandas")
# What dbt reads of its project (as `defs/transformation/project.py` does to know when to parse).
_DBT_DIRS = ("models", "macros", "seeds", "tests", "snapshots", "analyses")
_DBT_FILES = ("dbt_project.yml", "profiles.yml", "packages.yml", "dependencies.yml")
_DBT_LIBRARIES = ("dbt-core", "dbt-duckdb", "duckdb")

JUDGED = ("acceptee", "refusee")


# ---------------------------------------------------------------------------------------------
# Digests of code and files


def _files_under(paths: Iterable[Path]) -> list[Path]:
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            out.extend(
                p
                for p in path.rglob("*")
                if p.is_file() and "__pycache__" not in p.parts and not p.name.startswith(".")
            )
        elif path.is_file():
            out.append(path)
    return sorted(out)


def _versions(libraries: Iterable[str]) -> list[str]:
    found = []
    for name in libraries:
        try:
            found.append(f"{name}=={importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            found.append(f"{name}==absent")
    return found


def tree_digest(root: Path, paths: Iterable[Path], libraries: Iterable[str] = ()) -> str:
    """SHA-256 over the relative names and bytes of the files under `paths` (relative to `root`),
    and the versions of `libraries`."""
    digest = hashlib.sha256()
    for path in _files_under(root / p for p in paths):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    for version in _versions(libraries):
        digest.update(version.encode() + b"\0")
    return digest.hexdigest()


@cache
def rules_version(expectations_dir: Path = EXPECTATIONS_DIR) -> str:
    """The version of the rules a verdict is judged with: the suites and the deciding code."""
    digest = hashlib.sha256(tree_digest(PROJECT_ROOT, _RULES_SOURCES, _RULES_LIBRARIES).encode())
    for suite in _files_under([expectations_dir]):
        digest.update(suite.relative_to(expectations_dir).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(suite.read_bytes()).digest())
    return digest.hexdigest()


def dbt_sources_digest(project_dir: Path) -> str:
    """The dbt project's sources: models, macros, seeds, tests, its configuration."""
    paths = [Path(d) for d in _DBT_DIRS] + [Path(f) for f in _DBT_FILES]
    return tree_digest(project_dir, paths, _DBT_LIBRARIES)


@cache
def publication_code_digest() -> str:
    return tree_digest(PROJECT_ROOT, _PUBLICATION_SOURCES, _PUBLICATION_LIBRARIES)


# ---------------------------------------------------------------------------------------------
# Deliveries: which ones to read and judge


def stat_signature(delivery: Delivery) -> str:
    """Names, sizes and modification times of the delivery's files: cheap to read (no byte of
    content). A file that vanished counts as such."""
    parts = []
    for path in sorted(
        [*delivery.files.values(), *delivery.unknown_files, *delivery.duplicate_files]
    ):
        try:
            st = path.lstat()
            parts.append(f"{path.name}:{st.st_mode}:{st.st_size}:{st.st_mtime_ns}")
        except OSError:
            parts.append(f"{path.name}:absent")
    return hashlib.sha1("|".join(parts).encode(), usedforsecurity=False).hexdigest()


@dataclass(frozen=True)
class Judged:
    """What `audit.livraisons` records of a delivery's last judgement."""

    key: str
    statut: str | None
    empreinte: str | None
    signature: str | None
    regles: str | None


# Why a delivery is to be read and judged.
NEW = "nouvelle"
CHANGED = "modifiee"
RULES = "regles"
UNFINISHED = "non_jugee"
PREVIOUS_YEAR = "annee_precedente"
FORCED = "demandee"
REASONS = {
    NEW: "nouvelle(s)",
    CHANGED: "modifiée(s) depuis leur contrôle",
    RULES: "contrôlée(s) avec d'autres règles",
    UNFINISHED: "au contrôle non terminé",
    PREVIOUS_YEAR: "dont l'extrait de l'année précédente est à contrôler",
    FORCED: "contrôle demandé (--recontroler)",
}


@dataclass
class DeliveryPlan:
    """Which deliveries to read and judge, and which are already done."""

    todo: list[Delivery] = field(default_factory=list)
    reasons: dict[str, str] = field(default_factory=dict)  # key → one of REASONS
    # Already judged and unchanged: key → status of their verdict (acceptee, refusee).
    done: dict[str, str] = field(default_factory=dict)
    # Unchanged deliveries whose files were touched (same bytes): key → their new signature.
    refreshed: dict[str, str] = field(default_factory=dict)
    # Content fingerprints computed while planning (signatures that moved), by key.
    fingerprints: dict[str, str] = field(default_factory=dict)

    @property
    def todo_keys(self) -> list[str]:
        return [d.key for d in self.todo]

    @property
    def refused(self) -> list[str]:
        return sorted(k for k, s in self.done.items() if s != "acceptee")

    @property
    def accepted(self) -> list[str]:
        return sorted(k for k, s in self.done.items() if s == "acceptee")


Fingerprinter = Callable[[Delivery, str], str]


def _content_fingerprint(delivery: Delivery, _signature: str) -> str:
    return delivery.fingerprint()


def plan_deliveries(
    deliveries: Iterable[Delivery],
    judged: Mapping[str, Judged],
    rules: str,
    fingerprint: Fingerprinter = _content_fingerprint,
    force: bool = False,
) -> DeliveryPlan:
    """Split the deliveries found into those to read and judge and those already done.
    `fingerprint(delivery, signature)` gives a delivery's content fingerprint; the sensor
    passes one that remembers it per signature between its ticks."""
    deliveries = list(deliveries)
    plan = DeliveryPlan()
    for delivery in deliveries:
        key = delivery.key
        record = judged.get(key)
        signature = stat_signature(delivery)
        reason: str | None = None
        if force:
            reason = FORCED
        elif record is None:
            reason = NEW
        elif record.statut not in JUDGED:
            reason = UNFINISHED
        elif record.regles != rules:
            reason = RULES
        elif record.signature != signature:
            content = fingerprint(delivery, signature)
            plan.fingerprints[key] = content
            if content != record.empreinte:
                reason = CHANGED
            else:
                plan.refreshed[key] = signature
        if reason is None:
            assert record is not None and record.statut is not None
            plan.done[key] = record.statut
        else:
            plan.reasons[key] = reason
    # Year Y is judged again with its predecessor: its warnings compare the two extracts.
    for delivery in deliveries:
        key = delivery.key
        previous = replace(delivery, annee=delivery.annee - 1).key
        if key in plan.done and previous in plan.reasons:
            del plan.done[key]
            plan.refreshed.pop(key, None)
            plan.reasons[key] = PREVIOUS_YEAR
    plan.todo = [d for d in deliveries if d.key in plan.reasons]
    return plan


def judged_deliveries(con: duckdb.DuckDBPyConnection) -> dict[str, Judged]:
    """Every delivery the warehouse has a record of, with what its last judgement used."""
    try:
        rows = con.execute(
            "select _livraison, statut, empreinte, signature, regles from audit.livraisons"
        ).fetchall()
    except duckdb.CatalogException:
        return {}  # a warehouse that never landed anything
    except duckdb.BinderException:  # a warehouse from before signatures: judge everything
        rows = [
            (*row, None, None)
            for row in con.execute(
                "select _livraison, statut, empreinte from audit.livraisons"
            ).fetchall()
        ]
    return {str(r[0]): Judged(*r) for r in rows}


def refresh_signatures(con: duckdb.DuckDBPyConnection, refreshed: Mapping[str, str]) -> None:
    """Record the new signatures of deliveries touched without changing their bytes."""
    if not refreshed:
        return
    con.executemany(
        "update audit.livraisons set signature = ? where _livraison = ?",
        [[signature, key] for key, signature in refreshed.items()],
    )


# ---------------------------------------------------------------------------------------------
# Models and publication: are they made from the current inputs?


def accepted_digest(con: duckdb.DuckDBPyConnection) -> tuple[int, str]:
    """How many accepted deliveries are in force in `raw`, and a digest of their keys,
    fingerprints and rules."""
    try:
        rows = con.execute(
            "select _livraison, empreinte, regles from audit.acceptees order by _livraison"
        ).fetchall()
    except duckdb.CatalogException:
        rows = []
    except duckdb.BinderException:  # a warehouse from before the rules were recorded
        rows = [
            (*row, None)
            for row in con.execute(
                "select _livraison, empreinte from audit.acceptees order by _livraison"
            ).fetchall()
        ]
    digest = hashlib.sha256()
    for key, empreinte, regles in rows:
        digest.update(f"{key}:{empreinte}:{regles}\n".encode())
    return len(rows), digest.hexdigest()


def publication_stamp(con: duckdb.DuckDBPyConnection, settings: Settings) -> dict[str, object]:
    """What a publication is made from: the accepted deliveries in force, the region, the dbt
    project, the threshold, the publication's code. Written in the publication's folder
    (`PUBLICATION_STAMP`)."""
    count, deliveries = accepted_digest(con)
    return {
        "livraisons_acceptees": count,
        "livraisons": _stamp_digest(deliveries),
        "region": settings.region,
        "projet_dbt": _stamp_digest(dbt_sources_digest(settings.dbt_project_dir)),
        "seuil": settings.seuil,
        "code_publication": _stamp_digest(publication_code_digest()),
    }


def _stamp_digest(digest: str) -> str:
    """The first 128 bits: plenty to tell inputs apart, and never the shape of a pseudonymous
    key (64 hexadecimal characters), which nothing in a publication may look like."""
    return digest[:32]


def published_stamp(marts_dir: Path) -> dict[str, object] | None:
    """The stamp of the publication behind `marts_dir`, None when there is none (no
    publication, a folder that vanished, a publication from before stamps)."""
    with contextlib.suppress(OSError, ValueError):
        data = json.loads((marts_dir / PUBLICATION_STAMP).read_text(encoding="utf-8"))
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if k != "publiee_le"}
    return None


# ---------------------------------------------------------------------------------------------
# The whole survey of a run


@dataclass
class Survey:
    """What a run has to do."""

    deliveries: list[Delivery]
    plan: DeliveryPlan
    # The publication must be redone: missing, or made from other inputs.
    publication_stale: bool
    # Why the publication is stale, in French (empty when it is up to date).
    publication_reason: str = ""
    # What a publication made now would be made from (empty without a warehouse).
    current_stamp: dict[str, object] = field(default_factory=dict)

    @property
    def accepted_in_force(self) -> int:
        count = self.current_stamp.get("livraisons_acceptees", 0)
        return count if isinstance(count, int) else 0

    @property
    def nothing_to_do(self) -> bool:
        return not self.plan.todo and not self.publication_stale


def _publication_reason(
    published: Mapping[str, object] | None, current: Mapping[str, object]
) -> str:
    if published is None:
        return "aucune publication (ou une publication sans empreinte)"
    labels = {
        "livraisons": "les livraisons acceptées ont changé",
        "region": "la région a changé",
        "projet_dbt": "les modèles dbt ont changé",
        "seuil": "le seuil du secret statistique a changé",
        "code_publication": "le code de la publication a changé",
    }
    moved = [text for key, text in labels.items() if published.get(key) != current.get(key)]
    return ", ".join(moved) or "son empreinte diffère"


def survey(
    settings: Settings,
    deliveries: list[Delivery],
    con: duckdb.DuckDBPyConnection | None,
    force: bool = False,
    fingerprint: Fingerprinter = _content_fingerprint,
) -> Survey:
    """Decide what a run does, from the deliveries found and the warehouse (`con`, None when
    there is no warehouse yet); reads only. The caller records the refreshed signatures of
    touched-but-unchanged deliveries (`refresh_signatures`) when it may write."""
    rules = rules_version()
    judged = judged_deliveries(con) if con is not None else {}
    plan = plan_deliveries(deliveries, judged, rules, fingerprint=fingerprint, force=force)
    if con is None:
        return Survey(deliveries, plan, True, _publication_reason(None, {}))
    current = publication_stamp(con, settings)
    published = published_stamp(Path(settings.marts_dir))
    stale = published != current
    return Survey(
        deliveries,
        plan,
        stale,
        _publication_reason(published, current) if stale else "",
        current,
    )
