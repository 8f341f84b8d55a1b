"""The warehouse's ingestion schemas (DuckDB): landing, audit and accepted raw tables.

Write–audit–publish:
- `landing.<table>`: the normalised text of the deliveries under judgement (all VARCHAR), with
  `_livraison`, `_fichier`, `_ligne`. Rows of a refused delivery are removed once judged.
- `audit.livraisons`: one row per delivery seen, its fingerprint, the run that last judged it,
  its status, its problems and warnings (the gate's verdict, which the Dagster checks read).
  `audit.acceptees`: what each partition of `raw` holds.
- `raw.<table>`: typed rows of every accepted delivery with lineage. A delivery is promoted in
  one transaction that replaces its partition's rows; dbt reads only these tables.

DuckDB allows one writing process: every function opens a short connection and closes it.

One delivery can fail only itself here too: each delivery is landed in its own transaction, and
the promotion falls back to one transaction per delivery when the all-in-one promotion fails; a
delivery whose rows make DuckDB raise is refused (`ERREUR_INATTENDUE`) and the others go on.
DuckDB's own faults (I/O, memory, a broken database file) are the platform's and propagate.
"""

import contextlib
import datetime as dt
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from pipelines.lib.contract.deliveries import Delivery
from pipelines.lib.contract.rules import FILE_FATAL_RULES, Notice, Problem
from pipelines.lib.contract.tables import TABLES, Kind, Table
from pipelines.lib.quality import isolation
from pipelines.lib.quality.gate import ReadDelivery, Verdict
from pipelines.lib.quality.notices import TRACKED_ENDS, previous_key
from pipelines.lib.quality.reading import ReadFile

# DuckDB errors that are the database's or the machine's, never a delivery's.
_PLATFORM_ERRORS = (
    duckdb.IOException,
    duckdb.OutOfMemoryException,
    duckdb.FatalException,
    duckdb.InternalException,
    duckdb.ConnectionException,
    duckdb.InterruptException,
    duckdb.PermissionException,
    duckdb.TransactionException,
)


def is_platform_fault(exc: BaseException) -> bool:
    return isinstance(exc, _PLATFORM_ERRORS) or isolation.is_platform_fault(exc)


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
    # The verdict itself (added after the first release: warehouses built before get them).
    con.execute("alter table audit.livraisons add column if not exists problemes json")
    con.execute("alter table audit.livraisons add column if not exists avertissements json")
    # What is already done (`incremental.py`): the files' cheap signature and the rules the
    # verdict was judged with; the rules of each accepted delivery in force.
    con.execute("alter table audit.livraisons add column if not exists signature varchar")
    con.execute("alter table audit.livraisons add column if not exists regles varchar")
    con.execute(
        """
        create table if not exists audit.acceptees (
            _livraison varchar primary key, source varchar, dept varchar, annee integer,
            producteur varchar, empreinte varchar, promue_le timestamp, nb_lignes integer)
        """
    )
    con.execute("alter table audit.acceptees add column if not exists regles varchar")
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


def clear_landing(con: duckdb.DuckDBPyConnection, keys: Iterable[str]) -> None:
    """Remove what an earlier run left in the landing area for these deliveries."""
    frame = pl.DataFrame({"k": list(keys)}, schema={"k": pl.Utf8})
    con.execute("begin")
    try:
        con.register("_keys", frame.to_arrow())
        for table in TABLES:
            con.execute(f"delete from landing.{table} where _livraison in (select k from _keys)")
        con.unregister("_keys")
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise


def _registry_row(
    read: ReadDelivery, run_id: str, landed: bool, signature: str | None, rules: str | None
) -> list[object]:
    d = read.delivery
    structural = [p.as_dict() for rf in read.files.values() for p in rf.problems]
    structural += [p.as_dict() for p in read.problems]
    files: dict[str, object] = {
        "tables": {t: p.name for t, p in d.files.items()},
        "inconnus": [p.name for p in d.unknown_files],
        "doublons": [p.name for p in d.duplicate_files],
    }
    if not landed:
        files["non_deposee"] = True
    return [
        d.key,
        d.source,
        d.dept,
        d.annee,
        d.producteur,
        d.fingerprint(),
        run_id,
        json.dumps(structural, ensure_ascii=False),
        json.dumps(files, ensure_ascii=False),
        signature,
        rules,
    ]


