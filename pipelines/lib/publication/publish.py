"""Publishing the marts for analysts and partners: Parquet, CSV and a small DuckDB database.

Files are written beside the published folder, then swapped in at once, so that a failure
leaves the last good publication in place and a reader never sees half of a new one.
"""

import json
import shutil
from pathlib import Path

import polars as pl

from pipelines.lib.publication.disclosure import RULES, MartRules, mask
from pipelines.lib.store.warehouse import connect

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

## Secret statistique

Seuls des agrégats sont publiés. Un effectif de 1 à {seuil} − 1 personnes est remplacé par une
case vide, de même qu'un taux, une part ou un quantile calculé sur moins de {seuil} personnes ;
puis d'autres cases sont masquées pour qu'aucune case masquée ne puisse être recalculée à partir
des autres (un total moins les parties visibles, une part multipliée par son dénominateur). Zéro
n'est pas masqué ; les nombres de places, de résidences et de conventions ne le sont jamais.
La colonne `cellules_masquees` de chaque mart nomme les cases masquées de la ligne ;
`masquage.json` compte les cases masquées par mart et par colonne. Une case vide non citée dans
`cellules_masquees` est une valeur sans objet (par exemple une part sans dénominateur).
"""


def publish(
    warehouse: Path, marts_dir: Path, marts: tuple[str, ...] = MARTS, seuil: int = 11
) -> dict[str, int]:
    """Export every mart of the warehouse's `marts` schema with disclosure control applied;
    returns the row count of each. `<marts>/masquage.json` says how many cells each mart masks."""
    marts_dir = marts_dir.resolve()
    staging = marts_dir.parent / f".{marts_dir.name}.nouveau"
    previous = marts_dir.parent / f".{marts_dir.name}.ancien"
    for leftover in (staging, previous):
        if leftover.exists():
            shutil.rmtree(leftover)
    staging.mkdir(parents=True)
    counts: dict[str, int] = {}
    masking: dict[str, dict[str, int]] = {}
    with connect(warehouse, read_only=True) as con:
        for mart in marts:
            exact = pl.from_arrow(con.sql(f"select * from marts.{mart}").to_arrow_table())
            assert isinstance(exact, pl.DataFrame)
            frame, report = mask(exact, RULES.get(mart, MartRules()), seuil)
            masking[mart] = dict(sorted(report.per_column.items()))
            frame.write_parquet(staging / f"{mart}.parquet")
            text = frame.write_csv(separator=";", decimal_comma=True)
            (staging / f"{mart}.csv").write_bytes(_BOM + text.encode("utf-8"))
            counts[mart] = frame.height
    with connect(staging / ANALYST_DB) as con:
        for mart in marts:
            parquet = (staging / f"{mart}.parquet").as_posix()
            con.execute(f"create table {mart} as select * from read_parquet('{parquet}')")
    (staging / "LISEZMOI.md").write_text(README.format(seuil=seuil), encoding="utf-8")
    summary = {"seuil": seuil, "cellules_masquees": masking}
    (staging / "masquage.json").write_text(
        json.dumps(summary, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    if marts_dir.exists():
        marts_dir.rename(previous)
    staging.rename(marts_dir)
    if previous.exists():
        shutil.rmtree(previous)
    return counts
