"""The definitions that version 1.1 of docs/marts.md and docs/contrat-echange.md changed and that
span deliveries, through the real chain (gate, promotion, dbt build, publication), on small
deliveries written by hand; every expected figure is worked out by hand in the test's docstring or
comments.

- Item 3: a record an extract no longer holds has ended on 31 December of the last year that
  held it (ASE measure in the Gironde, 33; HJ convention in Tarn-et-Garonne, 82).
- Item 4: business keys are unique per producer (two Missions Locales of the
  Pyrénées-Atlantiques, 64, both deliver an accompaniment `A1`).
- Item 5: what a department-year counts (the two services of the Rhône, 69D and 69M).
- Item 7: the PDALHPD estimate for reference year R uses only the deliveries up to R (Ariège,
  09, the only department of the region with an ASE delivery here, so that the regional rates
  are its own).

Departments other than 09 lie outside the region (Occitanie, 76), except 82 whose delivery is
HJ only: they do not enter the PDALHPD estimate, whose regional pooling stays hand-computable.
"""

import datetime as dt
from pathlib import Path

import duckdb
import pytest
from helpers import pid, write_delivery

from pipelines.lib.settings import Settings
from pipelines.runner import EXIT_OK, run_pipeline

pytestmark = pytest.mark.integration
CHECK = dt.date(2025, 6, 1)


def _jeune(who: str, born: str, mna: str = "0") -> dict[str, object]:
    return {"id_jeune": who, "sexe": "M", "annee_mois_naissance": born, "mna": mna}


def _mesure(
    i: str, who: str, kind: str, start: str, end: str = "", motif: str = ""
) -> dict[str, object]:
    mode = "MECS" if kind in ("PLACEMENT_JUDICIAIRE", "APJM") else "LOGEMENT_AUTONOME"
    return {
        "id_mesure": i,
        "id_jeune": who,
        "type_mesure": kind,
        "mode_accueil": mode,
        "date_debut": start,
        "date_fin": end,
        "motif_fin": motif or ("FIN_CONTRAT_JEUNE_MAJEUR" if end else ""),
    }


def _sortie(who: str, day: str, logement: str) -> dict[str, object]:
    return {
        "id_jeune": who,
        "date_sortie": day,
        "logement_sortie": logement,
        "activite_sortie": "FORMATION",
        "ressources_sortie": "AUTRES_AIDES",
    }


# ---- Item 3 (ASE, Gironde): D's APJM, running in the 2023 extract, is not in the 2024 one.
D, E = pid(31), pid(32)  # D born 2004-05, E born 2005-01
ASE_33 = {
    2023: {
        "ase_jeunes": [_jeune(D, "2004-05"), _jeune(E, "2005-01")],
        "ase_mesures": [
            _mesure("M1", D, "APJM", "2022-05-01"),
            _mesure("M2", E, "CJM", "2023-01-01"),
        ],
    },
    2024: {
        "ase_jeunes": [_jeune(E, "2005-01")],
        "ase_mesures": [_mesure("M2", E, "CJM", "2023-01-01")],
    },
}


# ---- Item 3 (HJ, Tarn-et-Garonne): convention C1 is no longer in the 2024 extract.
def _residence() -> dict[str, object]:
    return {
        "id_residence": "R1",
        "nom_residence": "Résidence du Quercy",
        "association": "Association HJ de Tarn-et-Garonne",
        "dept": "82",
        "commune": "82121",
        "capacite_places": 40,
        "nb_logements": 35,
        "type_offre": "COLLECTIF",
    }


def _convention(i: str, public: str, places: int) -> dict[str, object]:
    return {
        "id_convention": i,
        "id_residence": "R1",
        "financeur": "CD",
        "dept_financeur": "82",
        "public": public,
        "places_reservees": places,
        "modalite_financement": "SUBVENTION",
        "date_debut": "2022-01-01",
        "date_fin": "",
    }


HJ_82 = {
    2023: {
        "hj_residences": [_residence()],
        "hj_conventions": [_convention("C1", "CJM", 6), _convention("C2", "EX_MNA", 4)],
    },
    2024: {"hj_residences": [_residence()], "hj_conventions": [_convention("C2", "EX_MNA", 4)]},
}

# ---- Item 4 (Pyrénées-Atlantiques): F and G leave care on 2024-06-30, the eve of their 18th
# birthday (born 2006-07); each enters a CEJ at a different Mission Locale under the key A1.
F, G = pid(41), pid(42)
ASE_64 = {
    "ase_jeunes": [_jeune(F, "2006-07"), _jeune(G, "2006-07")],
    "ase_mesures": [
        _mesure("M1", F, "PLACEMENT_JUDICIAIRE", "2020-01-01", "2024-06-30", "MAJORITE"),
        _mesure("M2", G, "PLACEMENT_JUDICIAIRE", "2019-01-01", "2024-06-30", "MAJORITE"),
    ],
}


