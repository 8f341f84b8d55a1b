"""What is already done: hand cases of `plan_deliveries` (the one definition shared by
`observatoire run` and the sensor) and of the publication's stamp."""

import json
import os
from dataclasses import replace
from pathlib import Path

import duckdb
import pytest
from helpers import valid_ase, valid_ml, write_delivery

from pipelines.lib.contract.deliveries import Delivery, discover
from pipelines.lib.settings import Settings
from pipelines.lib.store import incremental, warehouse
from pipelines.lib.store.incremental import (
    CHANGED,
    FORCED,
    NEW,
    PREVIOUS_YEAR,
    RULES,
    UNFINISHED,
    Judged,
    plan_deliveries,
)

RULES_V1 = "regles-v1"


@pytest.fixture
def raw(tmp_path: Path) -> Path:
    root = tmp_path / "raw"
    write_delivery(root, "ase", "09", 2023, valid_ase())
    write_delivery(root, "ase", "09", 2024, valid_ase())
    write_delivery(root, "ml", "09", 2024, valid_ml())
    return root


def _by_key(raw: Path) -> dict[str, Delivery]:
    return {d.key: d for d in discover(raw)}


def _judged(raw: Path, statut: str = "acceptee", rules: str = RULES_V1) -> dict[str, Judged]:
    """What a run that judged every delivery as it is now would have recorded."""
    return {
        key: Judged(key, statut, d.fingerprint(), incremental.stat_signature(d), rules)
        for key, d in _by_key(raw).items()
    }


def _counting() -> tuple[list[str], incremental.Fingerprinter]:
    hashed: list[str] = []

    def fingerprint(delivery: Delivery, _signature: str) -> str:
        hashed.append(delivery.key)
        return delivery.fingerprint()

    return hashed, fingerprint


def test_everything_is_new_without_a_record(raw: Path) -> None:
    plan = plan_deliveries(discover(raw), {}, RULES_V1)
    assert plan.reasons == {"ase-09-2023": NEW, "ase-09-2024": NEW, "ml-09-2024": NEW}
    assert plan.todo_keys == ["ase-09-2023", "ase-09-2024", "ml-09-2024"]
    assert plan.done == {}


def test_unchanged_deliveries_are_not_even_hashed(raw: Path) -> None:
    judged = _judged(raw)
    judged["ml-09-2024"] = replace(judged["ml-09-2024"], statut="refusee")
    hashed, fingerprint = _counting()
    plan = plan_deliveries(discover(raw), judged, RULES_V1, fingerprint)
    assert plan.todo == []
    assert plan.done == {
        "ase-09-2023": "acceptee",
        "ase-09-2024": "acceptee",
        "ml-09-2024": "refusee",
    }
    assert plan.refused == ["ml-09-2024"]
    assert hashed == []


def test_a_touched_file_with_the_same_bytes_is_unchanged(raw: Path) -> None:
    judged = _judged(raw)
    path = raw / "ml" / "09" / "2024" / "ml_jeunes.csv"
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 5_000_000_000))
    hashed, fingerprint = _counting()
    plan = plan_deliveries(discover(raw), judged, RULES_V1, fingerprint)
    assert plan.todo == []
    assert hashed == ["ml-09-2024"]  # only the delivery whose signature moved
    # its new signature is to be recorded, so that the next run does not hash it again
    assert plan.refreshed == {"ml-09-2024": incremental.stat_signature(_by_key(raw)["ml-09-2024"])}


def test_a_changed_delivery_is_judged_again(raw: Path) -> None:
    judged = _judged(raw)
    write_delivery(raw, "ml", "09", 2024, valid_ml(), delimiter=",")  # other bytes
    plan = plan_deliveries(discover(raw), judged, RULES_V1)
    assert plan.reasons == {"ml-09-2024": CHANGED}
    assert sorted(plan.done) == ["ase-09-2023", "ase-09-2024"]


def test_the_next_year_is_judged_again_with_its_predecessor(raw: Path) -> None:
    """ase-09-2024's ENREGISTREMENT_DISPARU warning compares it with ase-09-2023."""
    judged = _judged(raw)
    write_delivery(raw, "ase", "09", 2023, valid_ase(n_persons=3))
    plan = plan_deliveries(discover(raw), judged, RULES_V1)
    assert plan.reasons == {"ase-09-2023": CHANGED, "ase-09-2024": PREVIOUS_YEAR}
    assert plan.done == {"ml-09-2024": "acceptee"}


def test_other_rules_judge_everything_again(raw: Path) -> None:
    plan = plan_deliveries(discover(raw), _judged(raw, rules="regles-v0"), RULES_V1)
    assert set(plan.reasons.values()) == {RULES}
    assert len(plan.todo) == 3


def test_an_unfinished_judgement_and_a_forced_run(raw: Path) -> None:
    judged = _judged(raw)
    judged["ase-09-2023"] = Judged("ase-09-2023", "en_controle", None, None, RULES_V1)
    plan = plan_deliveries(discover(raw), judged, RULES_V1)
    assert plan.reasons == {"ase-09-2023": UNFINISHED, "ase-09-2024": PREVIOUS_YEAR}
    forced = plan_deliveries(discover(raw), _judged(raw), RULES_V1, force=True)
    assert set(forced.reasons.values()) == {FORCED} and len(forced.todo) == 3


def test_judged_deliveries_read_back_what_landing_records(raw: Path, tmp_path: Path) -> None:
    with warehouse.connect(tmp_path / "w.duckdb") as con:
        assert incremental.judged_deliveries(con) == {}  # a warehouse that never landed
        warehouse.ensure_schemas(con)
        con.execute(
            "insert into audit.livraisons (_livraison, statut, empreinte, signature, regles) "
            "values ('ml-09-2024', 'refusee', 'e1', 's1', 'r1')"
        )
        assert incremental.judged_deliveries(con) == {
            "ml-09-2024": Judged("ml-09-2024", "refusee", "e1", "s1", "r1")
        }
        incremental.refresh_signatures(con, {"ml-09-2024": "s2"})
        assert incremental.judged_deliveries(con)["ml-09-2024"].signature == "s2"


def test_the_publication_stamp_follows_its_inputs(tmp_path: Path) -> None:
    settings = Settings(warehouse=tmp_path / "w.duckdb", marts_dir=tmp_path / "marts")
    with warehouse.connect(settings.warehouse) as con:
        warehouse.ensure_schemas(con)
        empty = incremental.publication_stamp(con, settings)
        con.execute(
            "insert into audit.acceptees (_livraison, source, dept, annee, empreinte, regles) "
            "values ('ml-09-2024', 'ml', '09', 2024, 'e1', 'r1')"
        )
        one = incremental.publication_stamp(con, settings)
        other_threshold = incremental.publication_stamp(
            con, Settings(warehouse=settings.warehouse, seuil=5)
        )
    assert empty["livraisons_acceptees"] == 0 and one["livraisons_acceptees"] == 1
    assert one["livraisons"] != empty["livraisons"]
    assert {k for k in one if one[k] != other_threshold[k]} == {"seuil"}
    # no publication: stale; the one made from these inputs: up to date
    assert incremental.published_stamp(settings.marts_dir) is None
    settings.marts_dir.mkdir()
    (settings.marts_dir / incremental.PUBLICATION_STAMP).write_text(
        json.dumps({**one, "publiee_le": "2026-11-25T10:00:00"}), encoding="utf-8"
    )
    assert incremental.published_stamp(settings.marts_dir) == one
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        found = incremental.survey(settings, [], con)
    assert not found.publication_stale and found.nothing_to_do
