"""Marts for readers (docs/marts.md, « Pour les lecteurs ») through the real chain — gate,
promotion, dbt build, publication — on small deliveries of two departments of Occitanie written by
hand: the regional rows (`dept` = `R76`), `nom_territoire` and `provisoire`, in the warehouse
(exact) and in the published Parquet files (masked). Every expected figure is worked out below by
hand.

The deliveries:

- Aude (11), ASE 2023 only: A1…A12, born 2005-06, leave care on 2023-05-31, the eve of their
  18th birthday: twelve exits at 18. A1…A11 have an exit review the same day (autonomous
  housing, employment, wages) and a post-exit interview on 2023-10-01; A12 has none (situation
  INCONNU). A7…A12 are former unaccompanied minors. A1 enters a CEJ at the Aude's Mission
  Locale on 2023-07-01 (31 days after); A2 enters a Habitat Jeunes residence of the Aude on
  2023-07-15, on a place of a convention with the Aude's CD.
- Ariège (09), ASE 2023 and 2024: B1…B3, born 2005-06, leave care on 2023-05-31 without review;
  B1 enters a CEJ at the Ariège's Mission Locale on 2023-06-30 (30 days). B4, born 2006-03, turns
  17 in care on 2023-03-01 (no interview) and leaves on 2024-02-29 (the eve of 18), reviewed on
  2024-03-05 without housing, activity or resources (a dry exit); CEJ on 2024-11-15 (260 days).
  B5, born 2005-09, is under a young-adult contract (CJM) from 2023-09-01 to 2024-08-31: a
  young adult in 2023 and 2024, an entry in 2023, an exit at 19 in 2024, no review, no CEJ.
- Missions Locales (ML0901, ML1101) and Habitat Jeunes (Aude) deliver 2024: the observation
  ends on 2024-12-31 for both.

The region (R76) is the Ariège and the Aude; the eleven other departments of Occitanie have
no delivery (but appear, with zeros, where a mart lists every department of the region).
"""

import datetime as dt
from pathlib import Path

import duckdb
import polars as pl
import pytest
from helpers import OCCITANIE, pid, write_delivery

from pipelines.lib.contract.tables import ACTIVITES_SORTIE, LOGEMENTS_SORTIE, RESSOURCES_SORTIE
from pipelines.lib.publication.declarations import project_declarations
from pipelines.lib.settings import DBT_PROJECT_DIR, Settings
from pipelines.runner import EXIT_OK, run_pipeline

pytestmark = pytest.mark.integration
CHECK = dt.date(2025, 6, 1)
SEUIL = 11
DECLARATIONS = project_declarations(DBT_PROJECT_DIR)
A = {i: pid(100 + i) for i in range(1, 13)}
B = {i: pid(200 + i) for i in range(1, 6)}
AGES = ["18", "19", "20", "21_PLUS"]


def _jeune(who: str, born: str, mna: bool = False) -> dict[str, object]:
    return {"id_jeune": who, "sexe": "F", "annee_mois_naissance": born, "mna": int(mna)}


def _mesure(
    i: str, who: str, kind: str, start: str, end: str = "", motif: str = ""
) -> dict[str, object]:
    return {
        "id_mesure": i,
        "id_jeune": who,
        "type_mesure": kind,
        "mode_accueil": "MECS" if kind == "PLACEMENT_JUDICIAIRE" else "LOGEMENT_AUTONOME",
        "date_debut": start,
        "date_fin": end,
        "motif_fin": motif,
    }


def _sortie(who: str, day: str, logement: str, activite: str, ressources: str) -> dict[str, object]:
    return {
        "id_jeune": who,
        "date_sortie": day,
        "logement_sortie": logement,
        "activite_sortie": activite,
        "ressources_sortie": ressources,
    }


