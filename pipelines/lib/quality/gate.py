"""The quality gate: every rule of docs/contrat-echange.md §5 over the deliveries of a run.

A delivery is accepted or refused as a whole. Structural problems come from reading (file,
header); row rules come from the Great Expectations suites of `expectations/`; references
between the files of one delivery are checked here with polars. The rows of all deliveries of a
run are validated together, one suite per table, so that the cost of Great Expectations is paid
per table and per run, not per delivery; `_livraison` and `_ligne` map every failing row back.

One delivery can fail only itself: if a validation over all deliveries raises, the table is
validated again delivery by delivery, and the delivery whose rows make it raise is refused with
`ERREUR_INATTENDUE`; the same holds for the reference checks and the warnings. Warnings
(`notices.py`) are told in the verdict, never a reason to refuse.
"""

import datetime as dt
import os
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd
import polars as pl

from pipelines.lib.contract.deliveries import Delivery, parse_file_name
from pipelines.lib.contract.expectations import (
    CHECK_DATE_PARAMETER,
    ID_JEUNE_PATTERN,
    IDENTIFIER_PATTERNS,
    date_column,
    load_suite,
)
from pipelines.lib.contract.rules import MAX_EXAMPLES, MAX_LINES, Notice, Problem
from pipelines.lib.contract.tables import ASE_SERVICE_CODES, TABLES, Kind, Table, tables_of
from pipelines.lib.quality.isolation import is_platform_fault, unexpected_problem
from pipelines.lib.quality.notices import OpenKeys, delivery_notices, open_keys, previous_key
from pipelines.lib.quality.reading import ReadDelivery, read_table_file
from pipelines.lib.reference import dept_codes

__all__ = ["ReadDelivery", "Verdict", "judge", "read_delivery", "structural_problems"]

# Rules whose failing values may be shown as examples: closed formats that identify nobody.
_RULES_WITH_EXAMPLES = {
    "CODE_HORS_LISTE",
    "DATE_ILLISIBLE",
    "DATE_HORS_PERIODE",
    "BOOLEEN_ILLISIBLE",
    "ENTIER_INVALIDE",
    "COMMUNE_INVALIDE",
}
_IDENTIFIER_RE = re.compile("|".join(IDENTIFIER_PATTERNS.values()))
_FIRST_DAY, _LAST_DAY = dt.date(1678, 1, 1), dt.date(2262, 1, 1)
_SHOWABLE = re.compile(r"^[\w|/.,:?+ '’()-]{1,40}$")
_KEY_FRAGMENT = re.compile(r"[0-9a-fA-F]{12,}")


@dataclass
class Verdict:
    delivery: Delivery
    problems: list[Problem] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)
    warnings: list[Notice] = field(default_factory=list)

    @property
    def accepted(self) -> bool:
        return not self.problems

    @property
    def statut(self) -> str:
        return "acceptee" if self.accepted else "refusee"


def read_delivery(
    delivery: Delivery, rekey: Callable[[str], str] | None = None, root: Path | None = None
) -> ReadDelivery:
    """Read every file of a delivery; with `rekey`, keys are warehouse keys from the start.
    `root` is the deliveries folder: a file whose real path leaves it is refused unread (the
    delivery's own folder by default)."""
    root = root if root is not None else delivery.folder
    return ReadDelivery(
        delivery,
        {
            table: read_table_file(path, TABLES[table], rekey, root)
            for table, path in delivery.files.items()
        },
    )


def structural_problems(read: ReadDelivery) -> list[Problem]:
    """Problems of the delivery as a set of files: unknown files, missing tables, and what
    reading found (decoding, header, malformed lines)."""
    d = read.delivery
    problems: list[Problem] = []
    for path in d.unknown_files:
        names = ", ".join(t.name for t in tables_of(d.source))
        problems.append(
            Problem(
                path.name,
                None,
                "FICHIER_INCONNU",
                f"« {path.name} » ne correspond à aucune table de la source {d.source} "
                f"(tables attendues : {names}).",
            )
        )
    for path in d.duplicate_files:
        parsed = parse_file_name(path.name)
        table_name = parsed[0] if parsed else path.name
        problems.append(
            Problem(
                path.name,
                None,
                "FICHIER_EN_DOUBLE",
                f"La table {table_name} est livrée deux fois ({d.files[table_name].name} et "
                f"{path.name}) : ne gardez qu'un fichier.",
            )
        )
    problems.extend(folder_problems(d))
    for table in tables_of(d.source):
        if table.required_table and table.name not in d.files:
            stem = f"{table.name}__{d.producteur}" if d.producteur else table.name
            other_forms = (
                sorted(
                    p.name
                    for p in d.folder.glob("*")
                    if p.stem.lower() == stem.lower() and p.suffix.lower() != ".csv"
                )
                if d.folder.is_dir()
                else []
            )
            hint = (
                f" Le dossier contient {', '.join(other_forms)} : exportez-le au format CSV."
                if other_forms
                else ""
            )
            problems.append(
                Problem(
                    f"{stem}.csv",
                    None,
                    "TABLE_MANQUANTE",
                    f"La table obligatoire {table.name} est absente de la livraison.{hint}",
                )
            )
    for rf in read.files.values():
        problems.extend(rf.problems)
    problems.extend(read.problems)
    return problems


