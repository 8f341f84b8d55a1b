"""The contract's code lists reach dbt from one place: the generated `macros/contract.sql`."""

import re

import yaml

from pipelines.lib.contract.dbt_macros import MACRO_FILE, render_contract_macros
from pipelines.lib.contract.tables import TABLES, Kind
from pipelines.lib.settings import DBT_PROJECT_DIR


def test_committed_macro_file_matches_the_contract() -> None:
    committed = (DBT_PROJECT_DIR / MACRO_FILE).read_text(encoding="utf-8")
    assert committed == render_contract_macros(), (
        "dbt_project/macros/contract.sql differs from the contract: run `observatoire expectations`"
    )


def test_macro_file_carries_every_code_list_and_the_69_services() -> None:
    text = render_contract_macros()
    assert "'ase_mesures.type_mesure': ['AED', 'AEMO', 'ACCUEIL_PROVISOIRE'," in text
    assert "{'69D': '69', '69M': '69'}" in text


def test_every_code_column_of_the_contract_is_tested_in_staging_and_no_list_is_copied() -> None:
    """Each code column of a table has a `code_du_contrat` test on its staging model, and no
    staging YAML keeps a hand-written `accepted_values` list."""
    tested: set[tuple[str, str]] = set()
    for path in (DBT_PROJECT_DIR / "models" / "staging").rglob("_*__models.yml"):
        text = path.read_text(encoding="utf-8")
        assert "accepted_values" not in text, path
        for model in yaml.safe_load(text)["models"]:
            for column in model.get("columns", []):
                for test in column.get("data_tests", []):
                    if isinstance(test, dict) and "code_du_contrat" in test:
                        tested.add((test["code_du_contrat"]["arguments"]["table"], column["name"]))
    expected = {
        (table.name, column.name)
        for table in TABLES.values()
        for column in table.columns
        if column.kind is Kind.CODE
    }
    assert tested == expected


def test_display_dept_reads_the_services_from_the_contract() -> None:
    macro = (DBT_PROJECT_DIR / "macros" / "observatoire.sql").read_text(encoding="utf-8")
    body = macro[macro.index("macro display_dept") :]
    body = body[: body.index("endmacro")]
    assert "ase_service_departments()" in body
    assert not re.search(r"69[DM]", body)
