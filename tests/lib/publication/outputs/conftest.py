"""A small published folder in the 1.1 form, typed by hand: Ariège (09) and Aude (11), the
regional rows (R76), 2023 and 2024 (provisional), masked cells named in `cellules_masquees`,
"sans objet" nulls, and one Aude residence with more places reserved by the CD than beds.

The other eleven departments of Occitanie have no delivery: their bilans must say so.
"""

import json
import sys
from pathlib import Path

import polars as pl
import pytest

from pipelines.lib.publication.outputs import OutputsSummary, build_outputs

sys.path.insert(0, str(Path(__file__).parent))  # outputs_audit, as tests/ for helpers

INT, F, S, B = pl.Int64, pl.Float64, pl.Utf8, pl.Boolean
NAMES = {"09": "Ariège", "11": "Aude", "R76": "Occitanie"}
# A residence name that means something in HTML, Typst and CSV: it must print as written.
ODD_NAME = 'Résidence <b>"Les *Pins*"</b> #set & \\ $x$'


def _rows(columns: dict[str, pl.DataType], rows: list[dict[str, object]]) -> pl.DataFrame:
    """Rows completed with nulls, `nom_territoire` from `dept`, `cellules_masquees` from the
    row's `_masked` list (whose cells are nulled)."""
    out = []
    for row in rows:
        masked = list(row.pop("_masked", []))  # type: ignore[call-overload]
        full = {c: row.get(c) for c in columns}
        for c in masked:
            full[c] = None
        if "nom_territoire" in columns:
            full["nom_territoire"] = NAMES.get(str(row.get("dept")))
        order = {c: k for k, c in enumerate(columns)}
        full["cellules_masquees"] = ", ".join(sorted(masked, key=order.__getitem__)) or None
        out.append(full)
    return pl.DataFrame(out, schema={**columns, "cellules_masquees": S}, orient="row")


BILAN = {
    "annee": INT,
    "dept": S,
    "nom_territoire": S,
    "provisoire": B,
    "nb_jeunes_majeurs_accompagnes": INT,
    "nb_entrees_jeune_majeur": INT,
    "nb_sorties": INT,
    "nb_sorties_seches": INT,
    "nb_retours": INT,
    "nb_eligibles_entretien_17_ans": INT,
    "nb_entretiens_17_ans": INT,
    "taux_entretien_17_ans": F,
    "nb_eligibles_entretien_post_sortie": INT,
    "nb_entretiens_post_sortie": INT,
    "taux_entretien_post_sortie": F,
    "nb_projets_autonomie": INT,
    **{
        f"part_besoin_{b}_couvert": F
        for b in ("ressources", "logement", "emploi_formation", "soins", "demarches")
    },
    "part_besoin_socio_educatif_couvert": F,
    "part_sorties_suivies_ml": F,
    "part_sorties_hebergees_hj": F,
}


def _bilan(annee: int, dept: str, base: int, **kw: object) -> dict[str, object]:
    row: dict[str, object] = {
        "annee": annee,
        "dept": dept,
        "provisoire": annee == 2024,
        "nb_jeunes_majeurs_accompagnes": base,
        "nb_entrees_jeune_majeur": base // 2,
        "nb_sorties": base // 3,
        "nb_sorties_seches": base // 10,
        "nb_retours": 0,
        "nb_eligibles_entretien_17_ans": base // 2,
        "nb_entretiens_17_ans": base // 4,
        "taux_entretien_17_ans": 0.5,
        "nb_eligibles_entretien_post_sortie": base // 3,
        "nb_entretiens_post_sortie": base // 6,
        "taux_entretien_post_sortie": 0.5,
        "nb_projets_autonomie": base // 2,
        "part_besoin_ressources_couvert": 0.75,
        "part_besoin_logement_couvert": 0.6,
        "part_besoin_emploi_formation_couvert": 0.8,
        "part_besoin_soins_couvert": 0.9,
        "part_besoin_demarches_couvert": 0.7,
        "part_besoin_socio_educatif_couvert": 0.65,
        "part_sorties_suivies_ml": 0.4,
        "part_sorties_hebergees_hj": 0.2,
    }
    row.update(kw)
    return row