_REGISTER = """
    insert or replace into audit.livraisons by name
    select ? as _livraison, ? as source, ? as dept, ? as annee, ? as producteur,
           ? as empreinte, ? as run_id, current_timestamp as controle_le,
           'en_controle' as statut, null as nb_problemes, ? as problemes_lecture,
           ? as fichiers, null as problemes, null as avertissements, ? as signature,
           ? as regles
"""


def land_delivery(
    con: duckdb.DuckDBPyConnection,
    read: ReadDelivery,
    run_id: str,
    signature: str | None = None,
    rules: str | None = None,
) -> dict[str, int]:
    """Land one delivery's rows and register it as under judgement, in one transaction. If
    DuckDB refuses its rows, the delivery is registered with an `ERREUR_INATTENDUE` and no
    rows (the gate then refuses it); a fault of the database propagates. `signature` (the
    files' names, sizes and times, taken before reading them) and `rules` (the rules version)
    are recorded with the verdict: they tell later runs that it is already done
    (`incremental.py`)."""
    counts: dict[str, int] = {}
    d = read.delivery
    current = "…"
    con.execute("begin")
    try:
        for table_name, rf in read.files.items():
            if rf.frame is None or not rf.frame.height:
                continue
            current = rf.path.name
            frame = rf.frame.with_columns(
                pl.lit(d.key).alias("_livraison"), pl.lit(rf.path.name).alias("_fichier")
            )
            con.register("_incoming", frame.to_arrow())
            con.execute(f"insert into landing.{table_name} by name select * from _incoming")
            con.unregister("_incoming")
            counts[table_name] = frame.height
        con.execute(_REGISTER, _registry_row(read, run_id, True, signature, rules))
        con.execute("commit")
        return counts
    except Exception as exc:
        con.execute("rollback")
        if is_platform_fault(exc):
            raise
        problem = isolation.unexpected_problem(current, exc, "le dépôt dans l'entrepôt")
    failed = ReadDelivery(
        d,
        {t: ReadFile(rf.table, rf.path, None, list(rf.problems)) for t, rf in read.files.items()},
        [*read.problems, problem],
    )
    con.execute(_REGISTER, _registry_row(failed, run_id, False, signature, rules))
    return {}


def land(con: duckdb.DuckDBPyConnection, reads: list[ReadDelivery], run_id: str) -> dict[str, int]:
    """Replace the landing rows of the run's deliveries with what was just read, and register
    them in `audit.livraisons` as under judgement. Returns row counts per table."""
    clear_landing(con, [r.delivery.key for r in reads])
    counts: dict[str, int] = {}
    for read in reads:
        for table, n in land_delivery(con, read, run_id).items():
            counts[table] = counts.get(table, 0) + n
    return counts


def landed_deliveries(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    raw_dir: Path,
    keys: Iterable[str] | None = None,
) -> list[ReadDelivery]:
    """Rebuild, from the landing area, what the run's landing step read: the gate judges exactly
    the rows that would be promoted. `keys` restricts it to some deliveries (a batch)."""
    rows = con.execute(
        "select _livraison, source, dept, annee, producteur, problemes_lecture, fichiers "
        "from audit.livraisons where run_id = ? order by _livraison",
        [run_id],
    ).fetchall()
    if keys is not None:
        wanted = set(keys)
        rows = [r for r in rows if r[0] in wanted]
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
        names = set(files["tables"].values())
        for table_name, name in files["tables"].items():
            table = TABLES[table_name]
            rf = ReadFile(table=table, path=folder / name)
            rf.problems = [p for p in problems if p.fichier == name]
            unread = files.get("non_deposee", False) or any(
                p.regle in FILE_FATAL_RULES for p in rf.problems
            )
            if not unread:
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
        others = [p for p in problems if p.fichier not in names]
        reads.append(ReadDelivery(delivery, read_files, others))
    return reads