def _ml(who: str, code_ml: str, entree: str) -> dict[str, list[dict[str, object]]]:
    return {
        "ml_jeunes": [
            {
                "id_jeune": who,
                "code_ml": code_ml,
                "sexe": "M",
                "annee_mois_naissance": "2006-07",
                "commune_residence": "64445",
                "date_premier_accueil": entree,
                "niveau_formation": "3",
                "rqth": "0",
                "qpv": "0",
                "parcours_ase": "1",
            }
        ],
        "ml_accompagnements": [
            {
                "id_accompagnement": "A1",
                "id_jeune": who,
                "code_ml": code_ml,
                "dispositif": "CEJ",
                "date_entree": entree,
                "date_sortie": "",
                "motif_sortie": "",
            }
        ],
    }


# ---- Item 5 (Rhône): 69D delivered 2023 and 2024, 69M only 2023.
H, J, K = pid(51), pid(52), pid(53)  # born 2005-03, 2004-01, 2005-08
ASE_69 = {
    ("69D", 2023): {
        "ase_jeunes": [_jeune(H, "2005-03")],
        "ase_mesures": [_mesure("M1", H, "APJM", "2023-03-01", "2023-06-30", "DEMENAGEMENT")],
    },
    ("69M", 2023): {
        "ase_jeunes": [_jeune(H, "2005-03"), _jeune(J, "2004-01")],
        "ase_mesures": [
            # H moved from the Rhône to the Métropole the next day: an exit and an entry
            _mesure("M1", H, "APJM", "2023-07-01"),
            # ends in January 2024, known at the extraction: a 69M fact of 2024
            _mesure("M2", J, "APJM", "2022-06-01", "2024-01-15"),
        ],
    },
    ("69D", 2024): {
        "ase_jeunes": [_jeune(K, "2005-08")],
        "ase_mesures": [_mesure("M3", K, "CJM", "2024-02-01", "2024-09-30")],
    },
}

# ---- Item 7 (Ariège): the 2024 extract no longer holds P1's CJM (ended 2023-12-31 as known
# today), which the 2023 extract held running.
P1, P2, P3, P4, P5 = pid(71), pid(72), pid(73), pid(74), pid(75)
ASE_09 = {
    2023: {
        "ase_jeunes": [
            _jeune(P1, "2003-09"),
            _jeune(P2, "2003-09"),
            _jeune(P3, "2002-09"),
            _jeune(P4, "2004-03"),
            _jeune(P5, "2006-05"),
        ],
        "ase_mesures": [
            _mesure("M1", P1, "CJM", "2021-09-01"),
            _mesure("M2", P2, "CJM", "2021-09-01", "2023-06-30"),
            _mesure("M3", P3, "CJM", "2020-09-01", "2023-08-31"),
            _mesure("M4", P4, "CJM", "2022-03-01"),
            _mesure("M5", P5, "PLACEMENT_JUDICIAIRE", "2020-01-01"),
        ],
        "ase_sorties": [
            _sortie(P2, "2023-06-30", "LOGEMENT_SOCIAL"),
            _sortie(P3, "2023-08-31", "HEBERGEMENT_URGENCE"),
        ],
    },
    2024: {
        "ase_jeunes": [_jeune(P4, "2004-03"), _jeune(P5, "2006-05")],
        "ase_mesures": [
            _mesure("M4", P4, "CJM", "2022-03-01", "2024-05-31"),
            _mesure("M5", P5, "PLACEMENT_JUDICIAIRE", "2020-01-01"),
        ],
        "ase_sorties": [_sortie(P4, "2024-05-31", "SANS_SOLUTION")],
    },
}


def _write_raw(root: Path) -> None:
    for year, tables in ASE_33.items():
        write_delivery(root, "ase", "33", year, tables)
    for year, tables in HJ_82.items():
        write_delivery(root, "hj", "82", year, tables)
    write_delivery(root, "ase", "64", 2024, ASE_64)
    write_delivery(root, "ml", "64", 2024, _ml(F, "ML6401", "2024-08-01"), producteur="ML6401")
    write_delivery(root, "ml", "64", 2024, _ml(G, "ML6402", "2024-09-01"), producteur="ML6402")
    for (service, year), tables in ASE_69.items():
        write_delivery(root, "ase", service, year, tables)
    for year, tables in ASE_09.items():
        write_delivery(root, "ase", "09", year, tables)


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("definitions_1_1")
    _write_raw(root / "raw")
    settings = Settings(
        raw_dir=root / "raw",
        warehouse=root / "w.duckdb",
        marts_dir=root / "marts",
        reports_dir=root / "reports",
        check_date=CHECK,
    )
    messages: list[str] = []
    summary = run_pipeline(settings, say=messages.append)
    assert summary.exit_code == EXIT_OK, messages
    return settings.warehouse


