"""Warnings (accepted, not refused): records an extract no longer holds (docs/contrat-echange.md §1)
and contradictions inside an HJ delivery (issue 11.6), on deliveries written by hand."""

import datetime as dt
import json
from pathlib import Path

from helpers import pid, valid_ase, valid_ml, write_delivery

from pipelines.lib.contract.deliveries import discover
from pipelines.lib.quality.gate import Verdict, judge, read_delivery
from pipelines.lib.quality.notices import sibling_open_keys
from pipelines.lib.quality.reports import report_dict, report_markdown, write_reports

CHECK = dt.date(2025, 6, 1)


def _mesure(i: str, who: int, end: str = "") -> dict[str, object]:
    return {
        "id_mesure": i,
        "id_jeune": pid(who),
        "type_mesure": "APJM",
        "mode_accueil": "MECS",
        "date_debut": "2023-03-01",
        "date_fin": end,
        "motif_fin": "FIN_CONTRAT_JEUNE_MAJEUR" if end else "",
    }


def _ase(mesures: list[dict[str, object]]) -> dict[str, list[dict[str, object]]]:
    tables = valid_ase(3)
    tables["ase_mesures"] = mesures
    return tables


def _judge_all(root: Path, suites_dir: Path, previous: dict | None = None) -> dict[str, Verdict]:
    return judge([read_delivery(d) for d in discover(root)], suites_dir, CHECK, previous)


def _codes(verdict: Verdict) -> list[tuple[str, str, str | None, int, list[int]]]:
    return [(n.code, n.fichier, n.colonne, n.nb, n.lignes) for n in verdict.warnings]


def test_records_the_next_extract_no_longer_holds(tmp_path: Path, suites_dir: Path) -> None:
    """2023 held M1, M2 without end and M3 ended; 2024 holds M1 only: M2 has disappeared
    (1), M3 ended and is no news."""
    write_delivery(
        tmp_path,
        "ase",
        "09",
        2023,
        _ase([_mesure("M1", 1), _mesure("M2", 2), _mesure("M3", 3, "2023-10-31")]),
    )
    write_delivery(tmp_path, "ase", "09", 2024, _ase([_mesure("M1", 1, "2024-05-31")]))
    verdicts = _judge_all(tmp_path, suites_dir)
    assert verdicts["ase-09-2023"].warnings == []
    v = verdicts["ase-09-2024"]
    assert v.accepted
    assert _codes(v) == [("ENREGISTREMENT_DISPARU", "ase_mesures.csv", "id_mesure", 1, [])]
    assert "31/12/2023" in v.warnings[0].message


def test_the_previous_extract_as_plain_data_and_keys_never_shown(
    tmp_path: Path, suites_dir: Path
) -> None:
    """The run hands the gate the accepted 2023 extract's open keys (from the warehouse)."""
    write_delivery(tmp_path, "ase", "09", 2024, _ase([_mesure("M1", 1)]))
    previous = {"ase-09-2023": {"ase_mesures": {"M1", "CLE-DISPARUE-7", "CLE-DISPARUE-8"}}}
    v = _judge_all(tmp_path, suites_dir, previous)["ase-09-2024"]
    assert _codes(v) == [("ENREGISTREMENT_DISPARU", "ase_mesures.csv", "id_mesure", 2, [])]
    text = json.dumps(report_dict(v, CHECK), ensure_ascii=False) + report_markdown(v, CHECK)
    assert "CLE-DISPARUE" not in text
    assert "**Livraison acceptée avec 1 avertissement(s).**" in report_markdown(v, CHECK)
    assert report_dict(v, CHECK)["nb_avertissements"] == 1
    # another department's or another year's extract says nothing about this one
    for key in ("ase-11-2023", "ase-09-2022"):
        assert (
            _judge_all(tmp_path, suites_dir, {key: previous["ase-09-2023"]})["ase-09-2024"].warnings
            == []
        )