def write_published(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)

    def put(mart: str, frame: pl.DataFrame) -> None:
        frame.write_parquet(folder / f"{mart}.parquet")

    put(
        "bilan_odpe",
        _rows(
            BILAN,
            [
                _bilan(2023, "09", 60, nb_retours=None, _masked=["nb_retours"]),
                # 2024, Ariège: a small count masked, and the rate computed over it
                _bilan(
                    2024,
                    "09",
                    66,
                    _masked=["nb_sorties_seches", "nb_entretiens_17_ans", "taux_entretien_17_ans"],
                ),
                _bilan(2023, "11", 120),
                # no interview due: the rate is "sans objet", not secret
                _bilan(
                    2024,
                    "11",
                    126,
                    nb_eligibles_entretien_post_sortie=0,
                    nb_entretiens_post_sortie=0,
                    taux_entretien_post_sortie=None,
                ),
                _bilan(2023, "R76", 2000),
                _bilan(2024, "R76", 2100),
            ],
        ),
    )
    synth = {
        "annee": INT,
        "dept": S,
        "nom_territoire": S,
        "nb_sorties": INT,
        "nb_sorties_seches": INT,
        "part_sorties_seches": F,
        "nb_situation_inconnue": INT,
        "nb_retours": INT,
    }
    put(
        "sorties_ase_synthese",
        _rows(
            synth,
            [
                {
                    "annee": 2023,
                    "dept": "09",
                    "nb_sorties": 20,
                    "nb_sorties_seches": 0,
                    "part_sorties_seches": 0.0,
                    "nb_situation_inconnue": 0,
                    "_masked": ["nb_retours"],
                },
                {
                    "annee": 2024,
                    "dept": "09",
                    "nb_sorties": 22,
                    "nb_situation_inconnue": 11,
                    "nb_retours": 0,
                    "_masked": ["nb_sorties_seches", "part_sorties_seches"],
                },
                {
                    "annee": 2023,
                    "dept": "11",
                    "nb_sorties": 40,
                    "nb_sorties_seches": 12,
                    "part_sorties_seches": 0.4,
                    "nb_situation_inconnue": 10,
                    "nb_retours": 0,
                },
                {
                    "annee": 2024,
                    "dept": "11",
                    "nb_sorties": 42,
                    "nb_sorties_seches": 13,
                    "part_sorties_seches": 0.3939,
                    "nb_situation_inconnue": 9,
                    "nb_retours": 0,
                },
                {
                    "annee": 2023,
                    "dept": "R76",
                    "nb_sorties": 700,
                    "nb_sorties_seches": 150,
                    "part_sorties_seches": 0.25,
                    "nb_situation_inconnue": 100,
                    "nb_retours": 30,
                },
                {
                    "annee": 2024,
                    "dept": "R76",
                    "nb_sorties": 720,
                    "nb_sorties_seches": 160,
                    "part_sorties_seches": 0.2667,
                    "nb_situation_inconnue": 120,
                    "nb_retours": 35,
                },
            ],
        ),
    )
    marges = {
        "annee": INT,
        "dept": S,
        "nom_territoire": S,
        "dimension": S,
        "modalite": S,
        "nb_sorties": INT,
    }
    put(
        "sorties_ase_marges",
        _rows(
            marges,
            [
                {"annee": 2024, "dept": "09", "dimension": "logement_sortie"}
                | {"modalite": "LOGEMENT_AUTONOME", "nb_sorties": 11},
                {"annee": 2024, "dept": "09", "dimension": "logement_sortie"}
                | {"modalite": "SANS_SOLUTION", "_masked": ["nb_sorties"]},
                {"annee": 2024, "dept": "09", "dimension": "logement_sortie"}
                | {"modalite": "INCONNU", "_masked": ["nb_sorties"]},
                {"annee": 2024, "dept": "11", "dimension": "tranche_age_sortie"}
                | {"modalite": "18", "nb_sorties": 42},
            ],
        ),
    )
    ex_mna = {
        "annee": INT,
        "dept": S,
        "nom_territoire": S,
        "population": S,
        "nb_jeunes": INT,
        "nb_ex_mna": INT,
        "part_ex_mna": F,
    }
    put(
        "part_ex_mna",
        _rows(
            ex_mna,
            [
                {"annee": 2024, "dept": "09", "population": "JEUNES_MAJEURS", "nb_jeunes": 66}
                | {"_masked": ["nb_ex_mna", "part_ex_mna"]},
                {"annee": 2024, "dept": "09", "population": "SORTIES", "nb_jeunes": 22}
                | {"nb_ex_mna": 11, "part_ex_mna": 0.5},
                {"annee": 2024, "dept": "11", "population": "JEUNES_MAJEURS", "nb_jeunes": 126}
                | {"nb_ex_mna": 63, "part_ex_mna": 0.5},
                {"annee": 2024, "dept": "R76", "population": "JEUNES_MAJEURS"}
                | {"nb_jeunes": 2100, "nb_ex_mna": 700, "part_ex_mna": 0.3333},
            ],
        ),
    )
    delai = {
        "annee_sortie": INT,
        "dept": S,
        "nom_territoire": S,
        "provisoire": B,
        "nb_sorties": INT,
        "nb_cej_avant_sortie": INT,
        "nb_cej_6_mois": INT,
        "nb_cej_12_mois": INT,
        "nb_sans_cej": INT,
        "nb_recul_insuffisant": INT,
        "delai_median_jours": F,
        "delai_p25_jours": F,
        "delai_p75_jours": F,
        "nb_sorties_avec_cej": INT,
    }
    put(
        "delai_cej",
        _rows(
            delai,
            [
                {"annee_sortie": 2023, "dept": "09", "provisoire": False, "nb_sorties": 20}
                | {"nb_cej_avant_sortie": 0, "nb_sans_cej": 0, "nb_recul_insuffisant": 0}
                | {"_masked": ["nb_cej_6_mois", "nb_cej_12_mois", "delai_median_jours"]},
                {"annee_sortie": 2024, "dept": "11", "provisoire": True, "nb_sorties": 42}
                | {"nb_cej_avant_sortie": 12, "nb_cej_6_mois": 0, "nb_cej_12_mois": 0}
                | {"nb_sans_cej": 0, "nb_recul_insuffisant": 30, "delai_median_jours": -37.5}
                | {"delai_p25_jours": -144.0, "delai_p75_jours": 20.25, "nb_sorties_avec_cej": 12},
            ],
        ),
    )
    parcours = {
        "annee_sortie": INT,
        "dept": S,
        "nom_territoire": S,
        "provisoire": B,
        "parcours": S,
        "nb_sorties": INT,
    }
    put(
        "parcours",
        _rows(
            parcours,
            [
                {"annee_sortie": 2024, "dept": "09", "provisoire": True, "parcours": "ML_SEUL"}
                | {"nb_sorties": 22},
                {"annee_sortie": 2024, "dept": "09", "provisoire": True, "parcours": "AUCUN"}
                | {"nb_sorties": 0},
                {"annee_sortie": 2024, "dept": "09", "provisoire": True, "parcours": "HJ_SEUL"}
                | {"_masked": ["nb_sorties"]},
                {"annee_sortie": 2024, "dept": "09", "provisoire": True, "parcours": "ML_ET_HJ"}
                | {"_masked": ["nb_sorties"]},
            ],
        ),
    )
    places = {
        "annee": INT,
        "dept": S,
        "nom_territoire": S,
        "nb_residences": INT,
        "capacite_places": INT,
        "nb_conventions": INT,
        "places_conventionnees": INT,
        "places_conventionnees_cd": INT,
        "places_cjm": INT,
        "places_ex_mna": INT,
        "part_places_cd": F,
    }
    put(
        "places_par_departement",
        _rows(
            places,
            [
                {"annee": 2024, "dept": "09", "nb_residences": 0, "capacite_places": 0}
                | {"nb_conventions": 0, "places_conventionnees": 0}
                | {"places_conventionnees_cd": 0, "places_cjm": 0, "places_ex_mna": 0},
                {"annee": 2024, "dept": "11", "nb_residences": 2, "capacite_places": 138}
                | {"nb_conventions": 2, "places_conventionnees": 56}
                | {"places_conventionnees_cd": 56, "places_cjm": 50, "places_ex_mna": 6}
                | {"part_places_cd": 0.4058},
                {"annee": 2024, "dept": "R76", "nb_residences": 60, "capacite_places": 3700}
                | {"nb_conventions": 20, "places_conventionnees": 350}
                | {"places_conventionnees_cd": 340, "places_cjm": 200, "places_ex_mna": 90}
                | {"part_places_cd": 0.0919},
            ],
        ),
    )
    plafond = {
        "annee": INT,
        "dept": S,
        "nom_territoire": S,
        "id_residence": S,
        "nom_residence": S,
        "capacite_places": INT,
        "places_conventionnees_cd": INT,
        "part_places_cd": F,
        "part_places_cd_max": F,
        "depasse_plafond": B,
    }
    put(
        "residences_plafond",
        _rows(
            plafond,
            [
                {"annee": 2024, "dept": "11", "id_residence": "R11001", "nom_residence": ODD_NAME}
                | {"capacite_places": 38, "places_conventionnees_cd": 50}
                | {"part_places_cd": 1.3158, "part_places_cd_max": 1.3158}
                | {"depasse_plafond": True},
                {"annee": 2024, "dept": "11", "id_residence": "R11002"}
                | {"nom_residence": "Résidence du Canal", "capacite_places": 100}
                | {"places_conventionnees_cd": 6, "part_places_cd": 0.06}
                | {"part_places_cd_max": 0.06, "depasse_plafond": False},
            ],
        ),
    )
    conventions = {
        "annee": INT,
        "dept": S,
        "nom_territoire": S,
        "id_residence": S,
        "id_convention": S,
        "financeur": S,
        "dept_financeur": S,
        "public": S,
        "modalite_financement": S,
        "places_reservees": INT,
        "nb_jeunes_presents": INT,
        "journees_occupees": INT,
        "taux_occupation": F,
    }
    put(
        "places_conventions",
        _rows(
            conventions,
            [
                {"annee": 2024, "dept": "11", "id_residence": "R11001", "id_convention": "C1"}
                | {"financeur": "CD", "dept_financeur": "11", "public": "CJM"}
                | {"modalite_financement": "PRIX_DE_JOURNEE", "places_reservees": 50}
                | {"nb_jeunes_presents": 61, "journees_occupees": 17000}
                | {"taux_occupation": 0.929},
                {"annee": 2024, "dept": "11", "id_residence": "R11002", "id_convention": "C2"}
                | {"financeur": "CD", "dept_financeur": "09", "public": "EX_MNA"}
                | {"modalite_financement": "SUBVENTION", "places_reservees": 6}
                | {"_masked": ["nb_jeunes_presents", "journees_occupees", "taux_occupation"]},
            ],
        ),
    )
    besoin = {
        "annee_reference": INT,
        "dept": S,
        "nom_territoire": S,
        "annee_projection": INT,
        "sorties_prevues": F,
        "besoin_logement_bas": F,
        "besoin_logement_central": F,
        "besoin_logement_haut": F,
        "methode": S,
        "sorties_observees": INT,
        "besoin_logement_observe": F,
        "erreur_relative_sorties": F,
        "erreur_relative_besoin": F,
    }
    method = "v1 : stock au 31/12 × taux de sortie par âge"
    put(
        "besoin_logement_pdalhpd",
        _rows(
            besoin,
            [
                # backtest of 2024 made with 2023's data: observed exits masked
                {"annee_reference": 2023, "dept": "09", "annee_projection": 2024}
                | {"sorties_prevues": 21.0, "besoin_logement_bas": 4.0}
                | {"besoin_logement_central": 8.4, "besoin_logement_haut": 13.0, "methode": method}
                | {"_masked": ["sorties_observees", "besoin_logement_observe"]},
                {"annee_reference": 2024, "dept": "09", "annee_projection": 2025}
                | {"sorties_prevues": 23.0, "besoin_logement_bas": 5.0}
                | {"besoin_logement_central": 9.2, "besoin_logement_haut": 14.0, "methode": method},
                {"annee_reference": 2023, "dept": "11", "annee_projection": 2024}
                | {"sorties_prevues": 40.0, "besoin_logement_bas": 11.0}
                | {"besoin_logement_central": 16.0, "besoin_logement_haut": 21.0, "methode": method}
                | {"sorties_observees": 42, "besoin_logement_observe": 17.0}
                | {"erreur_relative_sorties": -0.0476, "erreur_relative_besoin": -0.0588},
            ],
        ),
    )
    couverture = {
        "annee": INT,
        "dept": S,
        "nom_territoire": S,
        "nb_missions_locales": INT,
        "nb_residences_hj": INT,
        "capacite_hj": INT,
        "places_financees_cd": INT,
        "nb_jeunes_majeurs_accompagnes": INT,
        "places_cd_pour_100_jeunes_majeurs": F,
        "sans_offre_hj": B,
    }
    put(
        "couverture_territoriale",
        _rows(
            couverture,
            [
                {"annee": 2024, "dept": "09", "nb_missions_locales": 1, "nb_residences_hj": 0}
                | {"capacite_hj": 0, "places_financees_cd": 6, "nb_jeunes_majeurs_accompagnes": 66}
                | {"places_cd_pour_100_jeunes_majeurs": 9.0909, "sans_offre_hj": True},
                {"annee": 2024, "dept": "11", "nb_missions_locales": 2, "nb_residences_hj": 2}
                | {"capacite_hj": 138, "places_financees_cd": 50}
                | {"nb_jeunes_majeurs_accompagnes": 126}
                | {"places_cd_pour_100_jeunes_majeurs": 39.6825, "sans_offre_hj": False},
            ],
        ),
    )
    (folder / "masquage.json").write_text(
        json.dumps({"seuil": 11, "cellules_masquees": {"bilan_odpe": {"nb_retours": 1}}}),
        encoding="utf-8",
    )
    (folder / "dictionnaire.csv").write_bytes(
        b"\xef\xbb\xbf"
        + (
            "mart;colonne;type;classe_secret;description\n"
            "bilan_odpe;nb_sorties;BIGINT;effectif;Sorties de l'année (18 ans ou plus).\n"
            'bilan_odpe;dept;VARCHAR;aucune;"Département ; code COG."\n'
        ).encode()
    )
    (folder / "livraisons.csv").write_bytes(
        b"\xef\xbb\xbf"
        + (
            b"source;dept;annee;producteur;acceptee_le\n"
            b"ase;09;2023;;2025-02-10\n"
            b"ase;09;2024;;2026-02-12\n"
            b"ml;09;2024;ML0901;2026-03-01\n"
            b"ase;11;2024;;2026-02-15\n"
        )
    )
    return folder


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, OutputsSummary]:
    """The hand-typed publication with every output built once (they take a few seconds)."""
    folder = write_published(tmp_path_factory.mktemp("publication") / "marts")
    return folder, build_outputs(folder, "76")