ASE_11_2023 = {
    "ase_jeunes": [_jeune(A[i], "2005-06", mna=i >= 7) for i in A],
    "ase_mesures": [
        _mesure(f"M{i}", A[i], "PLACEMENT_JUDICIAIRE", "2015-01-01", "2023-05-31", "MAJORITE")
        for i in A
    ],
    "ase_sorties": [
        _sortie(A[i], "2023-05-31", "LOGEMENT_AUTONOME", "EMPLOI", "SALAIRE") for i in range(1, 12)
    ],
    "ase_entretiens": [
        {
            "id_jeune": A[i],
            "type_entretien": "ENTRETIEN_POST_SORTIE",
            "date_entretien": "2023-10-01",
        }
        for i in range(1, 12)
    ],
}
ASE_09 = {
    2023: {
        "ase_jeunes": [
            *(_jeune(B[i], "2005-06") for i in (1, 2, 3)),
            _jeune(B[4], "2006-03"),
            _jeune(B[5], "2005-09"),
        ],
        "ase_mesures": [
            *(
                _mesure(
                    f"M{i}", B[i], "PLACEMENT_JUDICIAIRE", "2015-01-01", "2023-05-31", "MAJORITE"
                )
                for i in (1, 2, 3)
            ),
            # running at the 2023 extraction
            _mesure("M4", B[4], "PLACEMENT_JUDICIAIRE", "2016-01-01"),
            _mesure("M5", B[5], "CJM", "2023-09-01"),
        ],
    },
    2024: {
        "ase_jeunes": [_jeune(B[4], "2006-03"), _jeune(B[5], "2005-09")],
        "ase_mesures": [
            _mesure("M4", B[4], "PLACEMENT_JUDICIAIRE", "2016-01-01", "2024-02-29", "MAJORITE"),
            _mesure("M5", B[5], "CJM", "2023-09-01", "2024-08-31", "FIN_CONTRAT_JEUNE_MAJEUR"),
        ],
        "ase_sorties": [_sortie(B[4], "2024-03-05", "SANS_SOLUTION", "SANS_ACTIVITE", "AUCUNE")],
    },
}


def _ml(code_ml: str, commune: str, people: list[tuple[str, str, str]]) -> dict[str, object]:
    """One Mission Locale's 2024 delivery: (person, birth month, CEJ entry) each."""
    return {
        "ml_jeunes": [
            {
                "id_jeune": who,
                "code_ml": code_ml,
                "sexe": "F",
                "annee_mois_naissance": born,
                "commune_residence": commune,
                "date_premier_accueil": entree,
                "niveau_formation": "3",
                "rqth": "0",
                "qpv": "0",
                "parcours_ase": "1",
            }
            for who, born, entree in people
        ],
        "ml_accompagnements": [
            {
                "id_accompagnement": f"AC{n}",
                "id_jeune": who,
                "code_ml": code_ml,
                "dispositif": "CEJ",
                "date_entree": entree,
                "date_sortie": "",
                "motif_sortie": "",
            }
            for n, (who, _, entree) in enumerate(people, start=1)
        ],
        "ml_situations": [],
    }


HJ_11_2024 = {
    "hj_residences": [
        {
            "id_residence": "R1",
            "nom_residence": "Résidence du Canal",
            "association": "Association Habitat Jeunes de l'Aude",
            "dept": "11",
            "commune": "11069",
            "capacite_places": 40,
            "nb_logements": 35,
            "type_offre": "COLLECTIF",
        }
    ],
    "hj_conventions": [
        {
            "id_convention": "C1",
            "id_residence": "R1",
            "financeur": "CD",
            "dept_financeur": "11",
            "public": "CJM",
            "places_reservees": 4,
            "modalite_financement": "SUBVENTION",
            "date_debut": "2023-01-01",
            "date_fin": "",
        }
    ],
    "hj_sejours": [
        {
            "id_sejour": "S1",
            "id_jeune": A[2],
            "id_residence": "R1",
            "id_convention": "C1",
            "date_entree": "2023-07-15",
            "date_sortie": "",
            "statut_entree": "FORMATION",
            "prise_en_charge_ase": "1",
            "orientation": "ASE",
            "logement_sortie": "",
        }
    ],
}