def folder_problems(d: Delivery) -> list[Problem]:
    """The delivery folder names a department of the COG (or an ASE service of 69) and a past
    or current year."""
    valid = set(dept_codes()) | (set(ASE_SERVICE_CODES) if d.source == "ase" else set())
    problems = []
    if d.dept not in valid:
        services = " (ou 69D / 69M pour les deux services du Rhône)" if d.source == "ase" else ""
        problems.append(
            Problem(
                str(d.folder),
                None,
                "LIVRAISON_INVALIDE",
                f"« {d.dept} » n'est pas un code de département du COG 2026{services}.",
            )
        )
    if d.annee > dt.date.today().year:
        problems.append(
            Problem(
                str(d.folder),
                None,
                "LIVRAISON_INVALIDE",
                f"L'année de référence {d.annee} n'est pas encore commencée.",
            )
        )
    return problems


def _example(value: Any) -> str:
    """A failing value as the report may show it: only what looks like a value of a closed
    format (a code, a date, a boolean, a number) is shown. Anything longer, holding a line
    break, a delimiter-like character or a fragment of a key — typically several fields run
    together by a stray quote — is not reproduced."""
    text = str(value)
    if _IDENTIFIER_RE.search(text):
        return "[valeur masquée : donnée identifiante]"
    if not _SHOWABLE.match(text) or _KEY_FRAGMENT.search(text):
        return "[valeur non reproduite]"
    return text


def _validation_frame(table: Table, parts: list[tuple[str, pl.DataFrame]]) -> Any:
    """The pandas frame a suite validates: every delivery's rows, every contract column (absent
    ones empty), parsed-date companions and lineage."""
    frames = []
    for key, frame in parts:
        missing = [c for c in table.column_names if c not in frame.columns]
        frames.append(
            frame.with_columns(
                pl.lit(key).alias("_livraison"),
                *(pl.lit(None, dtype=pl.Utf8).alias(c) for c in missing),
            ).select("_livraison", "_ligne", *table.column_names)
        )
    combined = pl.concat(frames, how="vertical")
    # Parsed dates are clipped to what nanosecond timestamps hold (1678–2262): 31/12/9999, the
    # "no end" of much French software, would otherwise make pandas raise. Every bound of the
    # suites lies well inside, so clipping changes no verdict; examples quote the delivered text.
    dates = [
        pl.col(c.name)
        .str.strptime(pl.Date, "%Y-%m-%d" if c.kind is Kind.DATE else "%Y-%m", strict=False)
        .clip(_FIRST_DAY, _LAST_DAY)
        .alias(date_column(c.name))
        for c in table.columns
        if c.kind in (Kind.DATE, Kind.YEAR_MONTH)
    ]
    combined = combined.with_columns(dates)
    pdf = combined.to_pandas()
    for c in table.columns:
        if c.kind in (Kind.DATE, Kind.YEAR_MONTH):
            pdf[date_column(c.name)] = pdf[date_column(c.name)].astype("datetime64[ns]")
    return pdf


class _Validator:
    """An ephemeral Great Expectations context, created once per gate run (GX imports slowly)."""

    def __init__(self) -> None:
        os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig

        self.gx = gx
        self.context = gx.get_context(mode="ephemeral")
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False)
        source = self.context.data_sources.add_pandas("livraisons")
        self.batch_definition = source.add_dataframe_asset(
            "lignes"
        ).add_batch_definition_whole_dataframe("toutes")

    @staticmethod
    def _kwargs(kwargs: dict[str, Any]) -> dict[str, Any]:
        # Bounds on parsed-date columns are ISO strings in the suite files; pandas compares
        # datetime64 columns with datetimes only.
        out = dict(kwargs)
        for bound in ("min_value", "max_value"):
            if isinstance(out.get(bound), str):
                out[bound] = dt.datetime.fromisoformat(out[bound])
        return out

    def suite(self, suite_json: dict[str, Any]) -> Any:
        """Built once per table, before any data is seen: a broken suite is the platform's
        fault, not a delivery's."""
        return self.gx.ExpectationSuite(
            name=suite_json["name"],
            expectations=[
                self.gx.expectations.registry.get_expectation_impl(e["type"])(
                    **self._kwargs(e["kwargs"]), meta=e["meta"]
                )
                for e in suite_json["expectations"]
            ],
        )

    def validate(self, suite: Any, frame: Any, check_date: dt.date) -> Any:
        batch = self.batch_definition.get_batch(batch_parameters={"dataframe": frame})
        return batch.validate(
            suite,
            expectation_parameters={
                CHECK_DATE_PARAMETER: dt.datetime.combine(check_date, dt.time())
            },
            result_format={
                "result_format": "COMPLETE",
                "unexpected_index_column_names": ["_livraison", "_ligne"],
                "return_unexpected_index_query": False,
            },
        )


