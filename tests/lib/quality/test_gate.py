"""Every refusal rule of docs/contrat-echange.md §5 on a delivery that breaks only that rule, and
every tolerance of §2 accepted. Real reading, real Great Expectations validations."""

import datetime as dt
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import pid, valid_ase, valid_hj, valid_ml, write_delivery, write_table

from pipelines.lib.contract.deliveries import discover
from pipelines.lib.contract.tables import TABLES
from pipelines.lib.quality.gate import Verdict, judge, read_delivery

Tables = dict[str, list[dict[str, object]]]


def _judge(root: Path, suites_dir: Path, check_date: dt.date) -> Verdict:
    deliveries = discover(root)
    assert len(deliveries) == 1
    return judge([read_delivery(d) for d in deliveries], suites_dir, check_date)[deliveries[0].key]


def _set(table: str, line: int, column: str, value: object) -> Callable[[Tables], None]:
    def mutate(tables: Tables) -> None:
        tables[table][line][column] = value

    return mutate


def _append(table: str, row: dict[str, object]) -> Callable[[Tables], None]:
    def mutate(tables: Tables) -> None:
        tables[table].append(row)

    return mutate


def _upper_key(tables: Tables) -> None:
    for table in ("ml_jeunes", "ml_accompagnements"):
        tables[table][0]["id_jeune"] = pid(1).upper()


