"""One delivery fails only itself: values that used to crash the whole gate, special files, and
exceptions nobody foresaw (injected), each judged beside a valid delivery."""

import datetime as dt
import hashlib
import os
from pathlib import Path
from typing import Any

import pytest
from helpers import pid, valid_ase, valid_hj, write_delivery

from pipelines.lib.contract.deliveries import discover
from pipelines.lib.quality import gate
from pipelines.lib.quality.gate import Verdict, judge, read_delivery

CHECK = dt.date(2025, 6, 1)


def _judge(root: Path, suites_dir: Path) -> dict[str, Verdict]:
    return judge([read_delivery(d, root=root) for d in discover(root)], suites_dir, CHECK)


def _found(v: Verdict) -> list[tuple[str, str, str | None, list[int], list[str]]]:
    return [(p.regle, p.fichier, p.colonne, p.lignes, p.exemples) for p in v.problems]


def test_year_9999_is_out_of_period_not_a_crash(tmp_path: Path, suites_dir: Path) -> None:
    """31/12/9999, the "no end" of much French software, is beyond what nanosecond timestamps
    hold: it used to make the whole gate raise. Now it is an ordinary date after the check
    day, except for a convention's planned end, which may lie ahead."""
    write_delivery(tmp_path, "ase", "09", 2024, valid_ase())
    bad = valid_ase()
    bad["ase_mesures"][0]["date_fin"] = "31/12/9999"
    write_delivery(tmp_path, "ase", "11", 2024, bad)
    hj = valid_hj()
    hj["hj_conventions"][0]["date_fin"] = "9999-12-31"
    write_delivery(tmp_path, "hj", "46", 2024, hj)
    verdicts = _judge(tmp_path, suites_dir)
    assert verdicts["ase-09-2024"].accepted and verdicts["hj-46-2024"].accepted
    assert _found(verdicts["ase-11-2024"]) == [
        ("DATE_HORS_PERIODE", "ase_mesures.csv", "date_fin", [2], ["9999-12-31"])
    ]


def test_an_integer_the_warehouse_cannot_hold_is_refused(tmp_path: Path, suites_dir: Path) -> None:
    """99 999 999 999 places passed the old rule and broke the promotion of every delivery."""
    hj = valid_hj()
    hj["hj_residences"][0]["capacite_places"] = "99999999999"
    hj["hj_residences"][0]["nb_logements"] = "999999999"  # 9 digits: still an integer
    write_delivery(tmp_path, "hj", "46", 2024, hj)
    v = _judge(tmp_path, suites_dir)["hj-46-2024"]
    assert [(p.regle, p.colonne, p.exemples) for p in v.problems] == [
        ("ENTIER_INVALIDE", "capacite_places", ["99999999999"])
    ]


def test_special_files_are_refused_and_the_others_read(tmp_path: Path, suites_dir: Path) -> None:
    write_delivery(tmp_path, "ase", "09", 2024, valid_ase())
    folder = write_delivery(tmp_path, "ase", "11", 2024, valid_ase())
    (folder / "ase_sorties.csv").unlink()
    os.mkfifo(folder / "ase_sorties.csv")
    elsewhere = write_delivery(tmp_path / "ailleurs", "ase", "12", 2024, valid_ase())
    (folder / "ase_mesures.csv").unlink()
    (folder / "ase_mesures.csv").symlink_to(elsewhere / "ase_mesures.csv")
    verdicts = _judge(tmp_path, suites_dir)
    assert verdicts["ase-09-2024"].accepted
    assert [(p.regle, p.fichier) for p in verdicts["ase-11-2024"].problems] == [
        ("FICHIER_NON_REGULIER", "ase_mesures.csv"),
        ("FICHIER_NON_REGULIER", "ase_sorties.csv"),
    ]
    # the fingerprint does not open the pipe either, and is unchanged for regular files
    d09, d11 = discover(tmp_path)
    assert len(d11.fingerprint()) == 64
    digest = hashlib.sha256()
    for path in sorted(d09.files.values()):
        digest.update(path.name.encode() + path.read_bytes())
    assert d09.fingerprint() == digest.hexdigest()