def test_a_refused_previous_year_in_the_run_leaves_the_accepted_one_in_force(
    tmp_path: Path, suites_dir: Path
) -> None:
    """A re-delivered 2023 that is refused does not count: the accepted 2023 (as the warehouse
    holds it) still does."""
    bad = _ase([_mesure("M1", 1), _mesure("M5", 2)])
    bad["ase_jeunes"][0]["mna"] = "peut-être"
    write_delivery(tmp_path, "ase", "09", 2023, bad)
    write_delivery(tmp_path, "ase", "09", 2024, _ase([_mesure("M1", 1)]))
    verdicts = _judge_all(tmp_path, suites_dir, {"ase-09-2023": {"ase_mesures": {"M1", "M9"}}})
    assert not verdicts["ase-09-2023"].accepted
    assert [n.nb for n in verdicts["ase-09-2024"].warnings] == [1]  # M9, not M5


def test_a_table_no_longer_delivered_and_producers_apart(tmp_path: Path, suites_dir: Path) -> None:
    """Mission Locale ML0901 delivered an open situation in 2023 and no ml_situations file in
    2024: one record disappeared. ML0902 of the same department is another partition."""
    situation = {
        "id_situation": "S1",
        "id_jeune": pid(1),
        "type_situation": "FORMATION",
        "date_debut": "2023-09-01",
        "date_fin": "",
    }
    for producer in ("ML0901", "ML0902"):
        tables = valid_ml()
        for rows in tables.values():
            for row in rows:
                if "code_ml" in row:
                    row["code_ml"] = producer
        tables["ml_situations"] = [situation]
        write_delivery(tmp_path, "ml", "09", 2023, tables, producteur=producer)
        if producer == "ML0901":
            del tables["ml_situations"]
        write_delivery(tmp_path, "ml", "09", 2024, tables, producteur=producer)
    verdicts = _judge_all(tmp_path, suites_dir)
    assert _codes(verdicts["ml-09-2024-ML0901"]) == [
        ("ENREGISTREMENT_DISPARU", "ml_situations__ML0901.csv", "id_situation", 1, [])
    ]
    assert verdicts["ml-09-2024-ML0902"].warnings == []
    # observatoire check reads the sibling folder of the year before, same producer only
    ml0901 = next(d for d in discover(tmp_path) if d.key == "ml-09-2024-ML0901")
    assert sibling_open_keys(ml0901) == {
        "ml-09-2023-ML0901": {
            "ml_accompagnements": frozenset({"A1"}),
            "ml_situations": frozenset({"S1"}),
        }
    }


def _residence(i: str, capacity: int, dwellings: int | None = None) -> dict[str, object]:
    return {
        "id_residence": i,
        "nom_residence": f"Résidence {i}",
        "association": "Association HJ",
        "dept": "46",
        "commune": "46042",
        "capacite_places": capacity,
        "nb_logements": dwellings if dwellings is not None else capacity,
        "type_offre": "COLLECTIF",
    }


def _convention(
    i: str, res: str, financeur: str, places: int, start: str, end: str = ""
) -> dict[str, object]:
    return {
        "id_convention": i,
        "id_residence": res,
        "financeur": financeur,
        "dept_financeur": "46" if financeur == "CD" else "",
        "public": "CJM",
        "places_reservees": places,
        "modalite_financement": "SUBVENTION",
        "date_debut": start,
        "date_fin": end,
    }


def _sejour(i: str, who: int, res: str, conv: str, start: str, end: str = "") -> dict[str, object]:
    return {
        "id_sejour": i,
        "id_jeune": pid(who),
        "id_residence": res,
        "id_convention": conv,
        "date_entree": start,
        "date_sortie": end,
        "statut_entree": "FORMATION",
        "prise_en_charge_ase": "1",
        "orientation": "ASE",
        "logement_sortie": "LOGEMENT_AUTONOME" if end else "",
    }