def previous_open_keys(
    con: duckdb.DuckDBPyConnection, deliveries: Iterable[Delivery]
) -> dict[str, dict[str, frozenset[str]]]:
    """For each delivery of year Y, the records without end of the accepted extract of year
    Y−1 of its partition, as `raw` holds it: {Y−1 partition key: {table: business keys}}.
    Plain data for the gate's `ENREGISTREMENT_DISPARU` (the gate never reads the warehouse)."""
    wanted = sorted({previous_key(d) for d in deliveries})
    out: dict[str, dict[str, frozenset[str]]] = {}
    if not wanted:
        return out
    con.register("_wanted", pl.DataFrame({"k": wanted}, schema={"k": pl.Utf8}).to_arrow())
    try:
        for table, end in TRACKED_ENDS.items():
            key = TABLES[table].key[0]
            rows = con.execute(
                f"select _livraison, list({key}) from raw.{table} "
                f"where {end} is null and {key} is not null "
                "and _livraison in (select k from _wanted) group by _livraison"
            ).fetchall()
            for livraison, keys in rows:
                out.setdefault(livraison, {})[table] = frozenset(keys)
    finally:
        con.unregister("_wanted")
    return out


def record_verdicts(
    con: duckdb.DuckDBPyConnection, verdicts: dict[str, tuple[str, int]] | dict[str, Verdict]
) -> None:
    """Store each delivery's verdict (status, problems, warnings); drop the landing rows of
    refused ones (they may hold the direct identifiers that got them refused). Accepts
    verdicts, or (status, number of problems) pairs."""
    con.execute("begin")
    try:
        for key, verdict in verdicts.items():
            problems: str | None = None
            notices: str | None = None
            if isinstance(verdict, Verdict):
                statut, nb = verdict.statut, len(verdict.problems)
                problems = json.dumps([p.as_dict() for p in verdict.problems], ensure_ascii=False)
                notices = json.dumps([n.as_dict() for n in verdict.warnings], ensure_ascii=False)
            else:
                statut, nb = verdict
            con.execute(
                "update audit.livraisons set statut = ?, nb_problemes = ?, problemes = ?, "
                "avertissements = ? where _livraison = ?",
                [statut, nb, problems, notices, key],
            )
            if statut != "acceptee":
                for table in TABLES:
                    con.execute(f"delete from landing.{table} where _livraison = ?", [key])
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise


@dataclass
class JudgedDelivery:
    """A delivery's verdict as the gate recorded it in `audit.livraisons`."""

    key: str
    statut: str
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Notice] = field(default_factory=list)


def recorded_verdicts(con: duckdb.DuckDBPyConnection, run_id: str) -> list[JudgedDelivery]:
    """The verdicts recorded by the gate of one run (what the Dagster checks read)."""
    rows = con.execute(
        "select _livraison, statut, problemes, avertissements from audit.livraisons "
        "where run_id = ? order by _livraison",
        [run_id],
    ).fetchall()
    return [
        JudgedDelivery(
            key,
            statut,
            [Problem(**p) for p in json.loads(problems or "[]")],
            [Notice(**n) for n in json.loads(notices or "[]")],
        )
        for key, statut, problems, notices in rows
    ]


@dataclass
class Promotion:
    """What a promotion did: the deliveries promoted, and those it had to refuse."""

    promoted: list[str] = field(default_factory=list)
    failed: dict[str, Problem] = field(default_factory=dict)


def promote(con: duckdb.DuckDBPyConnection, run_id: str) -> Promotion:
    """Promote the run's accepted deliveries whose content or rules changed since their last
    promotion, each replacing its partition's rows in `raw`, all in one transaction. If that
    transaction fails for a reason that is not the platform's, each delivery is promoted in its
    own transaction instead, and one that still fails is refused (`ERREUR_INATTENDUE`, recorded
    in `audit.livraisons`) while the others are promoted."""
    todo: list[_ToPromote] = con.execute(
        """
        select l._livraison, l.source, l.dept, l.annee, l.producteur, l.empreinte, l.regles
        from audit.livraisons l
        left join audit.acceptees a using (_livraison)
        where l.run_id = ? and l.statut = 'acceptee'
          and (a.empreinte is null or a.empreinte <> l.empreinte
               or a.regles is distinct from l.regles)
        order by l._livraison
        """,
        [run_id],
    ).fetchall()
    now = dt.datetime.now()
    result = Promotion()
    try:
        _promote_all(con, run_id, todo, now)
        result.promoted = [row[0] for row in todo]
        return result
    except Exception as exc:
        if is_platform_fault(exc):
            raise
    for row in todo:
        try:
            _promote_all(con, run_id, [row], now, clear_landing=False)
            result.promoted.append(row[0])
        except Exception as exc:
            if is_platform_fault(exc):
                raise
            result.failed[row[0]] = isolation.unexpected_problem(
                row[0], exc, "la promotion", "de cette livraison"
            )
    _refuse(con, result.failed)
    _promote_all(con, run_id, [], now)  # accepted rows leave the landing area
    return result


