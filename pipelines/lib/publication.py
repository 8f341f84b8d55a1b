"""Publishing the marts for analysts and partners: Parquet, CSV and a small DuckDB database.

Files are written beside the published folder, then swapped in at once, so that a failure
leaves the last good publication in place and a reader never sees half of a new one.
"""

import shutil
from pathlib import Path

import polars as pl

from pipelines.lib.warehouse import connect

# Published marts, in the order of marts.md, then the match rates of the pseudonymous key.
MARTS = (
    "places_conventions",
    "places_par_departement",
    "residences_plafond",
    "sorties_ase",
    "sorties_ase_synthese",
    "part_ex_mna",
    "delai_cej",
    "parcours",
    "bilan_odpe",
    "besoin_logement_pdalhpd",
    "couverture_territoriale",
    "appariement",
)
ANALYST_DB = "observatoire.duckdb"
_BOM = b"\xef\xbb\xbf"

README = """# Marts publiés — Observatoire des parcours jeunes

Chaque mart est disponible en trois formes :

- `<mart>.parquet` ;
- `<mart>.csv` : séparateur `;`, UTF-8 avec BOM, décimales à virgule (s'ouvre tel quel dans un
  tableur réglé en français) ;
- une table de `observatoire.duckdb`, à ouvrir en lecture seule :
  `duckdb -readonly data/marts/observatoire.duckdb`.

Définitions : `shared/spec/marts.md` et le dictionnaire de données (dbt docs).
"""


def publish(warehouse: Path, marts_dir: Path, marts: tuple[str, ...] = MARTS) -> dict[str, int]:
    """Export every mart of the warehouse's `marts` schema; returns the row count of each."""
    marts_dir = marts_dir.resolve()
    staging = marts_dir.parent / f".{marts_dir.name}.nouveau"
    previous = marts_dir.parent / f".{marts_dir.name}.ancien"
    for leftover in (staging, previous):
        if leftover.exists():
            shutil.rmtree(leftover)
    staging.mkdir(parents=True)
    counts: dict[str, int] = {}
    with connect(warehouse, read_only=True) as con:
        for mart in marts:
            frame = pl.from_arrow(con.sql(f"select * from marts.{mart}").to_arrow_table())
            assert isinstance(frame, pl.DataFrame)
            frame.write_parquet(staging / f"{mart}.parquet")
            text = frame.write_csv(separator=";", decimal_comma=True)
            (staging / f"{mart}.csv").write_bytes(_BOM + text.encode("utf-8"))
            counts[mart] = frame.height
    with connect(staging / ANALYST_DB) as con:
        for mart in marts:
            parquet = (staging / f"{mart}.parquet").as_posix()
            con.execute(f"create table {mart} as select * from read_parquet('{parquet}')")
    (staging / "LISEZMOI.md").write_text(README, encoding="utf-8")
    if marts_dir.exists():
        marts_dir.rename(previous)
    staging.rename(marts_dir)
    if previous.exists():
        shutil.rmtree(previous)
    return counts
