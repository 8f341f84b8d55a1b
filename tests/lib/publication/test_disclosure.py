"""Disclosure control on hand-worked frames (expected frames written inline). The marts' rules
come from the declarations beside the dbt models (the repository's parsed manifest)."""

import polars as pl
from polars.testing import assert_frame_equal

from pipelines.lib.publication.declarations import project_declarations
from pipelines.lib.publication.disclosure import (
    Equation,
    GroupSum,
    MartRules,
    Ratio,
    determined_cells,
    mask,
    rules_for,
    sums_of,
)
from pipelines.lib.settings import DBT_PROJECT_DIR

DECLARATIONS = project_declarations(DBT_PROJECT_DIR)
RULES = {m: rules_for(DECLARATIONS.mart(m)) for m in DECLARATIONS.names}


def test_primary_counts_and_ratios() -> None:
    frame = pl.DataFrame(
        {
            "nb_jeunes": [0, 5, 11, 40],
            "nb_ex_mna": [0, 2, 11, 30],
            "part_ex_mna": [None, 0.4, 1.0, 0.75],
        }
    )
    got, report = mask(frame, RULES["part_ex_mna"], seuil=11)
    expected = pl.DataFrame(
        {
            "nb_jeunes": [0, None, 11, 40],
            "nb_ex_mna": [0, None, 11, 30],
            "part_ex_mna": [None, None, 1.0, 0.75],
            "cellules_masquees": [None, "nb_jeunes, nb_ex_mna, part_ex_mna", None, None],
        }
    )
    assert_frame_equal(got, expected)
    assert report.per_column == {"nb_jeunes": 1, "nb_ex_mna": 1, "part_ex_mna": 1}


def test_a_share_is_masked_with_its_numerator() -> None:
    """4 dry exits of 30 (5 unknown): the share 4/25 would give the 4 back."""
    frame = pl.DataFrame(
        {
            "nb_sorties": [30],
            "nb_sorties_seches": [4],
            "part_sorties_seches": [0.16],
            "nb_situation_inconnue": [5],
            "nb_retours": [12],
        }
    )
    got, _ = mask(frame, RULES["sorties_ase_synthese"], seuil=11)
    assert got.row(0) == (
        30,
        None,
        None,
        None,
        12,
        "nb_sorties_seches, part_sorties_seches, nb_situation_inconnue",
    )


def test_a_share_over_few_persons_is_masked_even_when_counts_are_not() -> None:
    """25 exits of which 15 unknown: the share is over 10 persons."""
    frame = pl.DataFrame(
        {
            "nb_sorties": [25],
            "nb_sorties_seches": [0],
            "part_sorties_seches": [0.0],
            "nb_situation_inconnue": [15],
            "nb_retours": [0],
        }
    )
    got, _ = mask(frame, RULES["sorties_ase_synthese"], seuil=11)
    assert got.row(0) == (25, 0, None, 15, 0, "part_sorties_seches")


def test_equation_gets_a_second_cell() -> None:
    """40 = 3 + 15 + 12 + 10 + 0 and 30 = 3 + 15 + 12: the 3 and the 10 are small; in the second
    equation the 3 would be 30 − 15 − 12, so the smallest positive visible part (12) goes too.
    That is not enough (before 1.1 it was left so): the 10 is still (40 − 15 − 0) − (30 − 15),
    the first sum minus the second; the smallest visible cell whose masking alone hides it is
    the 30 (masking the 15 would not)."""
    rules = MartRules(
        counts=("t", "a", "b", "c", "d", "e", "u"),
        equations=(Equation("t", ("a", "b", "c", "d", "e")), Equation("u", ("a", "b", "c"))),
    )
    frame = pl.DataFrame(
        {"t": [40], "a": [3], "b": [15], "c": [12], "d": [10], "e": [0], "u": [30]}
    )
    got, _ = mask(frame, rules, seuil=11)
    assert got.row(0) == (40, None, 15, None, None, 0, None, "a, c, d, u")


def test_two_rectangles_joined_by_one_cell_give_it_back() -> None:
    """Four rows r1..r4 of four cells adding up to a visible total t, and four columns adding
    up to totals published elsewhere. Small cells: two rectangles (r1, r2 × c1, c2) and
    (r3, r4 × c3, c4), and r2·c3 between them. Every row and column holds at least two masked
    cells, yet r2·c3 = (t1 + t2) − (the visible cells of r1, r2) − (c1 and c2 totals − their
    visible cells). The visible cells are 20 + row index: masking r1·c3 (20, the smallest visible
    cell, and enough: r2·c3 then lies on the cycle r1·c3, r2·c3, r2·c1, r1·c1) closes it."""
    rules = MartRules(
        counts=("c1", "c2", "c3", "c4", "t"),
        equations=(Equation("t", ("c1", "c2", "c3", "c4")),),
        group_sums=tuple(GroupSum(("g",), c) for c in ("c1", "c2", "c3", "c4")),
    )
    small = {(0, "c1"), (0, "c2"), (1, "c1"), (1, "c2"), (1, "c3")}
    small |= {(2, "c3"), (2, "c4"), (3, "c3"), (3, "c4")}
    cells = {
        c: [3 if (i, c) in small else 20 + i for i in range(4)] for c in ("c1", "c2", "c3", "c4")
    }
    frame = pl.DataFrame(
        {"g": [1] * 4, **cells, "t": [sum(cells[c][i] for c in cells) for i in range(4)]}
    )
    assert frame["t"].to_list() == [46, 30, 50, 52]
    got, _ = mask(frame, rules, seuil=11)
    assert got["cellules_masquees"].to_list() == ["c1, c2, c3", "c1, c2, c3", "c3, c4", "c3, c4"]
    hidden = {(i, c) for i in range(4) for c in cells if got[c][i] is None}
    sums = sums_of(frame.to_dicts(), rules)
    assert determined_cells(hidden, sums) == []
    assert determined_cells(small, sums) == [(1, "c3")]


def test_rows_adding_up_to_a_total_published_elsewhere() -> None:
    """The four pathways of a department add up to its exits (published in another mart): the 3
    cannot stay alone; the smallest positive other cell is masked; zero stays."""
    frame = pl.DataFrame(
        {
            "annee_sortie": [2024] * 4 + [2023] * 4,
            "dept": ["09"] * 8,
            "parcours": ["AUCUN", "HJ_SEUL", "ML_ET_HJ", "ML_SEUL"] * 2,
            "nb_sorties": [12, 0, 3, 20, 30, 0, 11, 14],
        }
    )
    got, _ = mask(frame, RULES["parcours"], seuil=11)
    assert got["nb_sorties"].to_list() == [None, 0, None, 20, 30, 0, 11, 14]


def test_derived_values_go_with_their_count() -> None:
    frame = pl.DataFrame(
        {
            "nb_jeunes_presents": [4, 12],
            "journees_occupees": [300, 900],
            "taux_occupation": [0.2, 0.6],
        }
    )
    got, _ = mask(frame, RULES["places_conventions"], seuil=11)
    assert got.row(0) == (
        None,
        None,
        None,
        "nb_jeunes_presents, journees_occupees, taux_occupation",
    )
    assert got.row(1) == (12, 900, 0.6, None)


def test_threshold_is_a_setting() -> None:
    frame = pl.DataFrame({"nb": [4, 6]})
    got, _ = mask(frame, MartRules(counts=("nb",)), seuil=5)
    assert got["nb"].to_list() == [None, 6]


def test_quantiles_over_few_persons() -> None:
    rules = MartRules(counts=("n",), ratios=(Ratio("q", ("n",), (("n", 1),)),))
    frame = pl.DataFrame({"n": [10, 11], "q": [12.5, 30.0]})
    got, _ = mask(frame, rules, seuil=11)
    assert got["q"].to_list() == [None, 30.0]


def test_group_of_one_row_cannot_hide_its_lone_cell_but_is_still_masked() -> None:
    rules = MartRules(counts=("n",), group_sums=(GroupSum(("g",), "n"),))
    got, _ = mask(pl.DataFrame({"g": [1], "n": [3]}), rules, seuil=11)
    assert got["n"].to_list() == [None]


def test_the_declared_rules_are_todays_rules() -> None:
    """The declarations beside the models say what the hand-kept rules said before 1.1."""
    assert RULES["sorties_ase_synthese"].ratios == (
        Ratio(
            "part_sorties_seches",
            ("nb_sorties", "nb_situation_inconnue", "nb_sorties_seches"),
            (("nb_sorties", 1), ("nb_situation_inconnue", -1)),
        ),
    )
    assert RULES["places_conventions"].counts == ("nb_jeunes_presents",)
    assert RULES["places_conventions"].dependents == {
        "nb_jeunes_presents": ("journees_occupees", "taux_occupation")
    }
    assert RULES["parcours"].group_sums == (GroupSum(("annee_sortie", "dept"), "nb_sorties"),)
    assert RULES["delai_cej"].equations == (
        Equation(
            "nb_sorties",
            (
                "nb_cej_avant_sortie",
                "nb_cej_6_mois",
                "nb_cej_12_mois",
                "nb_sans_cej",
                "nb_recul_insuffisant",
            ),
        ),
        Equation("nb_sorties_avec_cej", ("nb_cej_avant_sortie", "nb_cej_6_mois", "nb_cej_12_mois")),
    )
    assert RULES["besoin_logement_pdalhpd"].dependents == {
        "sorties_observees": (
            "besoin_logement_observe",
            "erreur_relative_sorties",
            "erreur_relative_besoin",
        )
    }
    assert RULES["places_par_departement"].counts == ()
    assert RULES["residences_plafond"].counts == ()
    assert len(RULES["bilan_odpe"].ratios) == 10
    assert "sorties_ase" not in RULES and "sorties_ase" in DECLARATIONS.internal
    assert "appariement" not in RULES and "appariement" in DECLARATIONS.internal


def test_a_regional_row_is_the_total_of_its_departments() -> None:
    """R76 = 09 + 11 + 12 for each count: the 4 of 09 is masked; alone it would be R76 − 11 − 12,
    so the smallest positive other department (12: 15) is masked too, never the regional row.
    In 2023 the regional total itself is small (8): its parts are small too."""
    rules = MartRules(counts=("n",), regional_keys=("annee",))
    frame = pl.DataFrame(
        {
            "annee": [2024, 2024, 2024, 2024, 2023, 2023, 2023, 2023],
            "dept": ["09", "11", "12", "R76", "09", "11", "12", "R76"],
            "n": [4, 30, 15, 49, 0, 8, 0, 8],
        }
    )
    got, report = mask(frame, rules, seuil=11)
    assert got["n"].to_list() == [None, 30, None, 49, 0, None, 0, None]
    assert report.per_column == {"n": 4}


def test_regional_rows_follow_every_key_but_dept() -> None:
    """Regional rows of part_ex_mna are per year and population: 09's lone small count of
    SORTIES pulls 11's SORTIES count, not its JEUNES_MAJEURS one."""
    frame = pl.DataFrame(
        {
            "annee": [2024] * 6,
            "dept": ["09", "11", "R76", "09", "11", "R76"],
            "population": ["SORTIES"] * 3 + ["JEUNES_MAJEURS"] * 3,
            "nb_jeunes": [5, 20, 25, 40, 12, 52],
            "nb_ex_mna": [0, 0, 0, 0, 0, 0],
            "part_ex_mna": [0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        }
    )
    got, _ = mask(frame, RULES["part_ex_mna"], seuil=11)
    assert got["nb_jeunes"].to_list() == [None, None, 25, 40, 12, 52]
    assert got["cellules_masquees"].to_list() == [
        "nb_jeunes, part_ex_mna",
        "nb_jeunes, part_ex_mna",
        None,
        None,
        None,
        None,
    ]


def test_a_department_outside_the_region_is_no_part_of_the_regional_row() -> None:
    """R76 = Ariège + Aude = 5 + 30; the Gironde (33, outside Occitanie) delivered too, with 4.
    The Ariège's 5 and the Gironde's 4 are masked; the regional row counts only the Ariège and
    the Aude, so 35 − 30 gives the Ariège's 5 back unless the Aude's 30 is masked as well; the
    Gironde is in no sum, so nothing more is masked for it."""
    frame = pl.DataFrame(
        {"annee": [2024] * 4, "dept": ["09", "11", "33", "R76"], "n": [5, 30, 4, 35]}
    )
    got, _ = mask(frame, MartRules(counts=("n",), regional_keys=("annee",)), seuil=11)
    assert got["n"].to_list() == [None, None, None, 35]
