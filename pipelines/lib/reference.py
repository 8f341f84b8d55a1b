"""Official geographic code (COG 2026), carried by the project (`reference/README.md`).

Departments and regions are dbt seeds (`dbt_project/seeds/`); communes stay in `reference/`
because only the demo generator needs them.
"""

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SEEDS_DIR = PROJECT_ROOT / "dbt_project" / "seeds"
COMMUNES_CSV = PROJECT_ROOT / "reference" / "cog2026" / "communes.csv"
DEFAULT_REGION = "76"  # Occitanie


@dataclass(frozen=True)
class Departement:
    code: str
    nom: str
    region: str


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=";"))


@cache
def departements() -> tuple[Departement, ...]:
    return tuple(
        Departement(r["code"], r["nom"], r["region"])
        for r in _rows(SEEDS_DIR / "cog_departements.csv")
    )


def departements_of_region(region: str) -> list[Departement]:
    found = [d for d in departements() if d.region == region]
    if not found:
        raise ValueError(f"Aucun département pour la région « {region} » dans le COG 2026.")
    return found


def dept_codes() -> list[str]:
    return [d.code for d in departements()]


@cache
def communes_by_dept() -> dict[str, list[tuple[str, int]]]:
    """Current communes (code, population) per department."""
    out: dict[str, list[tuple[str, int]]] = {}
    for r in _rows(COMMUNES_CSV):
        if r["type"] == "commune-actuelle":
            out.setdefault(r["departement"], []).append((r["code"], int(r["population"] or 0)))
    return out