# (case, source, mutation on the valid delivery's rows, rule, file, column, data lines)
ROW_CASES = [
    (
        "required empty",
        "ase",
        _set("ase_mesures", 1, "mode_accueil", ""),
        "CHAMP_OBLIGATOIRE_VIDE",
        "ase_mesures.csv",
        "mode_accueil",
        [3],
    ),
    (
        "required blank spaces",
        "ase",
        _set("ase_jeunes", 0, "sexe", "   "),
        "CHAMP_OBLIGATOIRE_VIDE",
        "ase_jeunes.csv",
        "sexe",
        [2],
    ),
    (
        "motif_fin with date_fin",
        "ase",
        _set("ase_mesures", 0, "motif_fin", ""),
        "CHAMP_OBLIGATOIRE_VIDE",
        "ase_mesures.csv",
        "motif_fin",
        [2],
    ),
    (
        "dept_financeur with CD",
        "hj",
        _set("hj_conventions", 0, "dept_financeur", ""),
        "CHAMP_OBLIGATOIRE_VIDE",
        "hj_conventions.csv",
        "dept_financeur",
        [2],
    ),
    (
        "logement_sortie with date_sortie",
        "hj",
        _set("hj_sejours", 0, "logement_sortie", ""),
        "CHAMP_OBLIGATOIRE_VIDE",
        "hj_sejours.csv",
        "logement_sortie",
        [2],
    ),
    (
        "code outside list",
        "ase",
        _set("ase_mesures", 0, "type_mesure", "FOYER"),
        "CODE_HORS_LISTE",
        "ase_mesures.csv",
        "type_mesure",
        [2],
    ),
    (
        "partner code outside list",
        "ase",
        _append(
            "ase_entretiens",
            {
                "id_jeune": pid(1),
                "type_entretien": "ENTRETIEN_17_ANS",
                "date_entretien": "2024-01-10",
                "partenaires": "ML|CAF",
            },
        ),
        "CODE_HORS_LISTE",
        "ase_entretiens.csv",
        "partenaires",
        [2],
    ),
    (
        "department not in COG",
        "hj",
        _set("hj_residences", 0, "dept", "99"),
        "CODE_HORS_LISTE",
        "hj_residences.csv",
        "dept",
        [2],
    ),
    (
        "unreadable date",
        "ase",
        _set("ase_mesures", 0, "date_debut", "2024-13-01"),
        "DATE_ILLISIBLE",
        "ase_mesures.csv",
        "date_debut",
        [2],
    ),
    (
        "date off the calendar",
        "ase",
        _set("ase_mesures", 0, "date_debut", "30/02/2024"),
        "DATE_ILLISIBLE",
        "ase_mesures.csv",
        "date_debut",
        [2],
    ),
    (
        "unreadable year-month",
        "ase",
        _set("ase_jeunes", 1, "annee_mois_naissance", "03/2006"),
        "DATE_ILLISIBLE",
        "ase_jeunes.csv",
        "annee_mois_naissance",
        [3],
    ),
    (
        "date before 1990",
        "ase",
        _set("ase_mesures", 0, "date_debut", "1989-12-31"),
        "DATE_HORS_PERIODE",
        "ase_mesures.csv",
        "date_debut",
        [2],
    ),
    (
        "date after the check",
        "ase",
        _set("ase_sorties", 0, "date_sortie", "2025-06-02"),
        "DATE_HORS_PERIODE",
        "ase_sorties.csv",
        "date_sortie",
        [2],
    ),
    (
        "end before start",
        "ase",
        _set("ase_mesures", 1, "date_fin", "2024-02-29"),
        "FIN_AVANT_DEBUT",
        "ase_mesures.csv",
        "date_fin",
        [3],
    ),
    (
        "unreadable boolean",
        "ase",
        _set("ase_jeunes", 0, "mna", "peut-être"),
        "BOOLEEN_ILLISIBLE",
        "ase_jeunes.csv",
        "mna",
        [2],
    ),
    (
        "zero places",
        "hj",
        _set("hj_residences", 0, "capacite_places", "0"),
        "ENTIER_INVALIDE",
        "hj_residences.csv",
        "capacite_places",
        [2],
    ),
    (
        "decimal places",
        "hj",
        _set("hj_conventions", 0, "places_reservees", "2,5"),
        "ENTIER_INVALIDE",
        "hj_conventions.csv",
        "places_reservees",
        [2],
    ),
    (
        "commune code lost its zero",
        "ml",
        _set("ml_jeunes", 0, "commune_residence", "9122"),
        "COMMUNE_INVALIDE",
        "ml_jeunes.csv",
        "commune_residence",
        [2],
    ),
    (
        "repeated key",
        "ase",
        _set("ase_mesures", 1, "id_mesure", "M1"),
        "CLE_EN_DOUBLE",
        "ase_mesures.csv",
        "id_mesure",
        [2, 3],
    ),
    (
        "repeated compound key",
        "ase",
        _append(
            "ase_sorties",
            {
                "id_jeune": pid(1),
                "date_sortie": "2024-10-31",
                "logement_sortie": "INCONNU",
                "activite_sortie": "INCONNU",
                "ressources_sortie": "INCONNU",
            },
        ),
        "CLE_EN_DOUBLE",
        "ase_sorties.csv",
        "id_jeune, date_sortie",
        [2, 3],
    ),
    (
        "unknown person",
        "ase",
        _set("ase_mesures", 1, "id_jeune", pid(99)),
        "REFERENCE_INCONNUE",
        "ase_mesures.csv",
        "id_jeune",
        [3],
    ),
    (
        "unknown person in ML",
        "ml",
        _set("ml_accompagnements", 0, "id_jeune", pid(99)),
        "REFERENCE_INCONNUE",
        "ml_accompagnements.csv",
        "id_jeune",
        [2],
    ),
    (
        "unknown residence",
        "hj",
        _set("hj_conventions", 0, "id_residence", "R9"),
        "REFERENCE_INCONNUE",
        "hj_conventions.csv",
        "id_residence",
        [2],
    ),
    (
        "unknown convention",
        "hj",
        _set("hj_sejours", 0, "id_convention", "C9"),
        "REFERENCE_INCONNUE",
        "hj_sejours.csv",
        "id_convention",
        [2],
    ),
    (
        "upper-case key",
        "ml",
        _upper_key,
        "ID_JEUNE_INVALIDE",
        "ml_accompagnements.csv",
        "id_jeune",
        [2],
    ),
    (
        "short key",
        "ase",
        _set("ase_sorties", 0, "id_jeune", pid(1)[:40]),
        "ID_JEUNE_INVALIDE",
        "ase_sorties.csv",
        "id_jeune",
        [2],
    ),
    (
        "e-mail address",
        "hj",
        _set("hj_residences", 0, "nom_residence", "contact jeanne.martin@example.org"),
        "IDENTIFIANT_DIRECT",
        "hj_residences.csv",
        "nom_residence",
        [2],
    ),
    (
        "phone number",
        "ase",
        _set("ase_mesures", 0, "id_mesure", "06 12 34 56 78"),
        "IDENTIFIANT_DIRECT",
        "ase_mesures.csv",
        "id_mesure",
        [2],
    ),
    (
        "international phone number",
        "hj",
        _set("hj_residences", 0, "association", "Asso +33 5 61 00 00 00"),
        "IDENTIFIANT_DIRECT",
        "hj_residences.csv",
        "association",
        [2],
    ),
    (
        "NIR with spaces",
        "hj",
        _set("hj_sejours", 0, "id_sejour", "2 05 11 31 555 123 45"),
        "IDENTIFIANT_DIRECT",
        "hj_sejours.csv",
        "id_sejour",
        [2],
    ),
    (
        "NIR without spaces",
        "ml",
        _set("ml_accompagnements", 0, "id_accompagnement", "185057800608436"),
        "IDENTIFIANT_DIRECT",
        "ml_accompagnements.csv",
        "id_accompagnement",
        [2],
    ),
]

