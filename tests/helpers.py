"""Writing small deliveries by hand for tests (no direct identifier ever: keys are opaque)."""

import hashlib
from pathlib import Path

from pipelines.lib.contract.tables import TABLES

# The 13 departments of Occitanie (COG 2026, region 76), as the marts list them.
OCCITANIE = ["09", "11", "12", "30", "31", "32", "34", "46", "48", "65", "66", "81", "82"]


def pid(n: int) -> str:
    """A well-formed pseudonymous key (64 lowercase hex characters) for test person number n."""
    return hashlib.sha256(f"personne-de-test-{n}".encode()).hexdigest()


def write_table(
    folder: Path,
    table: str,
    rows: list[dict[str, object]],
    *,
    producteur: str | None = None,
    encoding: str = "utf-8",
    delimiter: str = ";",
    columns: list[str] | None = None,
    header: list[str] | None = None,
) -> Path:
    """Write one table file; `columns` defaults to the contract's, `header` to `columns`."""
    folder.mkdir(parents=True, exist_ok=True)
    cols = columns or list(TABLES[table].column_names)
    head = header or cols
    lines = [delimiter.join(head)]
    for row in rows:
        values = []
        for c in cols:
            v = row.get(c)
            text = "" if v is None else str(v)
            if delimiter in text or '"' in text or "\n" in text:
                text = '"' + text.replace('"', '""') + '"'
            values.append(text)
        lines.append(delimiter.join(values))
    name = f"{table}__{producteur}.csv" if producteur else f"{table}.csv"
    path = folder / name
    data = ("\n".join(lines) + "\n").encode("cp1252" if encoding == "cp1252" else "utf-8")
    if encoding == "utf-8-sig":
        data = b"\xef\xbb\xbf" + data
    path.write_bytes(data)
    return path


def write_delivery(
    root: Path,
    source: str,
    dept: str,
    annee: int,
    tables: dict[str, list[dict[str, object]]],
    **kw: object,
) -> Path:
    folder = root / source / dept / str(annee)
    for table, rows in tables.items():
        write_table(folder, table, rows, **kw)  # type: ignore[arg-type]
    return folder


def valid_ase(n_persons: int = 2) -> dict[str, list[dict[str, object]]]:
    """A small valid ASE delivery."""
    jeunes = [
        {"id_jeune": pid(i), "sexe": "F", "annee_mois_naissance": "2006-03", "mna": "0"}
        for i in range(1, n_persons + 1)
    ]
    mesures = [
        {
            "id_mesure": f"M{i}",
            "id_jeune": pid(i),
            "type_mesure": "APJM",
            "mode_accueil": "MECS",
            "date_debut": "2024-03-01",
            "date_fin": "2024-10-31",
            "motif_fin": "FIN_CONTRAT_JEUNE_MAJEUR",
        }
        for i in range(1, n_persons + 1)
    ]
    sorties = [
        {
            "id_jeune": pid(1),
            "date_sortie": "2024-10-31",
            "logement_sortie": "LOGEMENT_AUTONOME",
            "activite_sortie": "EMPLOI",
            "ressources_sortie": "SALAIRE",
        }
    ]
    return {"ase_jeunes": jeunes, "ase_mesures": mesures, "ase_sorties": sorties}


def valid_hj() -> dict[str, list[dict[str, object]]]:
    return {
        "hj_residences": [
            {
                "id_residence": "R1",
                "nom_residence": "Résidence des Tilleuls",
                "association": "Association HJ",
                "dept": "46",
                "commune": "46042",
                "capacite_places": "40",
                "nb_logements": "35",
                "type_offre": "COLLECTIF",
            }
        ],
        "hj_conventions": [
            {
                "id_convention": "C1",
                "id_residence": "R1",
                "financeur": "CD",
                "dept_financeur": "46",
                "public": "CJM",
                "places_reservees": "4",
                "modalite_financement": "SUBVENTION",
                "date_debut": "2023-01-01",
                "date_fin": "2027-12-31",
            }
        ],
        "hj_sejours": [
            {
                "id_sejour": "S1",
                "id_jeune": pid(1),
                "id_residence": "R1",
                "id_convention": "C1",
                "date_entree": "2024-01-15",
                "date_sortie": "2024-06-30",
                "statut_entree": "FORMATION",
                "prise_en_charge_ase": "1",
                "orientation": "ASE",
                "logement_sortie": "LOGEMENT_AUTONOME",
            }
        ],
    }


def valid_ml() -> dict[str, list[dict[str, object]]]:
    return {
        "ml_jeunes": [
            {
                "id_jeune": pid(1),
                "code_ml": "ML0901",
                "sexe": "F",
                "annee_mois_naissance": "2006-03",
                "commune_residence": "09122",
                "date_premier_accueil": "2024-02-01",
                "niveau_formation": "3",
                "rqth": "0",
                "qpv": "",
                "parcours_ase": "",
            }
        ],
        "ml_accompagnements": [
            {
                "id_accompagnement": "A1",
                "id_jeune": pid(1),
                "code_ml": "ML0901",
                "dispositif": "CEJ",
                "date_entree": "2024-11-15",
                "date_sortie": "",
                "motif_sortie": "",
            }
        ],
        "ml_situations": [],
    }