def _write_raw(root: Path) -> None:
    write_delivery(root, "ase", "11", 2023, ASE_11_2023)
    for year, tables in ASE_09.items():
        write_delivery(root, "ase", "09", year, tables)
    write_delivery(
        root,
        "ml",
        "09",
        2024,
        _ml("ML0901", "09122", [(B[1], "2005-06", "2023-06-30"), (B[4], "2006-03", "2024-11-15")]),
    )
    write_delivery(
        root, "ml", "11", 2024, _ml("ML1101", "11069", [(A[1], "2005-06", "2023-07-01")])
    )
    write_delivery(root, "hj", "11", 2024, HJ_11_2024)


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    root = tmp_path_factory.mktemp("readers")
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
    return settings


def _exact(settings: Settings, sql: str) -> list[tuple[object, ...]]:
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def _published(settings: Settings, mart: str) -> pl.DataFrame:
    return pl.read_parquet(settings.marts_dir / f"{mart}.parquet")


def _masked(row: dict[str, object]) -> list[str]:
    label = row["cellules_masquees"]
    return label.split(", ") if isinstance(label, str) else []


# ---- the warehouse: exact values -----------------------------------------------------------


def test_exits_per_department_and_for_the_region(run: Settings) -> None:
    """2023: the Ariège's three exits, all of unknown situation; the Aude's twelve, one unknown;
    the region 15, 4 unknown, no dry exit: 0 / (15 − 4). 2024: the Ariège's B4 (dry) and B5
    (unknown): 1 / (2 − 1); the Aude did not deliver 2024, the region is the Ariège."""
    assert _exact(run, "select * from marts.sorties_ase_synthese order by annee, dept") == [
        (2023, "09", "Ariège", 3, 0, None, 3, 0),
        (2023, "11", "Aude", 12, 0, 0.0, 1, 0),
        (2023, "R76", "Occitanie", 15, 0, 0.0, 4, 0),
        (2024, "09", "Ariège", 2, 1, 1.0, 1, 0),
        (2024, "R76", "Occitanie", 2, 1, 1.0, 1, 0),
    ]


def test_margins_list_every_modality_and_add_up(run: Settings) -> None:
    """Each department-year has every modality of each dimension (4 ages, 8 housings, 8
    activities, 6 resources), zeros included, in the order of the code list; each dimension
    adds up to the year's exits. The region's 2023 rows: 15 exits at 18; 11 to autonomous
    housing, employment and wages; 4 unknown."""
    rows = _exact(
        run,
        "select annee, dept, nom_territoire, dimension, modalite, nb_sorties "
        "from marts.sorties_ase_marges",
    )
    grid = (
        [("tranche_age_sortie", m) for m in AGES]
        + [("logement_sortie", m) for m in LOGEMENTS_SORTIE]
        + [("activite_sortie", m) for m in ACTIVITES_SORTIE]
        + [("ressources_sortie", m) for m in RESSOURCES_SORTIE]
    )
    territories = [(2023, "09"), (2023, "11"), (2023, "R76"), (2024, "09"), (2024, "R76")]
    # the mart's own order: year, territory, then each code list in its order
    assert [(r[0], r[1], r[3], r[4]) for r in rows] == [
        (y, d, *g) for y, d in territories for g in grid
    ]
    region_2023 = {(r[3], r[4]): r[5] for r in rows if r[:2] == (2023, "R76") and r[5]}
    assert region_2023 == {
        ("tranche_age_sortie", "18"): 15,
        ("logement_sortie", "LOGEMENT_AUTONOME"): 11,
        ("logement_sortie", "INCONNU"): 4,
        ("activite_sortie", "EMPLOI"): 11,
        ("activite_sortie", "INCONNU"): 4,
        ("ressources_sortie", "SALAIRE"): 11,
        ("ressources_sortie", "INCONNU"): 4,
    }
    # 2024: B4 at 18 (dry), B5 at 19 (the day after 2024-08-31 she is 19), unknown situation
    ariege_2024 = {(r[3], r[4]): r[5] for r in rows if r[:2] == (2024, "09") and r[5]}
    assert ariege_2024 == {
        ("tranche_age_sortie", "18"): 1,
        ("tranche_age_sortie", "19"): 1,
        ("logement_sortie", "SANS_SOLUTION"): 1,
        ("logement_sortie", "INCONNU"): 1,
        ("activite_sortie", "SANS_ACTIVITE"): 1,
        ("activite_sortie", "INCONNU"): 1,
        ("ressources_sortie", "AUCUNE"): 1,
        ("ressources_sortie", "INCONNU"): 1,
    }
    assert {r[2] for r in rows if r[1] == "R76"} == {"Occitanie"}