def _row_problems(
    table: Table,
    parts: list[tuple[str, pl.DataFrame]],
    file_names: Mapping[str, str],
    validator: _Validator,
    suite: Any,
    check_date: dt.date,
) -> dict[str, list[Problem]]:
    frame = _validation_frame(table, parts)
    result = validator.validate(suite, frame, check_date)
    texts = dict(parts)
    out: dict[str, list[Problem]] = defaultdict(list)
    for r in result.results:
        if r.success:
            continue
        meta = r.expectation_config.meta
        kwargs = r.expectation_config.kwargs
        column = kwargs.get("column") or kwargs.get("column_A") or ", ".join(table.key)
        column = column.removesuffix("__date")
        if _raised(r.exception_info):
            raise RuntimeError(
                f"Great Expectations failed on {table.name}.{column}: {r.exception_info}"
            )
        rows = r.result.get("unexpected_index_list") or []
        by_delivery: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for row in rows:
            by_delivery[row["_livraison"]].append(row)
        for key, hits in by_delivery.items():
            lines = sorted({int(h["_ligne"]) for h in hits})
            examples: list[str] = []
            if meta["regle"] in _RULES_WITH_EXAMPLES:
                source_col = kwargs.get("column")
                if source_col and source_col != column:  # a parsed date: quote the text
                    part = texts[key]
                    values = part.filter(pl.col("_ligne").is_in(lines[:1000]))[column]
                    found: list[Any] = values.to_list()
                else:
                    found = [h.get(source_col) if source_col else None for h in hits]
                for value in found:
                    if value is None or pd.isna(value):
                        continue
                    ex = _example(value)
                    if ex not in examples:
                        examples.append(ex)
                    if len(examples) >= MAX_EXAMPLES:
                        break
            out[key].append(
                Problem(
                    file_names[key],
                    column,
                    meta["regle"],
                    meta["message"],
                    lignes=lines[:MAX_LINES],
                    nb=len(lines),
                    exemples=examples,
                )
            )
    return out


def _raised(info: Any) -> bool:
    """Whether a result's exception info (flat, or keyed by metric) reports an exception."""
    if not isinstance(info, dict):
        return False
    if info.get("raised_exception") is True:
        return True
    return any(_raised(v) for v in info.values() if isinstance(v, dict))


def _reference_problems(read: ReadDelivery) -> list[Problem]:
    problems = []
    for table_name, rf in read.files.items():
        if rf.frame is None:
            continue
        for ref in rf.table.references:
            if ref.column not in rf.frame.columns:
                continue
            target = read.files.get(ref.table)
            if target is not None and target.frame is None:
                continue  # the target file is refused unread: its own problem says why
            if target is None or target.frame is None or ref.target not in target.frame.columns:
                known = pl.Series(ref.target, [], dtype=pl.Utf8)
            else:
                known = target.frame[ref.target].drop_nulls()
            values = rf.frame.select("_ligne", ref.column).drop_nulls(ref.column)
            if ref.column == "id_jeune":
                # A malformed key is reported as such, not also as an unknown person.
                values = values.filter(pl.col(ref.column).str.contains(ID_JEUNE_PATTERN))
            unknown = values.filter(~pl.col(ref.column).is_in(known.implode()))
            if unknown.height:
                lines = unknown["_ligne"].sort().to_list()
                what = {
                    "id_jeune": "une personne absente de",
                    "id_residence": "une résidence absente de",
                    "id_convention": "une convention absente de",
                }.get(ref.column, "une valeur absente de")
                problems.append(
                    Problem(
                        rf.path.name,
                        ref.column,
                        "REFERENCE_INCONNUE",
                        f"« {ref.column} » désigne {what} {ref.table} dans la même livraison "
                        f"({table_name} → {ref.table}).",
                        lignes=lines[:MAX_LINES],
                        nb=len(lines),
                    )
                )
    return problems


