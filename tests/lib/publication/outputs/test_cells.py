"""French formatting of published values, and how a published cell is shown (hand-worked)."""

import pytest

from pipelines.lib.publication.outputs.cells import (
    Cell,
    format_value,
    french_date,
    kind_of,
    short_date,
)
from pipelines.lib.publication.outputs.published import Row, cell_key, masked_columns

NNBSP, NBSP, MINUS = "\u202f", "\u00a0", "\u2212"


@pytest.mark.parametrize(
    ("value", "kind", "text"),
    [
        (1234, "entier", f"1{NNBSP}234"),
        (0, "entier", "0"),
        (2024, "annee", "2024"),
        (0.3636, "part", f"36,4{NBSP}%"),
        (0.0, "part", f"0,0{NBSP}%"),
        (1.3158, "part", f"131,6{NBSP}%"),
        (0.023, "erreur", f"+2,3{NBSP}%"),
        (-0.167, "erreur", f"{MINUS}16,7{NBSP}%"),
        (-68.75, "jours", f"{MINUS}69{NBSP}j"),
        (87.0, "jours", f"87{NBSP}j"),
        (87.3, "estimation", "87,3"),
        (-0.04, "estimation", "0,0"),  # no "−0,0"
        (13.321492, "decimal", "13,3"),
        (True, "entier", "oui"),
        (False, "texte", "non"),
        ("09", "texte", "09"),
    ],
)
def test_french_formatting(value: object, kind: str, text: str) -> None:
    assert format_value(value, kind) == text  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("column", "kind"),
    [
        ("annee_sortie", "annee"),
        ("dept", "texte"),
        ("id_residence", "texte"),
        ("nom_territoire", "texte"),
        ("part_sorties_seches", "part"),
        ("taux_entretien_17_ans", "part"),
        ("erreur_relative_besoin", "erreur"),
        ("delai_median_jours", "jours"),
        ("besoin_logement_haut", "estimation"),
        ("sorties_prevues", "estimation"),
        ("places_cd_pour_100_jeunes_majeurs", "decimal"),
        ("nb_sorties", "entier"),
        ("capacite_places", "entier"),
    ],
)
def test_kind_from_the_column_name(column: str, kind: str) -> None:
    assert kind_of(column) == kind


def test_dates() -> None:
    assert french_date("2026-11-25") == "25 novembre 2026"
    assert french_date("2026-03-01T10:00:00") == "1er mars 2026"
    assert french_date("inconnue") == "inconnue"
    assert short_date("2026-02-05") == "05/02/2026"


def test_masked_label_lists_columns() -> None:
    assert masked_columns("nb_sorties, part_sorties_seches") == {
        "nb_sorties",
        "part_sorties_seches",
    }
    assert masked_columns(None) == frozenset()
    assert masked_columns("") == frozenset()


def test_a_row_shows_secret_sans_objet_and_values() -> None:
    values = {
        "annee": 2024,
        "dept": "09",
        "nb_sorties": 22,
        "nb_sorties_seches": None,
        "part_sorties_seches": None,
        "provisoire": True,
        "cellules_masquees": "nb_sorties_seches",
    }
    row = Row("sorties_ase_synthese", values, masked_columns(values["cellules_masquees"]))
    assert row.cell("nb_sorties") == Cell(
        "22", "valeur", "sorties_ase_synthese|nb_sorties|annee=2024;dept=09", numeric=True
    )
    assert row.cell("nb_sorties_seches").state == "secret"
    assert row.cell("nb_sorties_seches").text == "secret"
    # null but not named in cellules_masquees: sans objet, never « secret »
    assert row.cell("part_sorties_seches").state == "sans_objet"
    assert row.cell("part_sorties_seches").text == "—"
    assert row.cell("absente").state == "absent"
    assert row.number("nb_sorties") == 22.0
    assert row.number("nb_sorties_seches") is None
    assert row.provisional


def test_cell_keys_name_the_row() -> None:
    row = {"annee_sortie": 2024, "dept": "09", "parcours": "AUCUN", "nb_sorties": 0}
    assert cell_key("parcours", "nb_sorties", row) == (
        "parcours|nb_sorties|annee_sortie=2024;dept=09;parcours=AUCUN"
    )
