"""Publishing the marts for partners and analysts: Parquet, CSV, the analysts' database, the
data dictionary, the deliveries in force and the guide, then the documents that builders make
from them — all switched in at once.

1. The declarations are read from the dbt manifest of the build that produced the warehouse
   and checked against the built tables: anything undeclared stops the publication
   (`PublicationRefusee`, French message naming the model and the column) before anything is
   written.
2. Each published mart is masked (disclosure control), rounded, and written to a new folder.
3. Builders (callables taking that folder) add their documents; one that fails aborts.
4. The folder is switched in atomically (`switch.py`); the previous publication is kept.
Any failure leaves the previous publication in place, byte for byte.
"""

import datetime as dt
import json
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from pipelines.lib.publication import switch
from pipelines.lib.publication.analysts_db import ANALYST_DB, Table, write_database
from pipelines.lib.publication.declarations import (
    MARTS_SCHEMA,
    Declarations,
    MartDeclaration,
    PublicationRefusee,
    check_table,
    load_manifest,
    read_declarations,
)
from pipelines.lib.publication.disclosure import MASK_COLUMN, mask, rules_for
from pipelines.lib.publication.readable import (
    DELIVERIES,
    DELIVERIES_COLUMNS,
    DELIVERIES_DESCRIPTION,
    DICTIONARY,
    DICTIONARY_COLUMNS,
    DICTIONARY_DESCRIPTION,
    MASK_DESCRIPTION,
    csv_bytes,
    dictionary_frame,
    dictionary_rows,
    round_decimals,
    table_rows,
    write_forms,
)
from pipelines.lib.publication.readme import MASKING, README, render
from pipelines.lib.store.incremental import PUBLICATION_STAMP as STAMP
from pipelines.lib.store.warehouse import connect

# A builder adds documents to the staged publication (bilans, maps, workbook) from the masked
# files already there; it must write inside the folder it is given, and raise on failure.
Builder = Callable[[Path], object]


class ConstructionEchouee(RuntimeError):
    """A builder failed: nothing was published."""


@dataclass
class PublicationResult:
    folder: Path  # the publication now behind the link
    rows: dict[str, int] = field(default_factory=dict)
    masked: dict[str, dict[str, int]] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)  # relative to the folder
    built: dict[str, object] = field(default_factory=dict)  # what each builder returned

    @property
    def masked_per_mart(self) -> dict[str, int]:
        return {m: sum(cols.values()) for m, cols in self.masked.items()}


def _absolute(path: Path) -> Path:
    """Absolute without resolving the link itself."""
    return Path(os.path.abspath(path))


def _read_marts(
    warehouse: Path, declarations: Declarations
) -> tuple[list[tuple[MartDeclaration, pl.DataFrame]], pl.DataFrame]:
    """The exact marts and the deliveries in force; every declaration checked against the built
    tables first."""
    with connect(warehouse, read_only=True) as con:
        built: dict[str, list[str]] = {}
        for table, column in con.execute(
            "select table_name, column_name from information_schema.columns "
            "where table_schema = ? order by table_name, ordinal_position",
            [MARTS_SCHEMA],
        ).fetchall():
            built.setdefault(table, []).append(column)
        problems: list[str] = []
        for mart in declarations.marts:
            if mart.name not in built:
                problems.append(
                    f"modèle « {mart.name} » : déclaré publié mais la table "
                    f"{MARTS_SCHEMA}.{mart.name} n'existe pas dans l'entrepôt {warehouse}."
                )
            else:
                problems += check_table(mart, built[mart.name])
        if problems:
            raise PublicationRefusee(problems)
        exact = []
        for mart in declarations.marts:
            frame = pl.from_arrow(
                con.sql(f"select * from {MARTS_SCHEMA}.{mart.name}").to_arrow_table()
            )
            assert isinstance(frame, pl.DataFrame)
            exact.append((mart, frame))
        deliveries = _deliveries(con)
    return exact, deliveries