def _isolated_row_problems(
    table: Table,
    parts: list[tuple[str, pl.DataFrame]],
    file_names: Mapping[str, str],
    validator: _Validator,
    suite: Any,
    check_date: dt.date,
) -> dict[str, list[Problem]]:
    """The suite's problems over all deliveries at once; if that raises, delivery by
    delivery, so that the delivery whose rows make the validation raise is the only one
    refused for it (`ERREUR_INATTENDUE`)."""
    try:
        return _row_problems(table, parts, file_names, validator, suite, check_date)
    except Exception as exc:
        if is_platform_fault(exc):
            raise
    out: dict[str, list[Problem]] = defaultdict(list)
    for part in parts:
        key = part[0]
        try:
            found = _row_problems(table, [part], file_names, validator, suite, check_date)
        except Exception as exc:
            if is_platform_fault(exc):
                raise
            found = {
                key: [
                    unexpected_problem(file_names[key], exc, "la validation (Great Expectations)")
                ]
            }
        for k, problems in found.items():
            out[k].extend(problems)
    return out


def _guarded(
    verdict: Verdict, fichier: str, stage: str, work: Callable[[], list[Any]]
) -> list[Any]:
    """Run one delivery's check; an unforeseen exception refuses that delivery only."""
    try:
        return work()
    except Exception as exc:
        if is_platform_fault(exc):
            raise
        verdict.problems.append(unexpected_problem(fichier, exc, stage, "de cette livraison"))
        return []


def judge(
    reads: Iterable[ReadDelivery],
    suites_dir: Path,
    check_date: dt.date | None = None,
    previous_open: Mapping[str, OpenKeys] | None = None,
) -> dict[str, Verdict]:
    """Every problem and warning of every delivery, and its verdict. `check_date` is the day
    the deliveries are checked (dates after it are refused); today by default.
    `previous_open` maps a partition key of year Y−1 to the open records of its accepted
    extract (table → business keys), for `ENREGISTREMENT_DISPARU`; a Y−1 delivery accepted
    in this same judgement takes precedence over it."""
    check_date = check_date or dt.date.today()
    reads = list(reads)
    verdicts = {r.delivery.key: Verdict(r.delivery) for r in reads}
    by_table: dict[str, list[tuple[str, pl.DataFrame]]] = defaultdict(list)
    file_names: dict[str, dict[str, str]] = defaultdict(dict)
    missing_cols: dict[tuple[str, str], set[str]] = {}
    for read in reads:
        key = read.delivery.key
        verdict = verdicts[key]
        folder = str(read.delivery.folder)
        verdict.problems.extend(
            _guarded(verdict, folder, "l'examen", partial(structural_problems, read))
        )
        verdict.problems.extend(
            _guarded(
                verdict, folder, "le contrôle des références", partial(_reference_problems, read)
            )
        )
        for table_name, rf in read.files.items():
            if rf.frame is None:
                continue
            verdict.rows[table_name] = rf.frame.height
            missing_cols[(key, table_name)] = rf.missing_columns
            if rf.frame.height:
                by_table[table_name].append((key, rf.frame))
                file_names[table_name][key] = rf.path.name
    if by_table:
        validator = _Validator()
        for table_name in TABLES:
            if table_name not in by_table:
                continue
            suite = validator.suite(load_suite(suites_dir, table_name))
            found = _isolated_row_problems(
                TABLES[table_name],
                by_table[table_name],
                file_names[table_name],
                validator,
                suite,
                check_date,
            )
            for key, problems in found.items():
                absent = missing_cols.get((key, table_name), set())
                # An absent column is reported once, as COLONNE_MANQUANTE, not row by row.
                verdicts[key].problems.extend(p for p in problems if p.colonne not in absent)
    in_run = {r.delivery.key: open_keys(r) for r in reads if verdicts[r.delivery.key].accepted}
    for read in reads:
        verdict = verdicts[read.delivery.key]
        before = previous_key(read.delivery)
        previous = in_run[before] if before in in_run else (previous_open or {}).get(before)
        verdict.warnings.extend(
            _guarded(
                verdict,
                str(read.delivery.folder),
                "le calcul des avertissements",
                partial(delivery_notices, read, previous),
            )
        )
    for v in verdicts.values():
        v.problems.sort(key=lambda p: (p.fichier, p.colonne or "", p.regle))
        v.warnings.sort(key=lambda n: (n.fichier, n.colonne or "", n.code))
    return verdicts