def test_hj_contradictions_each_with_its_code(tmp_path: Path, suites_dir: Path) -> None:
    """Places are counted on 31 December 2024 (a stock, not a sum over the year):
    - R1 (10 places, line 2): CD 6 + CD 5, both active on 31/12 → CD places 11 > 10;
    - R2 (10, line 3): CD 8 until 30/12 then CD 4 → 4 on 31/12: nothing to say;
    - R3 (10, line 4): CD 6 + ETAT 6 → all conventions 12 > 10, CD alone 6;
    - R4 (5 places, 6 dwellings, line 5): more dwellings than places;
    - R5 (2, line 6): three stays in progress on 31/12 (a fourth left on 30/12);
    - stay S9 (line 6 of the stays) under C1, a convention of R1, lives in R2."""
    tables = {
        "hj_residences": [
            _residence("R1", 10),
            _residence("R2", 10),
            _residence("R3", 10),
            _residence("R4", 5, dwellings=6),
            _residence("R5", 2),
        ],
        "hj_conventions": [
            _convention("C1", "R1", "CD", 6, "2023-01-01"),
            _convention("C2", "R1", "CD", 5, "2024-01-01", "2024-12-31"),
            _convention("C3", "R2", "CD", 8, "2023-01-01", "2024-12-30"),
            _convention("C4", "R2", "CD", 4, "2024-12-30"),
            _convention("C5", "R3", "CD", 6, "2022-01-01"),
            _convention("C6", "R3", "ETAT", 6, "2022-01-01"),
        ],
        "hj_sejours": [
            _sejour("S1", 1, "R5", "", "2024-01-10"),
            _sejour("S2", 2, "R5", "", "2024-02-10"),
            _sejour("S3", 3, "R5", "", "2024-03-10", "2025-01-15"),
            _sejour("S4", 4, "R5", "", "2024-04-10", "2024-12-30"),
            _sejour("S9", 9, "R2", "C1", "2024-05-01"),
        ],
    }
    write_delivery(tmp_path, "hj", "46", 2024, tables)
    v = _judge_all(tmp_path, suites_dir)["hj-46-2024"]
    assert v.problems == [] and v.accepted
    residences = "hj_residences.csv"
    assert _codes(v) == [
        ("PLACES_CD_SUPERIEURES_CAPACITE", residences, "capacite_places", 1, [2]),
        ("PLACES_CONVENTIONS_SUPERIEURES_CAPACITE", residences, "capacite_places", 1, [4]),
        ("SEJOURS_SUPERIEURS_CAPACITE", residences, "capacite_places", 1, [6]),
        ("LOGEMENTS_SUPERIEURS_PLACES", residences, "nb_logements", 1, [5]),
        ("SEJOUR_CONVENTION_AUTRE_RESIDENCE", "hj_sejours.csv", "id_convention", 1, [6]),
    ]


def test_reports_show_warnings_apart_from_problems(tmp_path: Path, suites_dir: Path) -> None:
    tables = {
        "hj_residences": [_residence("R1", 4, dwellings=5)],
        "hj_conventions": [_convention("C1", "R1", "CD", 1, "2023-01-01")],
    }
    write_delivery(tmp_path / "raw", "hj", "46", 2024, tables)
    v = _judge_all(tmp_path / "raw", suites_dir)["hj-46-2024"]
    json_path, md_path = write_reports(v, tmp_path / "reports", CHECK)
    report = json.loads(json_path.read_text())
    assert report["statut"] == "acceptee" and report["nb_problemes"] == 0
    assert [a["code"] for a in report["avertissements"]] == ["LOGEMENTS_SUPERIEURS_PLACES"]
    md = md_path.read_text()
    assert "**Livraison acceptée avec 1 avertissement(s).**" in md
    assert "## Avertissements (1)" in md
    assert "| `LOGEMENTS_SUPERIEURS_PLACES` | hj_residences.csv | nb_logements |" in md
    # a refused delivery shows its warnings too, after its problems
    tables["hj_residences"][0]["type_offre"] = "CHATEAU"
    write_delivery(tmp_path / "raw", "hj", "46", 2024, tables)
    v = _judge_all(tmp_path / "raw", suites_dir)["hj-46-2024"]
    md = report_markdown(v, CHECK)
    assert md.index("**Livraison refusée**") < md.index("## Avertissements (1)")
