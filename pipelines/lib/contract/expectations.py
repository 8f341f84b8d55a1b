"""Great Expectations suites, one per table, derived from the contract and kept in `expectations/`.

The suites are written from `contract.py` (`observatoire expectations` rewrites them) and
committed, so that a reviewer sees every rule of contract v1 as Great Expectations reads it; a
test checks that the committed files match the contract. Each expectation carries, in `meta`, the
stable rule code and the French message of the report.

The frame a suite validates holds the rows of every delivery of a run for one table: the
normalised text of each contract column, `<date>__date` parsed dates, and the lineage columns
`_livraison` and `_ligne` that map every failing row back to its delivery and line.
"""

import json
from pathlib import Path
from typing import Any

from pipelines.lib.contract.tables import CONTRACT_VERSION, TABLES, Kind, Table

# A value that looks like a direct identifier. Boundaries exclude letters and digits on both
# sides so that a pseudonymous key (64 hex characters) never matches by accident.
_B = r"(?<![0-9A-Za-z])"
_E = r"(?![0-9A-Za-z])"
IDENTIFIER_PATTERNS = {
    "courriel": r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}",
    "téléphone": _B + r"(?:(?:\+|00)33[\s.-]?(?:\(0\))?[\s.-]?|0)[1-9](?:[\s.-]?\d{2}){4}" + _E,
    "NIR": _B
    + r"[12][\s.]?\d{2}[\s.]?\d{2}[\s.]?(?:\d{2}|2[AB])[\s.]?\d{3}[\s.]?\d{3}[\s.]?\d{2}"
    + _E,
}
ID_JEUNE_PATTERN = r"^[0-9a-f]{64}$"
YEAR_MONTH_PATTERN = r"^\d{4}-(?:0[1-9]|1[0-2])$"
DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"
INT_PATTERN = r"^[1-9]\d{0,8}$"  # at most 9 digits: always an INTEGER of the warehouse
COMMUNE_PATTERN = r"^(?:\d{5}|2[AB]\d{3})$"
DATE_MIN = "1990-01-01"
# Suite parameter filled at validation time with the day the delivery is checked.
CHECK_DATE_PARAMETER = "date_controle"


def date_column(name: str) -> str:
    """The parsed-date companion of a date column in the validated frame."""
    return f"{name}__date"


def _exp(kind: str, regle: str, message: str, **kwargs: Any) -> dict[str, Any]:
    return {"type": kind, "kwargs": kwargs, "meta": {"regle": regle, "message": message}}


