"""The warehouse's ingestion schemas (DuckDB): landing, audit and accepted raw tables.

Write–audit–publish:
- `landing.<table>`: the normalised text of the deliveries under judgement (all VARCHAR), with
  `_livraison`, `_fichier`, `_ligne`. Rows of a refused delivery are removed once judged.
- `audit.livraisons`: one row per delivery seen, its fingerprint, the run that last judged it,
  its status and problem count. `audit.acceptees`: what each partition of `raw` holds.
- `raw.<table>`: typed rows of every accepted delivery with lineage. A delivery is promoted in
  one transaction that replaces its partition's rows; dbt reads only these tables.

DuckDB allows one writing process: every function opens a short connection and closes it.
"""

import contextlib
import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import duckdb
import polars as pl

from pipelines.lib.contract.deliveries import Delivery
from pipelines.lib.contract.rules import Problem
from pipelines.lib.contract.tables import TABLES, Kind, Table
from pipelines.lib.quality.gate import ReadDelivery
from pipelines.lib.quality.reading import ReadFile

LINEAGE = {
    "_livraison": "varchar",
    "_source": "varchar",
    "_dept": "varchar",
    "_annee": "integer",
    "_producteur": "varchar",
    "_fichier": "varchar",
    "_ligne": "bigint",
    "_charge_le": "timestamp",
}


@contextlib.contextmanager
def connect(path: Path, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path), read_only=read_only)
    try:
        yield con
    finally:
        con.close()


def _sql_type(kind: Kind) -> str:
    return {Kind.DATE: "date", Kind.BOOL: "boolean", Kind.INT: "integer"}.get(kind, "varchar")


def _typed(col: str, kind: Kind) -> str:
    """SQL turning a normalised landing value into its contract type (already validated)."""
    if kind is Kind.DATE:
        return f"cast({col} as date)"
    if kind is Kind.BOOL:
        return f"case {col} when '1' then true when '0' then false end"
    if kind is Kind.INT:
        return f"cast({col} as integer)"
    return col


def ensure_schemas(con: duckdb.DuckDBPyConnection) -> None:
    """Create the ingestion schemas and tables (idempotent), so that dbt's sources always exist."""
    for schema in ("landing", "audit", "raw"):
        con.execute(f"create schema if not exists {schema}")
    con.execute(
        """
        create table if not exists audit.livraisons (
            _livraison varchar primary key, source varchar, dept varchar, annee integer,
            producteur varchar, empreinte varchar, run_id varchar, controle_le timestamp,
            statut varchar, nb_problemes integer, problemes_lecture json, fichiers json)
        """
    )
    con.execute(
        """
        create table if not exists audit.acceptees (
            _livraison varchar primary key, source varchar, dept varchar, annee integer,
            producteur varchar, empreinte varchar, promue_le timestamp, nb_lignes integer)
        """
    )
    con.execute(
        "create table if not exists audit.parametres (cle varchar primary key, valeur varchar)"
    )
    for table in TABLES.values():
        text_cols = ", ".join(f"{c} varchar" for c in table.column_names)
        con.execute(
            f"create table if not exists landing.{table.name} "
            f"(_livraison varchar, _fichier varchar, _ligne bigint, {text_cols})"
        )
        typed_cols = ", ".join(f"{c.name} {_sql_type(c.kind)}" for c in table.columns)
        lineage = ", ".join(f"{k} {v}" for k, v in LINEAGE.items())
        con.execute(f"create table if not exists raw.{table.name} ({typed_cols}, {lineage})")


class SecretChanged(RuntimeError):
    """The warehouse was keyed with another secret: loading would split every person in two."""