def test_odpe_report_rows_provisional_and_regional_rates(run: Settings) -> None:
    """Provisional: each department's latest ASE year (the Ariège's 2024, the Aude's 2023) and
    every regional row holding one. Post-exit interviews 2023: the Ariège 0 of 3, the Aude 11
    of 12, the region 11 of 15 (not the mean of the rates). Exits followed by a Mission Locale:
    B1 of the Ariège's three, A1 of the Aude's twelve: 2 of 15 in the region; by Habitat Jeunes:
    A2, 1 of 15. 17-year interview: B4 (17 on 2023-03-01), none held."""
    assert _exact(
        run,
        "select annee, dept, nom_territoire, provisoire, nb_jeunes_majeurs_accompagnes, "
        "nb_entrees_jeune_majeur, nb_sorties, nb_sorties_seches, nb_eligibles_entretien_17_ans, "
        "nb_entretiens_17_ans, taux_entretien_17_ans, nb_eligibles_entretien_post_sortie, "
        "nb_entretiens_post_sortie, taux_entretien_post_sortie, part_sorties_suivies_ml, "
        "part_sorties_hebergees_hj from marts.bilan_odpe order by annee, dept",
    ) == [
        (2023, "09", "Ariège", False, 1, 1, 3, 0, 1, 0, 0.0, 3, 0, 0.0, 1 / 3, 0.0),
        (2023, "11", "Aude", True, 0, 0, 12, 0, 0, 0, None, 12, 11, 11 / 12, 1 / 12, 1 / 12),
        (2023, "R76", "Occitanie", True, 1, 1, 15, 0, 1, 0, 0.0, 15, 11, 11 / 15, 2 / 15, 1 / 15),
        # B4's exit + 183 days falls in 2024, B5's in 2025; B4 has a CEJ within the year
        (2024, "09", "Ariège", True, 1, 0, 2, 1, 0, 0, None, 1, 0, 0.0, 0.5, 0.0),
        (2024, "R76", "Occitanie", True, 1, 0, 2, 1, 0, 0, None, 1, 0, 0.0, 0.5, 0.0),
    ]


def test_cej_delays_quantiles_over_the_regions_exits(run: Settings) -> None:
    """2023: B1's CEJ 30 days after her exit, A1's 31; the others have none, and a full year of
    observation (2023-05-31 + 365 ≤ 2024-12-31): without CEJ. The region's quantiles are over
    (30, 31): 30.5, 30.25, 30.75. 2024: B4's CEJ after 260 days; B5 (exit 2024-08-31) has no
    year of observation yet: the row is provisional."""
    assert _exact(run, "select * from marts.delai_cej order by annee_sortie, dept") == [
        (2023, "09", "Ariège", False, 3, 0, 1, 0, 2, 0, 30.0, 30.0, 30.0, 1),
        (2023, "11", "Aude", False, 12, 0, 1, 0, 11, 0, 31.0, 31.0, 31.0, 1),
        (2023, "R76", "Occitanie", False, 15, 0, 2, 0, 13, 0, 30.5, 30.25, 30.75, 2),
        (2024, "09", "Ariège", True, 2, 0, 0, 1, 0, 1, 260.0, 260.0, 260.0, 1),
        (2024, "R76", "Occitanie", True, 2, 0, 0, 1, 0, 1, 260.0, 260.0, 260.0, 1),
    ]