def build_suite(table: Table, dept_codes: list[str]) -> dict[str, Any]:
    """The suite of one table, as Great Expectations' JSON form of an ExpectationSuite."""
    exps: list[dict[str, Any]] = []
    for col in table.columns:
        c = col.name
        if col.required:
            exps.append(
                _exp(
                    "expect_column_values_to_not_be_null",
                    "CHAMP_OBLIGATOIRE_VIDE",
                    f"Le champ obligatoire « {c} » est vide.",
                    column=c,
                )
            )
        if col.required_if_set:
            other = col.required_if_set
            exps.append(
                _exp(
                    "expect_column_values_to_not_be_null",
                    "CHAMP_OBLIGATOIRE_VIDE",
                    f"« {c} » est vide alors que « {other} » est renseigné.",
                    column=c,
                    row_condition=f"{other}.notnull()",
                    condition_parser="pandas",
                )
            )
        if col.required_if_value:
            other, value = col.required_if_value
            exps.append(
                _exp(
                    "expect_column_values_to_not_be_null",
                    "CHAMP_OBLIGATOIRE_VIDE",
                    f"« {c} » est vide alors que « {other} » vaut {value}.",
                    column=c,
                    row_condition=f'{other} == "{value}"',
                    condition_parser="pandas",
                )
            )
        if col.kind is Kind.ID_JEUNE:
            exps.append(
                _exp(
                    "expect_column_values_to_match_regex",
                    "ID_JEUNE_INVALIDE",
                    "id_jeune n'est pas une clé de 64 caractères hexadécimaux en minuscules.",
                    column=c,
                    regex=ID_JEUNE_PATTERN,
                )
            )
        elif col.kind is Kind.CODE:
            exps.append(
                _exp(
                    "expect_column_values_to_be_in_set",
                    "CODE_HORS_LISTE",
                    f"Code hors liste dans « {c} » (attendu : {', '.join(col.codes)}).",
                    column=c,
                    value_set=list(col.codes),
                )
            )
        elif col.kind is Kind.CODES:
            alternatives = "|".join(col.codes)
            exps.append(
                _exp(
                    "expect_column_values_to_match_regex",
                    "CODE_HORS_LISTE",
                    f"Code hors liste dans « {c} » (codes séparés par | parmi : "
                    f"{', '.join(col.codes)}).",
                    column=c,
                    regex=rf"^(?:{alternatives})(?:\|(?:{alternatives}))*$",
                )
            )
        elif col.kind is Kind.DEPT:
            exps.append(
                _exp(
                    "expect_column_values_to_be_in_set",
                    "CODE_HORS_LISTE",
                    f"« {c} » n'est pas un code de département du COG 2026.",
                    column=c,
                    value_set=dept_codes,
                )
            )
        elif col.kind is Kind.COMMUNE:
            exps.append(
                _exp(
                    "expect_column_values_to_match_regex",
                    "COMMUNE_INVALIDE",
                    f"« {c} » n'est pas un code commune INSEE à 5 caractères.",
                    column=c,
                    regex=COMMUNE_PATTERN,
                )
            )
        elif col.kind is Kind.BOOL:
            exps.append(
                _exp(
                    "expect_column_values_to_be_in_set",
                    "BOOLEEN_ILLISIBLE",
                    f"« {c} » n'est pas un booléen (0/1, oui/non, O/N).",
                    column=c,
                    value_set=["0", "1"],
                )
            )
        elif col.kind is Kind.INT:
            exps.append(
                _exp(
                    "expect_column_values_to_match_regex",
                    "ENTIER_INVALIDE",
                    f"« {c} » n'est pas un entier supérieur à 0 (au plus 9 chiffres).",
                    column=c,
                    regex=INT_PATTERN,
                )
            )
        elif col.kind in (Kind.DATE, Kind.YEAR_MONTH):
            pattern = DATE_PATTERN if col.kind is Kind.DATE else YEAR_MONTH_PATTERN
            form = "AAAA-MM-JJ ou JJ/MM/AAAA" if col.kind is Kind.DATE else "AAAA-MM"
            exps.append(
                _exp(
                    "expect_column_values_to_match_regex",
                    "DATE_ILLISIBLE",
                    f"« {c} » n'est pas une date lisible ({form}).",
                    column=c,
                    regex=pattern,
                )
            )
            # A value of the right form that is not on the calendar (2024-02-30).
            exps.append(
                _exp(
                    "expect_column_values_to_not_be_null",
                    "DATE_ILLISIBLE",
                    f"« {c} » n'est pas une date du calendrier.",
                    column=date_column(c),
                    row_condition=f'{c}.str.match(r"{pattern}").fillna(False)',
                    condition_parser="pandas",
                )
            )
            upper: Any = None if col.future_allowed else {"$PARAMETER": CHECK_DATE_PARAMETER}
            exps.append(
                _exp(
                    "expect_column_values_to_be_between",
                    "DATE_HORS_PERIODE",
                    f"« {c} » est antérieure au 01/01/1990"
                    + ("." if col.future_allowed else " ou postérieure au jour du contrôle."),
                    column=date_column(c),
                    min_value=DATE_MIN,
                    max_value=upper,
                )
            )
    for start, end in table.date_order:
        exps.append(
            _exp(
                "expect_column_pair_values_a_to_be_greater_than_b",
                "FIN_AVANT_DEBUT",
                f"« {end} » précède « {start} ».",
                column_A=date_column(end),
                column_B=date_column(start),
                or_equal=True,
                ignore_row_if="either_value_is_missing",
            )
        )
    exps.append(
        _exp(
            "expect_compound_columns_to_be_unique",
            "CLE_EN_DOUBLE",
            f"La clé métier ({', '.join(table.key)}) apparaît sur plusieurs lignes.",
            column_list=["_livraison", *table.key],
        )
    )
    for col in table.columns:
        if col.kind in (Kind.TEXT, Kind.CODE, Kind.CODES, Kind.COMMUNE, Kind.DEPT):
            exps.append(
                _exp(
                    "expect_column_values_to_not_match_regex_list",
                    "IDENTIFIANT_DIRECT",
                    f"« {col.name} » contient une valeur qui ressemble à une donnée directement "
                    "identifiante (courriel, téléphone ou NIR).",
                    column=col.name,
                    regex_list=list(IDENTIFIER_PATTERNS.values()),
                )
            )
    return {
        "name": f"{CONTRACT_VERSION}.{table.name}",
        "expectations": exps,
        "meta": {"contrat": CONTRACT_VERSION, "table": table.name},
    }


def suite_path(suites_dir: Path, table: str) -> Path:
    return suites_dir / CONTRACT_VERSION / f"{table}.json"


def write_suites(suites_dir: Path, dept_codes: list[str]) -> list[Path]:
    """(Re)write every suite from the contract; returns the files written."""
    written = []
    for table in TABLES.values():
        path = suite_path(suites_dir, table.name)
        path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(build_suite(table, dept_codes), ensure_ascii=False, indent=2)
        path.write_text(text + "\n", encoding="utf-8")
        written.append(path)
    return written


def load_suite(suites_dir: Path, table: str) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(suite_path(suites_dir, table).read_text(encoding="utf-8"))
    return result