def _deliveries(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    schema: dict[str, pl.DataType] = {
        "source": pl.Utf8(),
        "dept": pl.Utf8(),
        "annee": pl.Int32(),
        "producteur": pl.Utf8(),
        "acceptee_le": pl.Datetime("us"),
        "nb_lignes": pl.Int64(),
    }
    # fetchall, not fetchone: DuckDB 2.0 keeps a result open until it is read to the end.
    exists = con.execute(
        "select count(*) from information_schema.tables "
        "where table_schema = 'audit' and table_name = 'acceptees'"
    ).fetchall()
    if not exists[0][0]:
        return pl.DataFrame(schema=schema)
    frame = pl.from_arrow(
        con.sql(
            "select source, dept, annee, producteur, promue_le as acceptee_le, nb_lignes "
            "from audit.acceptees order by source, dept, annee, producteur nulls first"
        ).to_arrow_table()
    )
    assert isinstance(frame, pl.DataFrame)
    return frame.cast(pl.Schema(schema))


def _write(
    staged: Path,
    exact: list[tuple[MartDeclaration, pl.DataFrame]],
    deliveries: pl.DataFrame,
    seuil: int,
    result: PublicationResult,
) -> list[tuple[MartDeclaration, pl.DataFrame]]:
    published: list[tuple[MartDeclaration, pl.DataFrame]] = []
    tables: list[Table] = []
    dictionary: list[dict[str, str]] = []
    for mart, frame in exact:
        masked, report = mask(frame, rules_for(mart), seuil)
        readable = round_decimals(masked, mart)
        write_forms(staged, mart.name, readable)
        published.append((mart, readable))
        result.rows[mart.name] = readable.height
        result.masked[mart.name] = dict(sorted(report.per_column.items()))
        dictionary += dictionary_rows(mart, readable)
        descriptions = {c.name: c.description for c in mart.columns}
        descriptions[MASK_COLUMN] = MASK_DESCRIPTION
        tables.append(Table(mart.name, readable, mart.description, descriptions))
    dictionary += table_rows(DELIVERIES, deliveries, DELIVERIES_COLUMNS)
    dictionary_table = dictionary_frame(dictionary)
    dictionary += table_rows(DICTIONARY, dictionary_table, DICTIONARY_COLUMNS)
    dictionary_table = dictionary_frame(dictionary)
    (staged / f"{DICTIONARY}.csv").write_bytes(csv_bytes(dictionary_table))
    (staged / f"{DELIVERIES}.csv").write_bytes(csv_bytes(deliveries))
    tables += [
        Table(DICTIONARY, dictionary_table, DICTIONARY_DESCRIPTION, DICTIONARY_COLUMNS),
        Table(DELIVERIES, deliveries, DELIVERIES_DESCRIPTION, DELIVERIES_COLUMNS),
    ]
    write_database(staged / ANALYST_DB, tables)
    summary = {"seuil": seuil, "cellules_masquees": result.masked}
    (staged / MASKING).write_text(
        json.dumps(summary, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    return published


def _build(staged: Path, builders: Sequence[Builder]) -> dict[str, object]:
    built: dict[str, object] = {}
    for builder in builders:
        name = getattr(builder, "__name__", repr(builder))
        try:
            built[name] = builder(staged)
        except Exception as error:
            raise ConstructionEchouee(
                f"Publication annulée : la construction « {name} » a échoué ({error}). "
                "Rien n'a été publié, la publication précédente reste en place."
            ) from error
    return built


def _files(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def publish(
    warehouse: Path,
    marts_dir: Path,
    manifest: Path,
    *,
    seuil: int = 11,
    builders: Sequence[Builder] = (),
    stamp: Mapping[str, object] | None = None,
) -> PublicationResult:
    """Publish every mart the manifest declares published, masked, to `marts_dir` (a link to the
    publication, switched atomically). Raises `PublicationRefusee` when the declarations do
    not allow it, `ConstructionEchouee` when a builder fails; in every failure the previous
    publication stays in place. `stamp` (what the publication is made from, see
    `lib/store/incremental.py`) is written in the folder as `STAMP`, outside the listed files:
    later runs compare it with their inputs to know whether the publication is up to date."""
    marts_dir = _absolute(marts_dir)
    declarations = read_declarations(load_manifest(manifest))
    exact, deliveries = _read_marts(warehouse, declarations)
    staged = switch.stage(marts_dir)
    result = PublicationResult(folder=staged)
    try:
        published = _write(staged, exact, deliveries, seuil, result)
        result.built = _build(staged, builders)
        # The guide last: it lists the files actually there, builders' documents included.
        files = [*_files(staged), README]
        (staged / README).write_text(
            render(published, files, seuil, dt.datetime.now()), encoding="utf-8"
        )
        result.files = _files(staged)
        if stamp is not None:
            (staged / STAMP).write_text(
                json.dumps({**stamp, "publiee_le": dt.datetime.now().isoformat()}, indent=1),
                encoding="utf-8",
            )
        result.folder = switch.switch(marts_dir, staged)
    except BaseException:
        switch.discard(staged)
        raise
    return result