# key, source, dept, annee, producteur, empreinte, regles
_ToPromote = tuple[str, str, str, int, str | None, str, str | None]
_TODO_SCHEMA = {
    "_livraison": pl.Utf8,
    "source": pl.Utf8,
    "dept": pl.Utf8,
    "annee": pl.Int32,
    "producteur": pl.Utf8,
    "empreinte": pl.Utf8,
    "regles": pl.Utf8,
}


def _promote_all(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    todo: list[_ToPromote],
    now: dt.datetime,
    clear_landing: bool = True,
) -> None:
    """One transaction: for each raw table, one delete and one insert covering every delivery
    of `todo` (set-based: the cost is per table, not per delivery and table)."""
    frame = pl.DataFrame(todo, schema=_TODO_SCHEMA, orient="row")
    con.execute("begin")
    try:
        con.register("_todo", frame.to_arrow())
        lines = dict.fromkeys(frame["_livraison"].to_list(), 0)
        for table in TABLES.values():
            source_keys = frame.filter(pl.col("source") == table.source)
            if not source_keys.height:
                continue
            for key, n in con.execute(
                f"select _livraison, count(*) from landing.{table.name} "
                "where _livraison in (select _livraison from _todo where source = ?) group by 1",
                [table.source],
            ).fetchall():
                lines[key] += int(n)
            _promote_table(con, table, now)
        if lines:
            counts = pl.DataFrame(
                {"_livraison": list(lines), "nb_lignes": list(lines.values())},
                schema={"_livraison": pl.Utf8, "nb_lignes": pl.Int32},
            )
            con.register("_lines", counts.to_arrow())
            con.execute(
                """
                insert or replace into audit.acceptees by name
                select t._livraison, t.source, t.dept, t.annee, t.producteur, t.empreinte,
                       ? as promue_le, n.nb_lignes, t.regles
                from _todo t join _lines n using (_livraison)
                """,
                [now],
            )
            con.unregister("_lines")
        con.unregister("_todo")
        if clear_landing:
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


def _refuse(con: duckdb.DuckDBPyConnection, failed: dict[str, Problem]) -> None:
    """Turn deliveries the promotion could not take into refused ones, problem recorded."""
    for key, problem in failed.items():
        row = con.execute(
            "select problemes from audit.livraisons where _livraison = ?", [key]
        ).fetchone()
        problems = [*json.loads((row[0] if row else None) or "[]"), problem.as_dict()]
        con.execute(
            "update audit.livraisons set statut = 'refusee', nb_problemes = ?, problemes = ? "
            "where _livraison = ?",
            [len(problems), json.dumps(problems, ensure_ascii=False), key],
        )
        for table in TABLES:
            con.execute(f"delete from landing.{table} where _livraison = ?", [key])


def _promote_table(con: duckdb.DuckDBPyConnection, table: Table, now: dt.datetime) -> None:
    """Replace, in `raw.<table>`, the rows of every delivery of `_todo` of the table's source
    by its landed rows, typed, with their lineage."""
    con.execute(
        f"delete from raw.{table.name} "
        "where _livraison in (select _livraison from _todo where source = ?)",
        [table.source],
    )
    typed = ", ".join(f"{_typed(f'l.{c.name}', c.kind)} as {c.name}" for c in table.columns)
    con.execute(
        f"""
        insert into raw.{table.name} by name
        select {typed}, l._livraison, t.source as _source, t.dept as _dept, t.annee as _annee,
               t.producteur as _producteur, l._fichier, l._ligne, ? as _charge_le
        from landing.{table.name} l
        join _todo t on t._livraison = l._livraison and t.source = ?
        """,
        [now, table.source],
    )


def accepted_summary(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Row counts of every accepted raw table."""
    out = {}
    for table in TABLES:
        row = con.execute(f"select count(*) from raw.{table}").fetchone()
        out[table] = int(row[0]) if row else 0
    return out