def check_secret(con: duckdb.DuckDBPyConnection, fingerprint: str) -> None:
    """Record the warehouse secret's fingerprint on first use; refuse a different one."""
    row = con.execute(
        "select valeur from audit.parametres where cle = 'secret_entrepot'"
    ).fetchone()
    if row is None:
        con.execute("insert into audit.parametres values ('secret_entrepot', ?)", [fingerprint])
    elif row[0] != fingerprint:
        raise SecretChanged(
            "Le secret de l'entrepôt n'est pas celui avec lequel l'entrepôt a été construit : "
            "les clés ne se rejoindraient plus. Remettez le bon fichier de secret, ou, pour une "
            "rotation, reconstruisez l'entrepôt (supprimez-le puis relancez : toutes les "
            "livraisons de data/raw sont rechargées)."
        )


def land(con: duckdb.DuckDBPyConnection, reads: list[ReadDelivery], run_id: str) -> dict[str, int]:
    """Replace the landing rows of the run's deliveries with what was just read, and register
    them in `audit.livraisons` as under judgement. Returns row counts per table."""
    keys = [r.delivery.key for r in reads]
    per_table: dict[str, list[pl.DataFrame]] = {}
    registry = []
    for read in reads:
        d = read.delivery
        for table_name, rf in read.files.items():
            if rf.frame is not None and rf.frame.height:
                per_table.setdefault(table_name, []).append(
                    rf.frame.with_columns(
                        pl.lit(d.key).alias("_livraison"), pl.lit(rf.path.name).alias("_fichier")
                    )
                )
        structural = [p.as_dict() for rf in read.files.values() for p in rf.problems]
        files = {
            "tables": {t: p.name for t, p in d.files.items()},
            "inconnus": [p.name for p in d.unknown_files],
            "doublons": [p.name for p in d.duplicate_files],
        }
        registry.append(
            (
                d.key,
                d.source,
                d.dept,
                d.annee,
                d.producteur,
                d.fingerprint(),
                run_id,
                json.dumps(structural, ensure_ascii=False),
                json.dumps(files, ensure_ascii=False),
            )
        )
    counts: dict[str, int] = {}
    con.execute("begin")
    try:
        con.register("_keys", pl.DataFrame({"k": keys}, schema={"k": pl.Utf8}).to_arrow())
        for table in TABLES:
            con.execute(f"delete from landing.{table} where _livraison in (select k from _keys)")
        for table_name, frames in per_table.items():
            frame = pl.concat(frames, how="diagonal")
            con.register("_incoming", frame.to_arrow())
            con.execute(f"insert into landing.{table_name} by name select * from _incoming")
            con.unregister("_incoming")
            counts[table_name] = frame.height
        con.unregister("_keys")
        con.executemany(
            """
            insert or replace into audit.livraisons
            values (?, ?, ?, ?, ?, ?, ?, current_timestamp, 'en_controle', null, ?, ?)
            """,
            registry,
        )
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return counts


def landed_deliveries(
    con: duckdb.DuckDBPyConnection, run_id: str, raw_dir: Path
) -> list[ReadDelivery]:
    """Rebuild, from the landing area, what the run's landing step read: the gate judges exactly
    the rows that would be promoted."""
    rows = con.execute(
        "select _livraison, source, dept, annee, producteur, problemes_lecture, fichiers "
        "from audit.livraisons where run_id = ? order by _livraison",
        [run_id],
    ).fetchall()
    reads = []
    for key, source, dept, annee, producteur, problems_json, files_json in rows:
        files = json.loads(files_json)
        folder = raw_dir / source / dept / str(annee)
        delivery = Delivery(
            source=source,
            dept=dept,
            annee=annee,
            producteur=producteur,
            folder=folder,
            files={t: folder / name for t, name in files["tables"].items()},
            unknown_files=tuple(folder / name for name in files["inconnus"]),
            duplicate_files=tuple(folder / name for name in files.get("doublons", [])),
        )
        problems = [Problem(**p) for p in json.loads(problems_json)]
        read_files: dict[str, ReadFile] = {}
        for table_name, name in files["tables"].items():
            table = TABLES[table_name]
            rf = ReadFile(table=table, path=folder / name)
            rf.problems = [p for p in problems if p.fichier == name]
            unreadable = any(p.regle == "FICHIER_ILLISIBLE" for p in rf.problems)
            if not unreadable:
                present = [c for c in table.column_names if c not in rf.missing_columns]
                landed = pl.from_arrow(
                    con.sql(
                        f"select _ligne, {', '.join(present)} from landing.{table_name} "
                        "where _livraison = $key order by _ligne",
                        params={"key": key},
                    ).to_arrow_table()
                )
                assert isinstance(landed, pl.DataFrame)
                rf.frame = landed
                if landed.height == 0:
                    rf.frame = pl.DataFrame(
                        schema={"_ligne": pl.Int64, **dict.fromkeys(present, pl.Utf8)}
                    )
            read_files[table_name] = rf
        reads.append(ReadDelivery(delivery, read_files))
    return reads


