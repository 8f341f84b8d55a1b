"""Implausible values are told (issue 11.6), from visible published values only."""

from pathlib import Path

import polars as pl

from pipelines.lib.publication.outputs import anomalies
from pipelines.lib.publication.outputs.published import Publication

MASKED = "nb_sorties_seches, nb_entretiens_17_ans, taux_entretien_17_ans"


def _write(folder: Path, mart: str, rows: list[dict[str, object]]) -> None:
    pl.DataFrame(rows).write_parquet(folder / f"{mart}.parquet")


def test_contradictions_found(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "residences_plafond",
        [
            # 50 places for 38 beds: 131,6 %
            {"annee": 2024, "dept": "30", "id_residence": "R1", "nom_residence": "Les Pins"}
            | {"capacite_places": 38, "places_conventionnees_cd": 50, "part_places_cd": 1.3158}
            | {"part_places_cd_max": 1.3158, "cellules_masquees": None},
            # within capacity on 31 December, above it some day of the year
            {"annee": 2024, "dept": "30", "id_residence": "R2", "nom_residence": "Le Canal"}
            | {"capacite_places": 20, "places_conventionnees_cd": 4, "part_places_cd": 0.2}
            | {"part_places_cd_max": 1.05, "cellules_masquees": None},
            {"annee": 2024, "dept": "30", "id_residence": "R3", "nom_residence": "La Gare"}
            | {"capacite_places": 40, "places_conventionnees_cd": 6, "part_places_cd": 0.15}
            | {"part_places_cd_max": 0.15, "cellules_masquees": None},
        ],
    )
    _write(
        tmp_path,
        "bilan_odpe",
        [
            {"annee": 2024, "dept": "30", "nb_sorties": 40, "nb_sorties_seches": 12}
            | {"nb_eligibles_entretien_17_ans": 20, "nb_entretiens_17_ans": 25}
            | {"taux_entretien_17_ans": 1.25, "cellules_masquees": None},
            # masked cells are never compared: nothing to tell here
            {"annee": 2024, "dept": "11", "nb_sorties": 30, "nb_sorties_seches": None}
            | {"nb_eligibles_entretien_17_ans": 20, "nb_entretiens_17_ans": None}
            | {"taux_entretien_17_ans": None}
            | {"cellules_masquees": MASKED},
        ],
    )
    _write(
        tmp_path,
        "sorties_ase_synthese",
        [
            {"annee": 2024, "dept": "30", "nb_sorties": 40, "nb_sorties_seches": 25}
            | {"nb_situation_inconnue": 20, "cellules_masquees": None},
        ],
    )
    _write(
        tmp_path,
        "places_conventions",
        [
            {"annee": 2024, "dept": "30", "id_residence": "R1", "id_convention": "C9"}
            | {"taux_occupation": 1.02, "cellules_masquees": None},
        ],
    )
    found = anomalies.find(Publication(tmp_path, "76"))
    messages = {(a.mart, a.dept, a.annee): a.message for a in found}
    assert set(messages) == {
        ("residences_plafond", "30", 2024),
        ("bilan_odpe", "30", 2024),
        ("sorties_ase_synthese", "30", 2024),
        ("places_conventions", "30", 2024),
    }
    # two residences: one found per residence
    residences = [a.message for a in found if a.mart == "residences_plafond"]
    assert residences == [
        "Les Pins (R1) : 50 places réservées par le CD au 31 décembre pour une capacité de 38 "
        "places (131,6\u00a0%).",
        "Le Canal (R2) : jusqu'à 105,0\u00a0% de la capacité réservée par le CD au cours de "
        "l'année.",
    ]
    assert messages[("bilan_odpe", "30", 2024)] == (
        "Bilan : plus d'entretiens des 17 ans (25) que de jeunes concernés (20) ; "
        "taux_entretien_17_ans supérieur à 100 % (125,0\u00a0%)."
    )
    assert messages[("sorties_ase_synthese", "30", 2024)] == (
        "Sorties : 25 sorties sèches et 20 de situation inconnue pour 40 sorties."
    )
    assert "taux d'occupation de 102,0\u00a0%" in messages[("places_conventions", "30", 2024)]