def test_pathways_provisional_until_the_year_after_the_exit_is_delivered(run: Settings) -> None:
    """Missions Locales and Habitat Jeunes are observed up to 2024-12-31: the 2023 exits
    (2023-05-31 + 365 = 2024-05-30) are final, the 2024 exits are not."""
    rows = _exact(run, "select * from marts.parcours order by annee_sortie, dept, parcours")
    assert rows == [
        (2023, "09", "Ariège", False, "AUCUN", 2),
        (2023, "09", "Ariège", False, "HJ_SEUL", 0),
        (2023, "09", "Ariège", False, "ML_ET_HJ", 0),
        (2023, "09", "Ariège", False, "ML_SEUL", 1),
        (2023, "11", "Aude", False, "AUCUN", 10),
        (2023, "11", "Aude", False, "HJ_SEUL", 1),
        (2023, "11", "Aude", False, "ML_ET_HJ", 0),
        (2023, "11", "Aude", False, "ML_SEUL", 1),
        (2023, "R76", "Occitanie", False, "AUCUN", 12),
        (2023, "R76", "Occitanie", False, "HJ_SEUL", 1),
        (2023, "R76", "Occitanie", False, "ML_ET_HJ", 0),
        (2023, "R76", "Occitanie", False, "ML_SEUL", 2),
        (2024, "09", "Ariège", True, "AUCUN", 1),
        (2024, "09", "Ariège", True, "HJ_SEUL", 0),
        (2024, "09", "Ariège", True, "ML_ET_HJ", 0),
        (2024, "09", "Ariège", True, "ML_SEUL", 1),
        (2024, "R76", "Occitanie", True, "AUCUN", 1),
        (2024, "R76", "Occitanie", True, "HJ_SEUL", 0),
        (2024, "R76", "Occitanie", True, "ML_ET_HJ", 0),
        (2024, "R76", "Occitanie", True, "ML_SEUL", 1),
    ]


def test_ex_mna_shares_recomputed_from_the_regions_counts(run: Settings) -> None:
    """2023 exits: the Aude's A7…A12 are former unaccompanied minors (6 of 12), the Ariège's
    none (0 of 3): the region 6 of 15 = 0.4 (the mean of the shares would be 0.25). A2, housed
    on a CD place in the Aude in 2024, is not one."""
    assert _exact(run, "select * from marts.part_ex_mna order by annee, population, dept") == [
        (2023, "09", "Ariège", "JEUNES_MAJEURS", 1, 0, 0.0),
        (2023, "11", "Aude", "JEUNES_MAJEURS", 0, 0, None),
        (2023, "R76", "Occitanie", "JEUNES_MAJEURS", 1, 0, 0.0),
        (2023, "09", "Ariège", "SORTIES", 3, 0, 0.0),
        (2023, "11", "Aude", "SORTIES", 12, 6, 0.5),
        (2023, "R76", "Occitanie", "SORTIES", 15, 6, 0.4),
        (2024, "11", "Aude", "HJ_CONVENTION_CD", 1, 0, 0.0),
        (2024, "R76", "Occitanie", "HJ_CONVENTION_CD", 1, 0, 0.0),
        (2024, "09", "Ariège", "JEUNES_MAJEURS", 1, 0, 0.0),
        (2024, "R76", "Occitanie", "JEUNES_MAJEURS", 1, 0, 0.0),
        (2024, "09", "Ariège", "SORTIES", 2, 0, 0.0),
        (2024, "R76", "Occitanie", "SORTIES", 2, 0, 0.0),
    ]