def record_verdicts(con: duckdb.DuckDBPyConnection, verdicts: dict[str, tuple[str, int]]) -> None:
    """Store each delivery's status; drop the landing rows of refused ones (they may hold the
    direct identifiers that got them refused)."""
    con.execute("begin")
    for key, (statut, nb) in verdicts.items():
        con.execute(
            "update audit.livraisons set statut = ?, nb_problemes = ? where _livraison = ?",
            [statut, nb, key],
        )
        if statut != "acceptee":
            for table in TABLES:
                con.execute(f"delete from landing.{table} where _livraison = ?", [key])
    con.execute("commit")


def promote(con: duckdb.DuckDBPyConnection, run_id: str) -> list[str]:
    """Promote the run's accepted deliveries whose content changed since their last promotion,
    each replacing its partition's rows in `raw`, all in one transaction. Returns their keys."""
    todo = con.execute(
        """
        select l._livraison, l.source, l.dept, l.annee, l.producteur, l.empreinte
        from audit.livraisons l
        left join audit.acceptees a using (_livraison)
        where l.run_id = ? and l.statut = 'acceptee'
          and (a.empreinte is null or a.empreinte <> l.empreinte)
        order by l._livraison
        """,
        [run_id],
    ).fetchall()
    now = dt.datetime.now()
    con.execute("begin")
    try:
        for key, source, dept, annee, producteur, empreinte in todo:
            total = 0
            for table in TABLES.values():
                if table.source != source:
                    continue
                total += _promote_table(con, table, key, source, dept, annee, producteur, now)
            con.execute(
                "insert or replace into audit.acceptees values (?, ?, ?, ?, ?, ?, ?, ?)",
                [key, source, dept, annee, producteur, empreinte, now, total],
            )
        # Accepted rows leave the landing area, promoted or unchanged.
        for name in TABLES:
            con.execute(
                f"delete from landing.{name} where _livraison in (select _livraison "
                "from audit.livraisons where run_id = ? and statut = 'acceptee')",
                [run_id],
            )
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return [row[0] for row in todo]


def _promote_table(
    con: duckdb.DuckDBPyConnection,
    table: Table,
    key: str,
    source: str,
    dept: str,
    annee: int,
    producteur: str | None,
    now: dt.datetime,
) -> int:
    con.execute(f"delete from raw.{table.name} where _livraison = ?", [key])
    typed = ", ".join(f"{_typed(c.name, c.kind)} as {c.name}" for c in table.columns)
    inserted = con.execute(
        f"""
        insert into raw.{table.name} by name
        select {typed}, _livraison, ? as _source, ? as _dept, ? as _annee,
               ? as _producteur, _fichier, _ligne, ? as _charge_le
        from landing.{table.name} where _livraison = ?
        """,
        [source, dept, annee, producteur, now, key],
    ).fetchone()
    return int(inserted[0]) if inserted else 0


def accepted_summary(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Row counts of every accepted raw table."""
    out = {}
    for table in TABLES:
        row = con.execute(f"select count(*) from raw.{table}").fetchone()
        out[table] = int(row[0]) if row else 0
    return out