BASES = {
    "ase": ("ase", "09", valid_ase),
    "ml": ("ml", "09", valid_ml),
    "hj": ("hj", "46", valid_hj),
}


@pytest.mark.parametrize(
    ("case", "source", "mutate", "rule", "fichier", "colonne", "lines"),
    ROW_CASES,
    ids=[c[0] for c in ROW_CASES],
)
def test_each_row_rule_refuses_the_delivery(
    tmp_path: Path,
    suites_dir: Path,
    check_date: dt.date,
    case: str,
    source: str,
    mutate: Callable[[Tables], None],
    rule: str,
    fichier: str,
    colonne: str,
    lines: list[int],
) -> None:
    src, dept, base = BASES[source]
    tables = base()
    tables.setdefault("ase_entretiens", []) if source == "ase" else None
    mutate(tables)
    write_delivery(tmp_path, src, dept, 2024, tables)
    verdict = _judge(tmp_path, suites_dir, check_date)
    assert verdict.statut == "refusee"
    found = [(p.regle, p.fichier, p.colonne, p.lignes) for p in verdict.problems]
    assert (rule, fichier, colonne, lines) in found, found
    # The delivery breaks only that rule (the phone-number key also repeats nothing, etc.).
    assert {p.regle for p in verdict.problems} == {rule}, found


@pytest.mark.parametrize("source", ["ase", "ml", "hj"])
def test_valid_deliveries_are_accepted(
    tmp_path: Path, suites_dir: Path, check_date: dt.date, source: str
) -> None:
    src, dept, base = BASES[source]
    write_delivery(tmp_path, src, dept, 2024, base())
    verdict = _judge(tmp_path, suites_dir, check_date)
    assert verdict.problems == []
    assert verdict.statut == "acceptee"


def test_a_spreadsheet_saved_as_csv_is_undecodable(
    tmp_path: Path, suites_dir: Path, check_date: dt.date
) -> None:
    folder = write_delivery(tmp_path, "ase", "09", 2024, valid_ase())
    (folder / "ase_mesures.csv").write_bytes(b"PK\x03\x04" + bytes(range(256)) * 4)
    verdict = _judge(tmp_path, suites_dir, check_date)
    assert [(p.regle, p.fichier) for p in verdict.problems] == [
        ("FICHIER_ILLISIBLE", "ase_mesures.csv")
    ]


def test_an_old_excel_file_is_undecodable(
    tmp_path: Path, suites_dir: Path, check_date: dt.date
) -> None:
    folder = write_delivery(tmp_path, "hj", "46", 2024, valid_hj())
    (folder / "hj_sejours.csv").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512)
    verdict = _judge(tmp_path, suites_dir, check_date)
    assert [(p.regle, p.fichier) for p in verdict.problems] == [
        ("FICHIER_ILLISIBLE", "hj_sejours.csv")
    ]


def test_missing_required_table(tmp_path: Path, suites_dir: Path, check_date: dt.date) -> None:
    tables = valid_ml()
    del tables["ml_accompagnements"]
    write_delivery(tmp_path, "ml", "09", 2024, tables)
    verdict = _judge(tmp_path, suites_dir, check_date)
    assert [(p.regle, p.fichier) for p in verdict.problems] == [
        ("TABLE_MANQUANTE", "ml_accompagnements.csv")
    ]


def test_optional_table_may_be_missing(
    tmp_path: Path, suites_dir: Path, check_date: dt.date
) -> None:
    tables = valid_ase()
    del tables["ase_sorties"]
    write_delivery(tmp_path, "ase", "09", 2024, tables)
    assert _judge(tmp_path, suites_dir, check_date).accepted