def test_places_and_coverage_of_the_region(run: Settings) -> None:
    """Every department of the region has a row, and the region one more: the Aude's residence
    (40 places, 4 reserved by its CD, 10 %). Coverage 2024: two Missions Locales; the Aude's CD
    finances 4 places but the Aude has no ASE delivery for 2024, so the region's ratio counts
    only the Ariège (0 places for its 1 young adult)."""
    places = _exact(run, "select * from marts.places_par_departement order by dept")
    assert [r[1] for r in places] == [*OCCITANIE, "R76"]
    assert places[-1] == (2024, "R76", "Occitanie", 1, 40, 1, 4, 4, 4, 0, 0, 0, 0, 0.1)
    assert ("11", "Aude") in {(r[1], r[2]) for r in places}
    coverage = _exact(
        run,
        "select annee, dept, nom_territoire, nb_missions_locales, nb_residences_hj, capacite_hj, "
        "places_financees_cd, nb_jeunes_majeurs_accompagnes, places_cd_pour_100_jeunes_majeurs, "
        "sans_offre_hj from marts.couverture_territoriale "
        "where dept in ('09', '11', 'R76') order by annee, dept",
    )
    assert coverage == [
        # no HJ delivery in 2023: "sans offre" is unknown
        (2023, "09", "Ariège", 0, 0, 0, 0, 1, 0.0, None),
        (2023, "11", "Aude", 0, 0, 0, 0, 0, None, None),
        (2023, "R76", "Occitanie", 0, 0, 0, 0, 1, 0.0, None),
        (2024, "09", "Ariège", 1, 0, 0, 0, 1, 0.0, True),
        (2024, "11", "Aude", 1, 1, 40, 4, None, None, False),
        (2024, "R76", "Occitanie", 2, 1, 40, 4, 1, 0.0, False),
    ]


def test_housing_estimate_has_a_regional_row(run: Settings) -> None:
    """Reference 2024: only the Ariège has a delivery and a stock (none: everybody has left by
    the end of 2024), reference 2023: the Ariège's B4 and B5 in care on 2023-12-31, the Aude's
    stock is empty: a row of zeros (a department that delivered, with nobody left to leave care,
    expects no exit). The region's expected exits are its departments' (here the Ariège's)."""
    rows = _exact(
        run,
        "select annee_reference, annee_projection, dept, nom_territoire, sorties_prevues "
        "from marts.besoin_logement_pdalhpd order by annee_reference, annee_projection, dept",
    )
    by_key = {(r[0], r[1], r[2]): r[4] for r in rows}
    regional = {k: v for k, v in by_key.items() if k[2] == "R76"}
    assert regional and {k[:2] for k in regional} == {k[:2] for k in by_key if k[2] == "09"}
    for (ref, proj, _), value in regional.items():
        assert value == by_key[(ref, proj, "09")]
    aude = {k: v for k, v in by_key.items() if k[2] == "11"}
    assert aude and set(aude.values()) == {0.0}
    assert {r[3] for r in rows} == {"Ariège", "Aude", "Occitanie"}


# ---- the publication: masked values --------------------------------------------------------


def test_every_published_mart_names_its_territories(run: Settings) -> None:
    """`nom_territoire` right after `dept` in every published mart that has a `dept`; regional
    rows read Occitanie; no service code (69D, 69M) is ever published."""
    for mart in DECLARATIONS.names:
        frame = _published(run, mart)
        if "dept" not in frame.columns:
            continue
        assert frame.columns[frame.columns.index("dept") + 1] == "nom_territoire", mart
        assert frame["nom_territoire"].null_count() == 0, mart
        regional = frame.filter(pl.col("dept") == "R76")
        assert set(regional["nom_territoire"]) <= {"Occitanie"}, mart
        assert not set(frame["dept"]) & {"69D", "69M"}, mart


