"""The suites kept in expectations/ are the contract's, as Great Expectations reads them."""

import json
from pathlib import Path

from pipelines.lib.contract.expectations import build_suite, suite_path, write_suites
from pipelines.lib.contract.rules import RULES
from pipelines.lib.contract.tables import TABLES
from pipelines.lib.reference import dept_codes


def test_committed_suites_match_the_contract(suites_dir: Path, tmp_path: Path) -> None:
    write_suites(tmp_path, dept_codes())
    for table in TABLES:
        committed = json.loads(suite_path(suites_dir, table).read_text(encoding="utf-8"))
        fresh = json.loads(suite_path(tmp_path, table).read_text(encoding="utf-8"))
        assert committed == fresh, f"run `observatoire expectations` ({table} is stale)"


def test_every_expectation_names_a_known_rule() -> None:
    for table in TABLES.values():
        for exp in build_suite(table, ["09"])["expectations"]:
            assert exp["meta"]["regle"] in RULES
            assert exp["meta"]["message"]


def test_each_required_column_has_a_not_null_expectation() -> None:
    suite = build_suite(TABLES["hj_sejours"], ["46"])
    not_null = {
        e["kwargs"]["column"]
        for e in suite["expectations"]
        if e["type"] == "expect_column_values_to_not_be_null" and "row_condition" not in e["kwargs"]
    }
    assert not_null == {
        "id_sejour",
        "id_jeune",
        "id_residence",
        "date_entree",
        "statut_entree",
        "prise_en_charge_ase",
        "orientation",
    }