def test_unknown_file_name(tmp_path: Path, suites_dir: Path, check_date: dt.date) -> None:
    folder = write_delivery(tmp_path, "ase", "09", 2024, valid_ase())
    shutil.copy(folder / "ase_sorties.csv", folder / "ase_sortie.csv")
    verdict = _judge(tmp_path, suites_dir, check_date)
    assert [(p.regle, p.fichier) for p in verdict.problems] == [
        ("FICHIER_INCONNU", "ase_sortie.csv")
    ]


def test_missing_column_is_reported_once(
    tmp_path: Path, suites_dir: Path, check_date: dt.date
) -> None:
    folder = tmp_path / "ase" / "09" / "2024"
    tables = valid_ase()
    write_delivery(tmp_path, "ase", "09", 2024, tables)
    columns = [c for c in TABLES["ase_mesures"].column_names if c != "mode_accueil"]
    write_table(folder, "ase_mesures", tables["ase_mesures"], columns=columns)
    verdict = _judge(tmp_path, suites_dir, check_date)
    assert [(p.regle, p.fichier, p.colonne) for p in verdict.problems] == [
        ("COLONNE_MANQUANTE", "ase_mesures.csv", "mode_accueil")
    ]


def test_unknown_column_is_refused_without_copying_its_values(
    tmp_path: Path, suites_dir: Path, check_date: dt.date
) -> None:
    folder = tmp_path / "ase" / "09" / "2024"
    tables = valid_ase()
    write_delivery(tmp_path, "ase", "09", 2024, tables)
    for row in tables["ase_jeunes"]:
        row["nom"] = "Valeur-Secrete"
    write_table(
        folder,
        "ase_jeunes",
        tables["ase_jeunes"],
        columns=[*TABLES["ase_jeunes"].column_names, "nom"],
    )
    verdict = _judge(tmp_path, suites_dir, check_date)
    assert [(p.regle, p.colonne) for p in verdict.problems] == [("COLONNE_INCONNUE", "nom")]
    assert "Valeur-Secrete" not in repr([p.as_dict() for p in verdict.problems])


def test_duplicated_column(tmp_path: Path, suites_dir: Path, check_date: dt.date) -> None:
    folder = tmp_path / "ase" / "09" / "2024"
    tables = valid_ase()
    write_delivery(tmp_path, "ase", "09", 2024, tables)
    cols = [*TABLES["ase_jeunes"].column_names, "sexe"]
    write_table(folder, "ase_jeunes", tables["ase_jeunes"], columns=cols)
    verdict = _judge(tmp_path, suites_dir, check_date)
    assert [(p.regle, p.colonne) for p in verdict.problems] == [("COLONNE_EN_DOUBLE", "sexe")]


def test_ragged_line(tmp_path: Path, suites_dir: Path, check_date: dt.date) -> None:
    folder = write_delivery(tmp_path, "ase", "09", 2024, valid_ase())
    path = folder / "ase_sorties.csv"
    path.write_text(path.read_text() + f"{pid(2)};2024-05-01;INCONNU;INCONNU;INCONNU;en trop\n")
    verdict = _judge(tmp_path, suites_dir, check_date)
    assert [(p.regle, p.lignes) for p in verdict.problems] == [("LIGNE_MAL_FORMEE", [3])]


def test_every_problem_of_every_file_is_listed(
    tmp_path: Path, suites_dir: Path, check_date: dt.date
) -> None:
    tables = valid_ase(3)
    tables["ase_mesures"][0]["type_mesure"] = "X"
    tables["ase_mesures"][2]["type_mesure"] = "Y"
    tables["ase_jeunes"][1]["mna"] = "?"
    tables["ase_sorties"][0]["logement_sortie"] = "RUE"
    write_delivery(tmp_path, "ase", "09", 2024, tables)
    verdict = _judge(tmp_path, suites_dir, check_date)
    found = {(p.fichier, p.regle, tuple(p.lignes), tuple(p.exemples)) for p in verdict.problems}
    assert found == {
        ("ase_mesures.csv", "CODE_HORS_LISTE", (2, 4), ("X", "Y")),
        ("ase_jeunes.csv", "BOOLEEN_ILLISIBLE", (3,), ("?",)),
        ("ase_sorties.csv", "CODE_HORS_LISTE", (2,), ("RUE",)),
    }


def test_an_identifier_is_never_copied_into_the_report(
    tmp_path: Path, suites_dir: Path, check_date: dt.date
) -> None:
    tables = valid_ase()
    tables["ase_mesures"][0]["motif_fin"] = "jeanne.martin@example.org"
    write_delivery(tmp_path, "ase", "09", 2024, tables)
    verdict = _judge(tmp_path, suites_dir, check_date)
    assert {p.regle for p in verdict.problems} == {"CODE_HORS_LISTE", "IDENTIFIANT_DIRECT"}
    assert "jeanne.martin" not in repr([p.as_dict() for p in verdict.problems])


def test_tolerated_forms_are_accepted(
    tmp_path: Path, suites_dir: Path, check_date: dt.date
) -> None:
    """Windows-1252, `,` delimiter, BOM, JJ/MM/AAAA, oui/non and O/N, upper-case headers in any
    order, codes in lower case with spaces."""
    ase = tmp_path / "ase" / "09" / "2024"
    jeunes = [
        {
            "id_jeune": pid(1),
            "sexe": " f ",
            "annee_mois_naissance": "2006-03",
            "mna": "Oui",
            "date_premiere_prise_en_charge": "14/03/2015",
        },
        {"id_jeune": pid(2), "sexe": "M", "annee_mois_naissance": "2005-11", "mna": "n"},
    ]
    cols = list(reversed(TABLES["ase_jeunes"].column_names))
    write_table(
        ase,
        "ase_jeunes",
        jeunes,
        encoding="cp1252",
        columns=cols,
        header=[f" {c.upper()} " for c in cols],
    )
    mesures = [
        {
            "id_mesure": "M-é-1",
            "id_jeune": pid(1),
            "type_mesure": "apjm",
            "mode_accueil": " mecs",
            "date_debut": "01/03/2024",
            "date_fin": "31/10/2024",
            "motif_fin": "fin_contrat_jeune_majeur",
        },
        {
            "id_mesure": "M2",
            "id_jeune": pid(2),
            "type_mesure": "CJM",
            "mode_accueil": "AUTRE",
            "date_debut": "2024-01-01",
            "date_fin": "",
            "motif_fin": "",
        },
    ]
    write_table(ase, "ase_mesures", mesures, encoding="utf-8-sig", delimiter=",")
    entretiens = [
        {
            "id_jeune": pid(1),
            "type_entretien": "entretien_17_ans",
            "date_entretien": "2023-05-02",
            "partenaires": "ml | adepape",
        }
    ]
    write_table(ase, "ase_entretiens", entretiens)
    autonomie = [
        {
            "id_jeune": pid(1),
            "date_projet": "2024-03-15",
            "besoin_ressources": "O",
            "besoin_logement": "N",
            "besoin_soins": "NON",
            "besoin_demarches": "1",
        }
    ]
    write_table(ase, "ase_autonomie", autonomie, encoding="cp1252")
    verdict = _judge(tmp_path, suites_dir, check_date)
    assert verdict.problems == []
    assert verdict.rows == {
        "ase_jeunes": 2,
        "ase_mesures": 2,
        "ase_entretiens": 1,
        "ase_autonomie": 1,
    }


def test_a_convention_end_may_lie_ahead(
    tmp_path: Path, suites_dir: Path, check_date: dt.date
) -> None:
    tables = valid_hj()
    tables["hj_conventions"][0]["date_fin"] = "2030-12-31"
    write_delivery(tmp_path, "hj", "46", 2024, tables)
    assert _judge(tmp_path, suites_dir, check_date).accepted


def test_deliveries_are_judged_apart_in_one_validation(
    tmp_path: Path, suites_dir: Path, check_date: dt.date
) -> None:
    """Several deliveries share one validation per table: a problem stays with its delivery,
    and the same key in two deliveries is not a repeat."""
    write_delivery(tmp_path, "ase", "09", 2024, valid_ase())
    bad = valid_ase()
    bad["ase_mesures"][0]["type_mesure"] = "X"
    write_delivery(tmp_path, "ase", "11", 2024, bad)
    verdicts = judge([read_delivery(d) for d in discover(tmp_path)], suites_dir, check_date)
    assert verdicts["ase-09-2024"].accepted
    assert [p.regle for p in verdicts["ase-11-2024"].problems] == ["CODE_HORS_LISTE"]


