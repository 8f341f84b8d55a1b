"""Small dbt manifests and warehouses written by hand for the publication's tests."""

import copy
import hashlib
import json
from pathlib import Path
from typing import Any

import duckdb

from pipelines.lib.settings import DBT_PROJECT_DIR


def model(
    name: str,
    meta: dict[str, Any] | None,
    columns: dict[str, dict[str, Any] | None],
    description: str = "Un mart de test.",
) -> dict[str, Any]:
    """A manifest node of the `marts` schema; `columns` maps a column to its `meta` (None: no
    meta at all). Descriptions are French, like the project's."""
    return {
        "resource_type": "model",
        "schema": "marts",
        "name": name,
        "unique_id": f"model.observatoire.{name}",
        "original_file_path": f"models/marts/test/{name}.sql",
        "description": description,
        "config": {"meta": meta or {}},
        "meta": meta or {},
        "columns": {
            c: {
                "name": c,
                "description": f"Description de {c}.",
                "config": {"meta": m or {}},
                "meta": m or {},
            }
            for c, m in columns.items()
        },
    }


def manifest(*models: dict[str, Any]) -> dict[str, Any]:
    return {"nodes": {m["unique_id"]: m for m in models}}


def write_manifest(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def repository_manifest() -> dict[str, Any]:
    """A copy of the repository's parsed manifest (built by `make install`), to edit."""
    data = json.loads((DBT_PROJECT_DIR / "target" / "manifest.json").read_text())
    return copy.deepcopy(data)


# One published mart `m`: a count, a share of it, a flag, a place count.
M_META = {"publication": "publie", "grain": ["annee", "dept"]}
M_COLUMNS: dict[str, dict[str, Any] | None] = {
    "annee": {"secret": "hors_secret"},
    "dept": {"secret": "hors_secret"},
    "n": {"secret": "effectif"},
    "part": {"secret": "part", "population": ["n"]},
    "flag": {"secret": "hors_secret"},
    "places": {"secret": "hors_secret"},
}


def m_manifest(tmp: Path, **column_meta: dict[str, Any] | None) -> Path:
    columns = {**M_COLUMNS, **column_meta}
    return write_manifest(tmp / "manifest.json", manifest(model("m", M_META, columns)))


def warehouse(path: Path, rows: list[tuple[int, str, int, float, bool | None, int]]) -> Path:
    """`marts.m` with the given rows, and two accepted deliveries in `audit.acceptees`."""
    with duckdb.connect(str(path)) as con:
        con.execute("create schema if not exists marts")
        con.execute("create schema if not exists audit")
        con.execute(
            "create or replace table marts.m (annee integer, dept varchar, n bigint, "
            "part double, flag boolean, places integer)"
        )
        con.executemany("insert into marts.m values (?, ?, ?, ?, ?, ?)", rows)
        con.execute(
            "create or replace table audit.acceptees (_livraison varchar, source varchar, "
            "dept varchar, annee integer, producteur varchar, empreinte varchar, "
            "promue_le timestamp, nb_lignes integer)"
        )
        con.execute(
            "insert into audit.acceptees values "
            "('ml-09-2024-ML0901', 'ml', '09', 2024, 'ML0901', 'e1', '2025-02-03 10:00:00', 12),"
            "('ase-09-2024', 'ase', '09', 2024, null, 'e2', '2025-02-01 09:30:00', 40)"
        )
    return path


def digest(folder: Path) -> dict[str, str]:
    """Every file under `folder` (through its link) and its SHA-256."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }
