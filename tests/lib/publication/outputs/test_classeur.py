"""The workbook, read back with openpyxl as a spreadsheet would show it."""

from pathlib import Path

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet

from pipelines.lib.publication.outputs import OutputsSummary
from pipelines.lib.publication.outputs.classeur import PROVISIONAL_FILL, SECRET_FILL


@pytest.fixture(scope="module")
def book(built: tuple[Path, OutputsSummary]) -> openpyxl.Workbook:
    return openpyxl.load_workbook(built[0] / "observatoire.xlsx")


def _column(sheet: Worksheet, name: str) -> int:
    return [c.value for c in sheet[1]].index(name) + 1


def test_sheets(book: openpyxl.Workbook) -> None:
    assert book.sheetnames == [
        "Lisez-moi",
        "Dictionnaire",
        "places_conventions",
        "places_par_departement",
        "residences_plafond",
        "sorties_ase_marges",
        "sorties_ase_synthese",
        "part_ex_mna",
        "delai_cej",
        "parcours",
        "bilan_odpe",
        "besoin_logement_pdalhpd",
        "couverture_territoriale",
    ]


def test_codes_are_text_numbers_numbers(book: openpyxl.Workbook) -> None:
    sheet = book["bilan_odpe"]
    assert [c.value for c in sheet[1]][:4] == ["annee", "dept", "nom_territoire", "provisoire"]
    dept = sheet.cell(row=2, column=2)
    assert (dept.value, dept.data_type, dept.number_format) == ("09", "s", "@")
    year = sheet.cell(row=2, column=1)
    assert (year.value, year.data_type) == (2023, "n")
    share = sheet.cell(row=2, column=_column(sheet, "part_besoin_logement_couvert"))
    assert (share.value, share.number_format) == (0.6, "0.0%")
    count = sheet.cell(row=2, column=_column(sheet, "nb_jeunes_majeurs_accompagnes"))
    assert (count.value, count.number_format) == (60, "#,##0")
    residences = book["residences_plafond"]
    assert residences.cell(row=2, column=_column(residences, "depasse_plafond")).value == "oui"
    assert residences.cell(row=3, column=_column(residences, "depasse_plafond")).value == "non"
    conventions = book["places_conventions"]
    assert conventions.cell(row=3, column=_column(conventions, "dept_financeur")).value == "09"


def test_masked_sans_objet_and_provisional_are_told_apart(book: openpyxl.Workbook) -> None:
    sheet = book["bilan_odpe"]
    # row 3: Ariège 2024, provisional, nb_sorties_seches masked
    masked = sheet.cell(row=3, column=_column(sheet, "nb_sorties_seches"))
    assert masked.value is None and masked.fill.fgColor.rgb == SECRET_FILL.fgColor.rgb
    flag = sheet.cell(row=3, column=_column(sheet, "provisoire"))
    assert flag.value == "oui" and flag.fill.fgColor.rgb == PROVISIONAL_FILL.fgColor.rgb
    assert sheet.cell(row=3, column=_column(sheet, "nb_sorties")).font.i
    assert not sheet.cell(row=2, column=_column(sheet, "nb_sorties")).font.i
    # row 5: Aude 2024, no post-exit interview due: sans objet, empty without fill
    empty = sheet.cell(row=5, column=_column(sheet, "taux_entretien_post_sortie"))
    assert empty.value is None and empty.fill.fill_type is None
    label = sheet.cell(row=3, column=_column(sheet, "cellules_masquees")).value
    assert label == "nb_sorties_seches, nb_entretiens_17_ans, taux_entretien_17_ans"


def test_headers_frozen_and_widths(book: openpyxl.Workbook) -> None:
    sheet = book["bilan_odpe"]
    assert sheet.freeze_panes == "D2"  # header row and annee, dept, nom_territoire
    last = sheet.cell(row=1, column=sheet.max_column).column_letter
    assert sheet.auto_filter.ref == f"A1:{last}7"
    assert sheet.column_dimensions["C"].width >= len("nom_territoire")
    # nom_residence: its longest value (42 characters) and a margin of 2
    assert book["residences_plafond"].column_dimensions["E"].width == 44


def test_readme_and_dictionary(book: openpyxl.Workbook) -> None:
    readme = book["Lisez-moi"]
    text = " ".join(str(c.value) for row in readme.iter_rows() for c in row if c.value)
    assert "Un effectif de 1 à 10 personnes n'est pas publié" in text
    assert "Vide sur fond jaune" in text and "Vide sans fond" in text
    assert "Occitanie" in text and "1er mars 2026" not in text  # ISO date in the workbook
    assert readme.cell(row=3 + 4, column=3).fill.fgColor.rgb == SECRET_FILL.fgColor.rgb
    dictionary = book["Dictionnaire"]
    assert [c.value for c in dictionary[1]] == [
        "mart",
        "colonne",
        "type",
        "classe_secret",
        "description",
    ]
    assert [c.value for c in dictionary[3]] == [
        "bilan_odpe",
        "dept",
        "VARCHAR",
        "aucune",
        "Département ; code COG.",
    ]