def test_an_unreadable_person_table_does_not_flood_the_references(
    tmp_path: Path, suites_dir: Path
) -> None:
    folder = write_delivery(tmp_path, "ase", "09", 2024, valid_ase())
    (folder / "ase_jeunes.csv").write_bytes(b"\x1f\x8b\x08\x00gzip")
    v = _judge(tmp_path, suites_dir)["ase-09-2024"]
    assert [(p.regle, p.fichier) for p in v.problems] == [("FICHIER_ILLISIBLE", "ase_jeunes.csv")]


def test_a_validation_that_raises_refuses_its_delivery_only(
    tmp_path: Path, suites_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Fault injection: Great Expectations raises whenever delivery ase-11-2024's rows are in
    the validated frame (as a bug on some value would). The table is validated again delivery
    by delivery: ase-11 is refused with ERREUR_INATTENDUE, ase-12 keeps its real problem, and
    ase-09 is accepted."""
    real = gate._Validator.validate

    def fragile(self: Any, suite: Any, frame: Any, check_date: dt.date) -> Any:
        if "ase-11-2024" in set(frame["_livraison"]) and suite.name.endswith("ase_mesures"):
            raise RuntimeError(f"boom on {pid(1)}")
        return real(self, suite, frame, check_date)

    monkeypatch.setattr(gate._Validator, "validate", fragile)
    write_delivery(tmp_path, "ase", "09", 2024, valid_ase())
    write_delivery(tmp_path, "ase", "11", 2024, valid_ase())
    bad = valid_ase()
    bad["ase_mesures"][0]["type_mesure"] = "X"
    write_delivery(tmp_path, "ase", "12", 2024, bad)
    verdicts = _judge(tmp_path, suites_dir)
    assert verdicts["ase-09-2024"].accepted
    assert _found(verdicts["ase-12-2024"]) == [
        ("CODE_HORS_LISTE", "ase_mesures.csv", "type_mesure", [2], ["X"])
    ]
    [problem] = verdicts["ase-11-2024"].problems
    assert (problem.regle, problem.fichier) == ("ERREUR_INATTENDUE", "ase_mesures.csv")
    assert "RuntimeError" in problem.message and "Great Expectations" in problem.message
    assert pid(1) not in problem.message


def test_a_warning_that_raises_refuses_its_delivery_only(
    tmp_path: Path, suites_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Fault injection in the HJ contradictions: the HJ delivery is refused, not the run."""

    def broken(_read: object) -> list[object]:
        raise KeyError("capacite")

    monkeypatch.setattr(gate, "delivery_notices", lambda read, previous: broken(read))
    write_delivery(tmp_path, "hj", "46", 2024, valid_hj())
    v = _judge(tmp_path, suites_dir)["hj-46-2024"]
    assert [p.regle for p in v.problems] == ["ERREUR_INATTENDUE"]
    assert "avertissements" in v.problems[0].message


def test_date_examples_quote_the_delivered_text(tmp_path: Path, suites_dir: Path) -> None:
    """Examples of date rules come from the text (in its normalised ISO form), not from the
    parsed date: a year-month stays a year-month, a day off the calendar is quoted too."""
    tables = valid_ase()
    tables["ase_jeunes"][0]["annee_mois_naissance"] = "1989-12"
    tables["ase_mesures"][1]["date_debut"] = "30/02/2024"
    write_delivery(tmp_path, "ase", "09", 2024, tables)
    found = {
        (p.regle, p.colonne): p.exemples
        for p in _judge(tmp_path, suites_dir)["ase-09-2024"].problems
    }
    assert found == {
        ("DATE_HORS_PERIODE", "annee_mois_naissance"): ["1989-12"],
        ("DATE_ILLISIBLE", "date_debut"): ["2024-02-30"],
    }