def _rows(warehouse: Path, sql: str) -> list[tuple[object, ...]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


# ---- Item 3 --------------------------------------------------------------------------------


def test_a_measure_the_next_extract_no_longer_holds_ended_on_31_december(
    warehouse: Path,
) -> None:
    """D's APJM, running in the Gironde's 2023 extract and absent from its 2024 extract, ended on
    2023-12-31 (estimated); E's, in both, is still running."""
    assert _rows(
        warehouse,
        "select id_mesure, date_fin, fin_estimee from staging.stg_ase__mesures "
        "where dept_service = '33' order by id_mesure",
    ) == [("M1", dt.date(2023, 12, 31), True), ("M2", None, False)]


def test_the_dropped_record_is_no_young_adult_the_next_year_and_its_spell_ends(
    warehouse: Path,
) -> None:
    """Young adults of the Gironde: D and E in 2023, E alone in 2024 (1.0 counted D every later
    year). D's spell ends on 2023-12-31: an exit in 2023 (19 on 2024-01-01, born 2004-05),
    without review (INCONNU), flagged as estimated; he is not in care at the end of 2023: only E
    is, aged 18 (D would be 19). Keys are re-keyed in the warehouse: ages tell them apart."""
    assert _rows(
        warehouse,
        "select annee, nb_jeunes_majeurs_accompagnes, nb_sorties "
        "from marts.bilan_odpe where dept = '33' order by annee",
    ) == [(2023, 2, 1), (2024, 1, 0)]
    assert _rows(
        warehouse,
        "select date_sortie, tranche_age_sortie, logement_sortie, fin_estimee "
        "from intermediate.int_sorties_matched where dept_service = '33'",
    ) == [(dt.date(2023, 12, 31), "19", "INCONNU", True)]
    assert _rows(
        warehouse,
        "select annee_stock, age from intermediate.int_stocks_annualised "
        "where dept_service = '33' and annee_stock = 2023",
    ) == [(2023, 18)]


def test_a_dropped_convention_leaves_the_stock_of_places(warehouse: Path) -> None:
    """Tarn-et-Garonne, residence R1 (40 places): C1 (6 CD places) and C2 (4) run in 2023; the
    2024 extract holds C2 only, so C1 ended on 2023-12-31 and still counts on that day.
    2023: 10 places, 25 % > 15 %; 2024: 4 places, 10 %."""
    assert _rows(
        warehouse,
        "select annee, nb_conventions, places_conventionnees_cd, part_places_cd "
        "from marts.places_par_departement where dept = '82' order by annee",
    ) == [(2023, 2, 10, 0.25), (2024, 1, 4, 0.1)]
    assert _rows(
        warehouse,
        "select annee, places_conventionnees_cd, part_places_cd_max, depasse_plafond "
        "from marts.residences_plafond where dept = '82' order by annee",
    ) == [(2023, 10, 0.25, True), (2024, 4, 0.1, False)]
    assert _rows(
        warehouse,
        "select annee, places_financees_cd from marts.couverture_territoriale "
        "where dept = '82' order by annee",
    ) == [(2023, 10), (2024, 4)]


# ---- Item 4 --------------------------------------------------------------------------------


def test_two_missions_locales_keep_their_own_a1(warehouse: Path) -> None:
    assert _rows(
        warehouse,
        "select producteur, id_accompagnement, code_ml, date_entree "
        "from staging.stg_ml__accompagnements where dept_service = '64' order by producteur",
    ) == [
        ("ML6401", "A1", "ML6401", dt.date(2024, 8, 1)),
        ("ML6402", "A1", "ML6402", dt.date(2024, 9, 1)),
    ]


def test_both_cej_entries_count_in_delai_cej(warehouse: Path) -> None:
    """F and G leave care on 2024-06-30, the eve of their 18th birthday: two exits at 18. F
    enters a CEJ on 2024-08-01 (32 days), G on 2024-09-01 (63 days): both within six months.
    Quantiles over (32, 63): median 47.5, p25 39.75, p75 55.25. (With one A1 lost, one exit
    would have no CEJ.)"""
    assert _rows(
        warehouse,
        "select * from marts.delai_cej where dept = '64' and annee_sortie = 2024",
    ) == [(2024, "64", "Pyrénées-Atlantiques", False, 2, 0, 2, 0, 0, 0, 47.5, 39.75, 55.25, 2)]


# ---- Item 5 --------------------------------------------------------------------------------


def test_a_department_year_counts_only_its_delivering_services(warehouse: Path) -> None:
    """Rhône (69): 69D delivered 2023 and 2024, 69M only 2023.
    2023: H's APJM at 69D ends 2023-06-30 (18 the next day): an exit of 69D; H continues at 69M
    the next day: an entry there, not a return. Young adults: H (69D and 69M, once) and J (69M)
    = 2; entries: H (once) = 1.
    2024: K at 69D (CJM 2024-02-01 to 2024-09-30): 1 young adult, 1 entry, 1 exit. J's 69M exit
    (2024-01-15) and H's APJM still running at 69M are 69M facts of 2024, a year 69M did not
    deliver: not counted."""
    assert _rows(
        warehouse,
        "select annee, nb_jeunes_majeurs_accompagnes, nb_entrees_jeune_majeur, nb_sorties, "
        "nb_retours from marts.bilan_odpe where dept = '69' order by annee",
    ) == [(2023, 2, 1, 1, 0), (2024, 1, 1, 1, 0)]
    assert _rows(
        warehouse,
        "select annee, nb_sorties, nb_situation_inconnue "
        "from marts.sorties_ase_synthese where dept = '69' order by annee",
    ) == [(2023, 1, 1), (2024, 1, 1)]
    assert _rows(
        warehouse,
        "select annee, population, nb_jeunes from marts.part_ex_mna "
        "where dept = '69' order by annee, population",
    ) == [
        (2023, "JEUNES_MAJEURS", 2),
        (2023, "SORTIES", 1),
        (2024, "JEUNES_MAJEURS", 1),
        (2024, "SORTIES", 1),
    ]


# ---- Item 7 --------------------------------------------------------------------------------


def test_pdalhpd_estimate_uses_only_what_was_known_at_the_time(warehouse: Path) -> None:
    """Ariège, reference year 2023, from the 2023 extract only (vintage 2023):
    - in care on 2022-12-31: P1, P2 (19), P3 (20), P4 (18), P5 (16); in 2023 P2 and P3 leave
      (exits), the others stay. End and exit rates (the region is the Ariège alone, so the
      shrinkage towards it changes nothing): 18 → 0; 19 → 1/2; 20 → 1; 16, 17 → 0 (P5 stays,
      no one aged 17 observed); 21 → 1.
    - in care on 2023-12-31: P1 (20), P4 (19), P5 (17).
    - 2024: P1 × 1 + P4 × 1/2 + P5 × 0 = 1.5; 2025: P4 × (1 − 1/2) × 1 = 0.5 (P1 has left, P5 at
      18 does not leave); 2026: P5 × 1 × 1 × 1/2 = 0.5.
    - housing: exits of 2021–2023 with a known housing: P2 (social housing), P3 (emergency
      shelter): 1 in 2 needs a solution. Need: 0.75, 0.25, 0.25 (rounded half up: 0.8, 0.3,
      0.3).
    With today's data (the 2024 extract says P1's CJM ended on 2023-12-31) the rate at 19 would
    be 2/2 and P1 would not be in the stock: the estimate for 2024 would be 1.0, not 1.5.
    Backtest, as known today: of those in care on 2023-12-31 (P4, P5), P4 left in 2024 without
    a housing solution: 1 exit, need 1; errors (1.5 − 1) / 1 = 0.5 and (0.75 − 1) / 1 = −0.25.
    """
    assert _rows(
        warehouse,
        "select annee_projection, sorties_prevues, besoin_logement_central, "
        "part_sorties_a_loger, sorties_observees, besoin_logement_observe, "
        "erreur_relative_sorties, erreur_relative_besoin "
        "from marts.besoin_logement_pdalhpd where dept = '09' and annee_reference = 2023 "
        "order by annee_projection",
    ) == [
        (2024, 1.5, 0.8, 0.5, 1, 1.0, 0.5, -0.25),
        (2025, 0.5, 0.3, 0.5, None, None, None, None),
        (2026, 0.5, 0.3, 0.5, None, None, None, None),
    ]
    # only departments of the region are estimated (and the region, R76: the Ariège alone)
    assert _rows(
        warehouse, "select distinct dept from marts.besoin_logement_pdalhpd order by dept"
    ) == [("09",), ("R76",)]