def test_published_exits_mask_the_department_the_region_would_give_back(run: Settings) -> None:
    """2023: the Ariège's 3 exits are masked (1 to 10 persons); the region's 15 stay visible,
    so the Aude's 12 are masked too — otherwise 15 − 12 would give the Ariège's 3 back. The
    unknown situations (3, 1, 4) are all small; the shares over them are masked with them; the
    Ariège's share is "sans objet" (no exit of known situation), not masked. 2024: everything
    about two exits is small."""
    frame = _published(run, "sorties_ase_synthese")
    rows = [
        (r["annee"], r["dept"], r["nb_sorties"], r["part_sorties_seches"], _masked(r))
        for r in frame.iter_rows(named=True)
    ]
    assert rows == [
        (2023, "09", None, None, ["nb_sorties", "nb_situation_inconnue"]),
        (2023, "11", None, None, ["nb_sorties", "part_sorties_seches", "nb_situation_inconnue"]),
        (2023, "R76", 15, None, ["part_sorties_seches", "nb_situation_inconnue"]),
        (
            2024,
            "09",
            None,
            None,
            ["nb_sorties", "nb_sorties_seches", "part_sorties_seches", "nb_situation_inconnue"],
        ),
        (
            2024,
            "R76",
            None,
            None,
            ["nb_sorties", "nb_sorties_seches", "part_sorties_seches", "nb_situation_inconnue"],
        ),
    ]


def test_published_odpe_report_keeps_provisional_flags_and_regional_rates(run: Settings) -> None:
    """Flags are never masked. Post-exit interviews 2023: the region's rate (11 of 15 = 0.7333)
    is published; the Ariège's (over 3 persons) and the Aude's (whose 12 eligible exits are
    masked, as above) are not."""
    frame = _published(run, "bilan_odpe")
    assert [(r["annee"], r["dept"], r["provisoire"]) for r in frame.iter_rows(named=True)] == [
        (2023, "09", False),
        (2023, "11", True),
        (2023, "R76", True),
        (2024, "09", True),
        (2024, "R76", True),
    ]
    rates = {
        (r["annee"], r["dept"]): (r["nb_sorties"], r["taux_entretien_post_sortie"])
        for r in frame.iter_rows(named=True)
        if r["annee"] == 2023
    }
    assert rates == {
        (2023, "09"): (None, None),
        (2023, "11"): (None, None),
        (2023, "R76"): (15, 0.7333),
    }
    for mart, column in (("delai_cej", "annee_sortie"), ("parcours", "annee_sortie")):
        flags = _published(run, mart).group_by(column, "dept").agg(pl.col("provisoire").all())
        assert dict(
            zip(zip(flags[column], flags["dept"], strict=True), flags["provisoire"], strict=True)
        ) == {
            (2023, "09"): False,
            (2023, "11"): False,
            (2023, "R76"): False,
            (2024, "09"): True,
            (2024, "R76"): True,
        }, mart


def test_no_published_count_of_one_to_ten_persons(run: Settings) -> None:
    for mart in DECLARATIONS.names:
        frame = _published(run, mart)
        for column in DECLARATIONS.mart(mart).of_class("effectif"):
            small = frame.filter(pl.col(column).is_between(1, SEUIL - 1))
            assert small.height == 0, (mart, column)
    marges = _published(run, "sorties_ase_marges")
    ariege = marges.filter(
        (pl.col("annee") == 2023) & (pl.col("dept") == "09") & (pl.col("modalite") == "18")
    )
    assert ariege["nb_sorties"].to_list() == [None]  # her three exits at 18
    assert marges.height == 5 * 26  # five territory-years, every modality
    # places are not persons: never masked, region included
    places = _published(run, "places_par_departement").filter(pl.col("dept") == "R76")
    assert places.select("capacite_places", "places_conventionnees_cd").row(0) == (40, 4)
