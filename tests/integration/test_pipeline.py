"""The whole chain — Dagster assets, quality gate, promotion, dbt build, publication — on small
deliveries written by hand, whose marts were worked out by hand from docs/marts.md (1.1: an exit is
judged on the day after the spell ends; places are a stock on 31 December; published marts with
one row per department carry `nom_territoire` and a regional row `R76`, here the Ariège's and
the Lot's figures, the only departments of Occitanie with deliveries)."""

import datetime as dt
import hashlib
import json
import shutil
from pathlib import Path

import duckdb
import pytest
from helpers import OCCITANIE, pid, valid_ml, write_delivery

from pipelines.lib.publication.declarations import project_declarations
from pipelines.lib.settings import DBT_PROJECT_DIR, Settings
from pipelines.runner import EXIT_OK, EXIT_REFUSED, run_pipeline

pytestmark = pytest.mark.integration
# The published marts, as the dbt models declare them.
MARTS = project_declarations(DBT_PROJECT_DIR).names
CHECK = dt.date(2025, 6, 1)
A, B, C = pid(1), pid(2), pid(3)


def _mesure(
    i: str, who: str, kind: str, mode: str, start: str, end: str = "", motif: str = ""
) -> dict[str, object]:
    return {
        "id_mesure": i,
        "id_jeune": who,
        "type_mesure": kind,
        "mode_accueil": mode,
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


JEUNES = [
    {"id_jeune": A, "sexe": "F", "annee_mois_naissance": "2006-03", "mna": "0"},
    {"id_jeune": B, "sexe": "M", "annee_mois_naissance": "2005-06", "mna": "1"},
    {"id_jeune": C, "sexe": "M", "annee_mois_naissance": "2004-02", "mna": "0"},
]
ASE_2023 = {
    "ase_jeunes": JEUNES,
    "ase_mesures": [
        # running at the 2023 extraction: the 2024 extract's version must win
        _mesure("M1", A, "PLACEMENT_JUDICIAIRE", "MECS", "2020-01-01"),
        _mesure("M3", B, "PLACEMENT_JUDICIAIRE", "MECS", "2021-01-01", "2023-05-31", "MAJORITE"),
        _mesure("M4", B, "CJM", "HABITAT_JEUNES", "2023-06-01"),
        _mesure("M5", C, "CJM", "LOGEMENT_AUTONOME", "2022-02-01"),
    ],
}
ASE_2024 = {
    "ase_jeunes": JEUNES,
    "ase_mesures": [
        # A leaves on 2024-02-29, the eve of her 18th birthday (born 2006-03): an exit at 18
        # (docs/marts.md: 18 on the day after); she comes back at 18 after 46 days (a return)
        _mesure("M1", A, "PLACEMENT_JUDICIAIRE", "MECS", "2020-01-01", "2024-02-29", "MAJORITE"),
        _mesure(
            "M2",
            A,
            "APJM",
            "LOGEMENT_AUTONOME",
            "2024-04-15",
            "2024-10-31",
            "FIN_CONTRAT_JEUNE_MAJEUR",
        ),
        # B: M3 (2023 extract only) chains with M4; exit at 19 on 2024-06-30
        _mesure(
            "M4", B, "CJM", "HABITAT_JEUNES", "2023-06-01", "2024-06-30", "FIN_CONTRAT_JEUNE_MAJEUR"
        ),
        # C: exit at 19 on 2024-01-20 without exit review
        _mesure(
            "M5", C, "CJM", "LOGEMENT_AUTONOME", "2022-02-01", "2024-01-20", "DEMANDE_DU_JEUNE"
        ),
    ],
    "ase_sorties": [
        _sortie(A, "2024-11-05", "SANS_SOLUTION", "SANS_ACTIVITE", "AUCUNE"),
        _sortie(B, "2024-06-30", "LOGEMENT_AUTONOME", "EMPLOI", "SALAIRE"),
    ],
}


def _residence(i: str, capacity: int) -> dict[str, object]:
    return {
        "id_residence": i,
        "nom_residence": f"Résidence {i}",
        "association": "Association HJ du Lot",
        "dept": "46",
        "commune": "46042",
        "capacite_places": capacity,
        "nb_logements": capacity - 5,
        "type_offre": "COLLECTIF",
    }


def _convention(
    i: str,
    res: str,
    fin: str,
    dept_fin: str,
    public: str,
    places: int,
    mod: str,
    start: str,
    end: str = "",
) -> dict[str, object]:
    return {
        "id_convention": i,
        "id_residence": res,
        "financeur": fin,
        "dept_financeur": dept_fin,
        "public": public,
        "places_reservees": places,
        "modalite_financement": mod,
        "date_debut": start,
        "date_fin": end,
    }


def _sejour(
    i: str, who: str, res: str, conv: str, start: str, end: str = "", logement: str = ""
) -> dict[str, object]:
    return {
        "id_sejour": i,
        "id_jeune": who,
        "id_residence": res,
        "id_convention": conv,
        "date_entree": start,
        "date_sortie": end,
        "statut_entree": "FORMATION",
        "prise_en_charge_ase": "1" if conv else "0",
        "orientation": "ASE" if conv else "SPONTANEE",
        "logement_sortie": logement,
    }


HJ_2024 = {
    "hj_residences": [_residence("R1", 40), _residence("R2", 20)],
    "hj_conventions": [
        _convention("C1", "R1", "CD", "24", "CJM", 4, "SUBVENTION", "2020-01-01"),
        _convention(
            "C2", "R1", "CD", "46", "EX_MNA", 2, "PRIX_DE_JOURNEE", "2024-01-01", "2024-12-31"
        ),
        _convention(
            "C3",
            "R2",
            "ETAT",
            "",
            "JEUNES_RUPTURE",
            3,
            "DOTATION_GLOBALE",
            "2023-01-01",
            "2023-12-31",
        ),
    ],
    "hj_sejours": [
        _sejour("S1", pid(11), "R1", "C1", "2024-03-01", "2024-03-31", "LOGEMENT_AUTONOME"),
        _sejour("S2", pid(12), "R1", "C1", "2024-12-01"),
        _sejour("S3", A, "R1", "C2", "2024-11-01", "2024-11-30", "FAMILLE_PROCHES"),
        _sejour("S4", pid(13), "R2", "", "2024-02-01"),
    ],
}


def _write_raw(root: Path) -> None:
    write_delivery(root, "ase", "09", 2023, ASE_2023)
    write_delivery(root, "ase", "09", 2024, ASE_2024, encoding="cp1252")
    write_delivery(root, "hj", "46", 2024, HJ_2024, delimiter=",")
    write_delivery(root, "ml", "09", 2024, valid_ml())


def _digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _mart(settings: Settings, mart: str, order: str) -> list[tuple[object, ...]]:
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        return con.execute(f"select * from marts.{mart} order by {order}").fetchall()


@pytest.fixture(scope="module")
def first_run(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Settings, int, dict[str, str], list[str]]:
    root = tmp_path_factory.mktemp("hand")
    raw = root / "raw"
    _write_raw(raw)
    before = _digest(raw)
    settings = Settings(
        raw_dir=raw,
        warehouse=root / "w.duckdb",
        marts_dir=root / "marts",
        reports_dir=root / "reports",
        check_date=CHECK,
    )
    messages: list[str] = []
    summary = run_pipeline(settings, say=messages.append)
    return settings, summary.exit_code, before, messages


def test_run_accepts_everything_and_prints_progress(
    first_run: tuple[Settings, int, dict[str, str], list[str]],
) -> None:
    settings, code, before, messages = first_run
    assert code == EXIT_OK, messages
    assert any("contrôle qualité" in m for m in messages)
    assert any("publication des marts" in m for m in messages)
    assert _digest(settings.raw_dir) == before  # raw files unchanged byte for byte


def test_sorties_ase_by_hand(first_run: tuple[Settings, int, dict[str, str], list[str]]) -> None:
    """Four exits in 2024. A's first spell ends on 2024-02-29, the eve of her 18th birthday: an
    exit at 18 (1.0 missed it), without review within 31 days (hers, 2024-11-05, is 250 days
    away): INCONNU. A's second spell ends on 2024-10-31 at 18, review 5 days later. B's ends on
    2024-06-30 (19 on 2024-07-01), review the same day. C's ends on 2024-01-20 at 19, no review."""
    settings = first_run[0]
    assert _mart(settings, "sorties_ase", "annee, dept, tranche_age_sortie, logement_sortie") == [
        (2024, "09", "18", "INCONNU", "INCONNU", "INCONNU", 1),
        (2024, "09", "18", "SANS_SOLUTION", "SANS_ACTIVITE", "AUCUNE", 1),
        (2024, "09", "19", "INCONNU", "INCONNU", "INCONNU", 1),
        (2024, "09", "19", "LOGEMENT_AUTONOME", "EMPLOI", "SALAIRE", 1),
    ]


def test_sorties_ase_synthese_by_hand(
    first_run: tuple[Settings, int, dict[str, str], list[str]],
) -> None:
    settings = first_run[0]
    # 2024: 4 exits (A twice, B, C), 1 dry (A's second), 2 unknown (A's first, C): 1 / (4 − 2);
    # the region (R76) holds the Ariège alone
    assert _mart(settings, "sorties_ase_synthese", "annee, dept") == [
        (2023, "09", "Ariège", 0, 0, None, 0, 0),
        (2023, "R76", "Occitanie", 0, 0, None, 0, 0),
        (2024, "09", "Ariège", 4, 1, 0.5, 2, 1),
        (2024, "R76", "Occitanie", 4, 1, 0.5, 2, 1),
    ]


def test_places_conventions_by_hand(
    first_run: tuple[Settings, int, dict[str, str], list[str]],
) -> None:
    settings = first_run[0]
    # the last column is the producer: empty, one association delivers for the Lot
    assert _mart(settings, "places_conventions", "annee, id_convention") == [
        (2024, "46", "Lot", "R1", "C1", "CD", "24", "CJM", "SUBVENTION", 4, 2, 62, 62 / 1464, ""),
        (
            2024,
            "46",
            "Lot",
            "R1",
            "C2",
            "CD",
            "46",
            "EX_MNA",
            "PRIX_DE_JOURNEE",
            2,
            1,
            30,
            30 / 732,
            "",
        ),
    ]


def test_residences_plafond_by_hand(
    first_run: tuple[Settings, int, dict[str, str], list[str]],
) -> None:
    """R1: C1 (4 places, no end) and C2 (2 places, 2024-01-01 to 2024-12-31): 6 on 31 December
    and 6 on the busiest day (1 January), exactly 15 % of 40: not over. C3 (R2) ended in 2023."""
    settings = first_run[0]
    assert _mart(settings, "residences_plafond", "annee, id_residence") == [
        (2024, "46", "Lot", "R1", "Résidence R1", 40, 6, 0.15, 0.15, False, 6, ""),
        (2024, "46", "Lot", "R2", "Résidence R2", 20, 0, 0.0, 0.0, False, 0, ""),
    ]


def test_places_par_departement_by_hand(
    first_run: tuple[Settings, int, dict[str, str], list[str]],
) -> None:
    settings = first_run[0]
    rows = _mart(settings, "places_par_departement", "annee, dept")
    assert [r[1] for r in rows] == [*OCCITANIE, "R76"]
    by_dept = {r[1]: r for r in rows}
    assert by_dept["46"] == (2024, "46", "Lot", 2, 60, 2, 6, 6, 4, 2, 0, 0, 0, 0.1)
    assert by_dept["48"] == (2024, "48", "Lozère", 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, None)
    # the region: the Lot's offer, the twelve others have none
    assert by_dept["R76"] == (2024, "R76", "Occitanie", 2, 60, 2, 6, 6, 4, 2, 0, 0, 0, 0.1)


def test_delai_cej_by_hand(first_run: tuple[Settings, int, dict[str, str], list[str]]) -> None:
    """A (born 2006-03) enters a CEJ on 2024-11-15, after her 18th birthday: 260 days after her
    first exit (2024-02-29, 184 to 365: twelve months) and 15 days after her second (2024-10-31):
    the same entry serves both. B and C have no CEJ and less than a year of observation (ML
    observed up to 2024-12-31). Quantiles over (15, 260): 137.5, 76.25, 198.75. 2024 is
    provisional (B and C may still enter a CEJ); the region is the Ariège."""
    settings = first_run[0]
    assert _mart(settings, "delai_cej", "annee_sortie, dept") == [
        (2023, "09", "Ariège", False, 0, 0, 0, 0, 0, 0, None, None, None, 0),
        (2023, "R76", "Occitanie", False, 0, 0, 0, 0, 0, 0, None, None, None, 0),
        (2024, "09", "Ariège", True, 4, 0, 1, 1, 0, 2, 137.5, 76.25, 198.75, 2),
        (2024, "R76", "Occitanie", True, 4, 0, 1, 1, 0, 2, 137.5, 76.25, 198.75, 2),
    ]


def test_parcours_by_hand(first_run: tuple[Settings, int, dict[str, str], list[str]]) -> None:
    settings = first_run[0]
    rows = _mart(settings, "parcours", "annee_sortie, dept, parcours")
    # A's two exits: her CEJ and her stay in November 2024 are within 365 days of both. ML and
    # HJ are delivered up to 2024: every 2024 exit's year after is not fully observed yet.
    assert [r for r in rows if r[0] == 2024 and r[1] == "09"] == [
        (2024, "09", "Ariège", True, "AUCUN", 2),
        (2024, "09", "Ariège", True, "HJ_SEUL", 0),
        (2024, "09", "Ariège", True, "ML_ET_HJ", 2),
        (2024, "09", "Ariège", True, "ML_SEUL", 0),
    ]
    assert [r[2:] for r in rows if r[0] == 2024 and r[1] == "R76"] == [
        ("Occitanie", True, "AUCUN", 2),
        ("Occitanie", True, "HJ_SEUL", 0),
        ("Occitanie", True, "ML_ET_HJ", 2),
        ("Occitanie", True, "ML_SEUL", 0),
    ]
    # no exit in 2023: zeros, nothing to wait for
    assert [r[3:] for r in rows if r[0] == 2023 and r[1] == "09"] == [
        (False, "AUCUN", 0),
        (False, "HJ_SEUL", 0),
        (False, "ML_ET_HJ", 0),
        (False, "ML_SEUL", 0),
    ]


def test_part_ex_mna_by_hand(first_run: tuple[Settings, int, dict[str, str], list[str]]) -> None:
    settings = first_run[0]
    assert _mart(settings, "part_ex_mna", "annee, dept, population") == [
        (2023, "09", "Ariège", "JEUNES_MAJEURS", 2, 1, 0.5),
        (2023, "09", "Ariège", "SORTIES", 0, 0, None),
        (2023, "R76", "Occitanie", "JEUNES_MAJEURS", 2, 1, 0.5),
        (2023, "R76", "Occitanie", "SORTIES", 0, 0, None),
        (2024, "09", "Ariège", "JEUNES_MAJEURS", 3, 1, 1 / 3),
        (2024, "09", "Ariège", "SORTIES", 3, 1, 1 / 3),
        # only A is known to an ASE delivery among the residents under CD conventions
        (2024, "46", "Lot", "HJ_CONVENTION_CD", 1, 0, 0.0),
        (2024, "R76", "Occitanie", "HJ_CONVENTION_CD", 1, 0, 0.0),
        (2024, "R76", "Occitanie", "JEUNES_MAJEURS", 3, 1, 1 / 3),
        (2024, "R76", "Occitanie", "SORTIES", 3, 1, 1 / 3),
    ]


def test_bilan_odpe_by_hand(first_run: tuple[Settings, int, dict[str, str], list[str]]) -> None:
    settings = first_run[0]
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        rows = con.execute(
            "select annee, dept, nom_territoire, provisoire, nb_jeunes_majeurs_accompagnes, "
            "nb_entrees_jeune_majeur, nb_sorties, "
            "nb_sorties_seches, nb_retours, nb_eligibles_entretien_17_ans, nb_entretiens_17_ans, "
            "taux_entretien_17_ans, nb_eligibles_entretien_post_sortie, "
            "nb_entretiens_post_sortie, nb_projets_autonomie, part_besoin_logement_couvert, "
            "part_sorties_suivies_ml, part_sorties_hebergees_hj "
            "from marts.bilan_odpe order by annee, dept"
        ).fetchall()
    figures = [
        # A turns 17 on 2023-03-01 in care, without interview
        (2, 1, 0, 0, 0, 1, 0, 0.0, 0, 0, 0, None, None, None),
        # A's first exit, B's and C's: exit + 183 days in 2024; A's second comes in 2025.
        # A's two exits of the four have ML and HJ in their window.
        (3, 1, 4, 1, 1, 0, 0, None, 3, 0, 0, None, 0.5, 0.5),
    ]
    # 2024 is the Ariège's latest ASE year: provisional; the region (R76) is the Ariège
    assert rows == [
        (2023, "09", "Ariège", False, *figures[0]),
        (2023, "R76", "Occitanie", False, *figures[0]),
        (2024, "09", "Ariège", True, *figures[1]),
        (2024, "R76", "Occitanie", True, *figures[1]),
    ]


def test_couverture_territoriale_by_hand(
    first_run: tuple[Settings, int, dict[str, str], list[str]],
) -> None:
    settings = first_run[0]
    by_dept = {
        r[1]: r for r in _mart(settings, "couverture_territoriale", "annee, dept") if r[0] == 2024
    }
    assert by_dept["09"] == (2024, "09", "Ariège", 1, 0, 0, 0, 3, 0.0, True, True, True)
    # places financed by the Lot's CD (1.1): C2 only (2 places, active on 31 December); C1's 4
    # places are financed by the Dordogne's CD (24)
    assert by_dept["46"] == (2024, "46", "Lot", 0, 2, 60, 2, None, None, False, False, False)
    # the region: the sums; its ratio counts only the Ariège, the only one with an ASE delivery
    # (0 places for 3 young adults)
    assert by_dept["R76"] == (2024, "R76", "Occitanie", 1, 2, 60, 2, 3, 0.0, False, True, True)


def test_published_in_three_forms(
    first_run: tuple[Settings, int, dict[str, str], list[str]],
) -> None:
    settings = first_run[0]
    for mart in MARTS:
        assert (settings.marts_dir / f"{mart}.parquet").exists()
        csv = (settings.marts_dir / f"{mart}.csv").read_bytes()
        assert csv.startswith(b"\xef\xbb\xbf")
        assert csv[3:].split(b"\n", 1)[0].count(b";") >= 2
    with duckdb.connect(str(settings.marts_dir / "observatoire.duckdb"), read_only=True) as con:
        tables = {r[0] for r in con.execute("show tables").fetchall()}
        assert tables == {*MARTS, "dictionnaire", "livraisons"}
        assert con.execute(
            "select nb_sorties from sorties_ase_synthese where annee = 2023 and dept = '09'"
        ).fetchone() == (0,)
        columns = {r[0] for m in MARTS for r in con.execute(f"describe {m}").fetchall()}
    assert "id_jeune" not in columns
    synthese = (settings.marts_dir / "sorties_ase_synthese.csv").read_text(encoding="utf-8-sig")
    # counts of 1 to 10 persons are masked; zero is not; the row says which cells are masked
    masked = "nb_sorties, nb_sorties_seches, part_sorties_seches, nb_situation_inconnue, nb_retours"
    assert synthese.splitlines()[1:] == [
        "2023;09;Ariège;0;0;;0;0;",
        "2023;R76;Occitanie;0;0;;0;0;",
        f"2024;09;Ariège;;;;;;{masked}",
        f"2024;R76;Occitanie;;;;;;{masked}",
    ]
    places = (settings.marts_dir / "residences_plafond.csv").read_text(encoding="utf-8-sig")
    assert "2024;46;Lot;R1;Résidence R1;40;6;0,15;0,15;non;6;" in places  # never masked


def test_reports_are_written_for_every_delivery(
    first_run: tuple[Settings, int, dict[str, str], list[str]],
) -> None:
    settings = first_run[0]
    names = sorted(p.name for p in (settings.reports_dir / "livraisons").glob("*.json"))
    assert names == ["ase_09_2023.json", "ase_09_2024.json", "hj_46_2024.json", "ml_09_2024.json"]
    report = json.loads((settings.reports_dir / "livraisons" / "hj_46_2024.json").read_text())
    assert report["statut"] == "acceptee" and report["problemes"] == []


def test_rerun_changes_nothing(first_run: tuple[Settings, int, dict[str, str], list[str]]) -> None:
    settings = first_run[0]
    marts_before = {m: _mart(settings, m, "all") for m in MARTS}
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        loads_before = con.execute(
            "select _livraison, promue_le from audit.acceptees order by 1"
        ).fetchall()
    messages: list[str] = []
    rerun = run_pipeline(settings, say=messages.append)
    assert rerun.exit_code == EXIT_OK and rerun.nothing_new  # nothing read, judged or built
    assert any(m.startswith("Rien de nouveau") for m in messages)
    assert {m: _mart(settings, m, "all") for m in MARTS} == marts_before
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        assert (
            con.execute("select _livraison, promue_le from audit.acceptees order by 1").fetchall()
            == loads_before
        )


def test_bad_redelivery_changes_no_mart_value(
    first_run: tuple[Settings, int, dict[str, str], list[str]], tmp_path: Path
) -> None:
    settings = first_run[0]
    marts_before = {m: _mart(settings, m, "all") for m in MARTS}
    published_before = _digest(settings.marts_dir)
    raw = tmp_path / "raw"
    shutil.copytree(settings.raw_dir, raw)
    bad = {k: [dict(r) for r in v] for k, v in ASE_2024.items()}
    bad["ase_mesures"][1]["type_mesure"] = "CONTRAT"  # not a code of the list
    bad["ase_sorties"].pop()  # a real change, so that an accepted version would differ
    write_delivery(raw, "ase", "09", 2024, bad)
    before = _digest(raw)
    messages: list[str] = []
    again = Settings(
        raw_dir=raw,
        warehouse=settings.warehouse,
        marts_dir=settings.marts_dir,
        reports_dir=settings.reports_dir,
        check_date=CHECK,
    )
    summary = run_pipeline(again, say=messages.append)
    assert summary.exit_code == EXIT_REFUSED
    assert summary.refused == ["ase-09-2024"]
    assert {m: _mart(settings, m, "all") for m in MARTS} == marts_before
    assert _digest(raw) == before
    report = json.loads((settings.reports_dir / "livraisons" / "ase_09_2024.json").read_text())
    assert report["statut"] == "refusee"
    assert [(p["fichier"], p["colonne"], p["regle"], p["lignes"]) for p in report["problemes"]] == [
        ("ase_mesures.csv", "type_mesure", "CODE_HORS_LISTE", [3])
    ]
    # the other deliveries, unchanged, were not read again; the marts' values are the same
    assert summary.accepted == []
    assert set(summary.unchanged_accepted) == {"ase-09-2023", "hj-46-2024", "ml-09-2024"}
    assert published_before.keys() == _digest(settings.marts_dir).keys()


def test_generated_demo_runs_clean(tmp_path: Path) -> None:
    from demo.generator import generate

    generate(tmp_path / "raw", seed=11, years=range(2023, 2025), scale=0.05)
    settings = Settings(
        raw_dir=tmp_path / "raw",
        warehouse=tmp_path / "w.duckdb",
        marts_dir=tmp_path / "marts",
        reports_dir=tmp_path / "reports",
    )
    messages: list[str] = []
    summary = run_pipeline(settings, say=messages.append)
    assert summary.exit_code == EXIT_OK, messages
    assert summary.refused == []
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        synthese = con.execute(
            "select count(*), sum(nb_sorties) from marts.sorties_ase_synthese"
        ).fetchone()
    assert (
        synthese is not None and synthese[0] == 28 and synthese[1] > 0
    )  # (13 departments and the region) × 2 years


def test_a_run_where_every_delivery_is_refused_publishes_nothing(tmp_path: Path) -> None:
    """The blocking check fails with severity ERROR: promotion, dbt and publication do not run;
    the exit code says "refused deliveries", not "pipeline failure"."""
    bad = {k: [dict(r) for r in v] for k, v in ASE_2024.items()}
    bad["ase_jeunes"][0]["mna"] = "peut-être"
    write_delivery(tmp_path / "raw", "ase", "09", 2024, bad)
    settings = Settings(
        raw_dir=tmp_path / "raw",
        warehouse=tmp_path / "w.duckdb",
        marts_dir=tmp_path / "marts",
        reports_dir=tmp_path / "reports",
        check_date=CHECK,
    )
    messages: list[str] = []
    summary = run_pipeline(settings, say=messages.append)
    assert summary.exit_code == EXIT_REFUSED
    assert summary.refused == ["ase-09-2024"] and not summary.published
    assert not (tmp_path / "marts").exists()
    assert not any("modélisation dbt" in m for m in messages)
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        assert con.execute("select count(*) from raw.ase_mesures").fetchone() == (0,)
        assert con.execute("select count(*) from landing.ase_jeunes").fetchone() == (0,)