def test_utf16_export_is_refused_with_a_hint(
    tmp_path: Path, suites_dir: Path, check_date: dt.date
) -> None:
    folder = write_delivery(tmp_path, "ase", "09", 2024, valid_ase())
    path = folder / "ase_sorties.csv"
    path.write_bytes(path.read_text().encode("utf-16"))
    verdict = _judge(tmp_path, suites_dir, check_date)
    assert [(p.regle, p.fichier) for p in verdict.problems] == [
        ("FICHIER_ILLISIBLE", "ase_sorties.csv")
    ]
    assert "UTF-16" in verdict.problems[0].message


def test_a_table_delivered_twice(tmp_path: Path, suites_dir: Path, check_date: dt.date) -> None:
    folder = write_delivery(tmp_path, "ase", "09", 2024, valid_ase())
    shutil.copy(folder / "ase_sorties.csv", folder / "ASE_SORTIES.CSV")
    verdict = _judge(tmp_path, suites_dir, check_date)
    assert [p.regle for p in verdict.problems] == ["FICHIER_EN_DOUBLE"]


@pytest.mark.parametrize(("dept", "annee"), [("99", 2024), ("69X", 2024), ("09", 2099)])
def test_delivery_folder_must_name_a_department_and_a_started_year(
    tmp_path: Path, suites_dir: Path, check_date: dt.date, dept: str, annee: int
) -> None:
    write_delivery(tmp_path, "ase", dept, annee, valid_ase())
    verdict = _judge(tmp_path, suites_dir, check_date)
    assert "LIVRAISON_INVALIDE" in {p.regle for p in verdict.problems}


def test_ase_services_of_the_rhone_are_valid_departments(
    tmp_path: Path, suites_dir: Path, check_date: dt.date
) -> None:
    write_delivery(tmp_path, "ase", "69M", 2024, valid_ase())
    assert _judge(tmp_path, suites_dir, check_date).accepted


def test_trailing_delimiter_on_every_line_is_tolerated(
    tmp_path: Path, suites_dir: Path, check_date: dt.date
) -> None:
    folder = write_delivery(tmp_path, "ase", "09", 2024, valid_ase())
    path = folder / "ase_mesures.csv"
    path.write_text("".join(line + ";\n" for line in path.read_text().splitlines()))
    assert _judge(tmp_path, suites_dir, check_date).accepted
    # … but not when that unnamed column holds values
    path.write_text(
        path.read_text().replace(
            "MECS;2024-03-01;2024-10-31;FIN_CONTRAT_JEUNE_MAJEUR;\n",
            "MECS;2024-03-01;2024-10-31;FIN_CONTRAT_JEUNE_MAJEUR;x\n",
            1,
        )
    )
    verdict = _judge(tmp_path, suites_dir, check_date)
    assert [(p.regle, p.colonne) for p in verdict.problems] == [("COLONNE_INCONNUE", "(sans nom)")]


def test_line_numbers_are_physical_lines(
    tmp_path: Path, suites_dir: Path, check_date: dt.date
) -> None:
    """A quoted value spanning two lines shifts the lines after it; CRLF is read as well."""
    tables = valid_hj()
    tables["hj_residences"][0]["nom_residence"] = "Résidence\nLes Tilleuls"
    tables["hj_residences"].append(
        dict(
            tables["hj_residences"][0], id_residence="R2", nom_residence="B", type_offre="PAVILLON"
        )
    )
    folder = write_delivery(tmp_path, "hj", "46", 2024, tables)
    path = folder / "hj_residences.csv"
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n").replace(b"e\r\nLes", b"e\nLes"))
    verdict = _judge(tmp_path, suites_dir, check_date)
    assert [(p.regle, p.lignes) for p in verdict.problems] == [("CODE_HORS_LISTE", [4])]


def test_a_table_sent_as_a_spreadsheet_gets_a_hint(
    tmp_path: Path, suites_dir: Path, check_date: dt.date
) -> None:
    folder = write_delivery(tmp_path, "ase", "09", 2024, valid_ase())
    (folder / "ase_mesures.csv").rename(folder / "ase_mesures.xlsx")
    verdict = _judge(tmp_path, suites_dir, check_date)
    assert [(p.regle, p.fichier) for p in verdict.problems] == [
        ("TABLE_MANQUANTE", "ase_mesures.csv")
    ]
    assert "ase_mesures.xlsx : exportez-le au format CSV" in verdict.problems[0].message
