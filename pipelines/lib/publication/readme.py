"""`LISEZMOI.md`, the publication's French guide. Written last, from the files actually in the
publication (builders' documents included), so that it points to nothing that is not there."""

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import duckdb
import polars as pl

from pipelines.lib.publication.analysts_db import ANALYST_DB, OLDEST_READER
from pipelines.lib.publication.declarations import MartDeclaration
from pipelines.lib.publication.disclosure import DEPT, MASK_COLUMN, REGION_PREFIX
from pipelines.lib.publication.readable import summary

README = "LISEZMOI.md"
MASKING = "masquage.json"

# Documents that other steps add to the publication (bilans, maps, workbook), by path pattern.
_KNOWN_DOCUMENTS = (
    ("rapports/bilan_odpe_*.pdf", "bilan annuel ODPE du département (PDF)"),
    ("rapports/bilan_odpe_*.html", "bilan annuel ODPE du département (page web)"),
    ("rapports/synthese_regionale.pdf", "synthèse régionale comparant les départements (PDF)"),
    ("rapports/synthese_regionale.html", "synthèse régionale (page web)"),
    ("cartes/*.gpkg", "GeoPackage à ouvrir dans QGIS (couches et styles)"),
    ("*.xlsx", "classeur pour tableur (une feuille par mart, dictionnaire, lisez-moi)"),
)


def secret_rule(seuil: int) -> str:
    """The primary rule in words, from the threshold (seuil 11: "de 1 à 10 personnes")."""
    if seuil <= 1:
        return "Aucun effectif n'est masqué (seuil de 1)."
    small = "d'une personne" if seuil == 2 else f"de 1 à {seuil - 1} personnes"
    return (
        f"Un effectif {small} est remplacé par une case vide, de même qu'un taux, une part ou "
        f"un quantile calculé sur moins de {seuil} personnes."
    )


def _describe(relative: str) -> str:
    path = Path(relative)
    for pattern, text in _KNOWN_DOCUMENTS:
        if path.match(pattern):
            return text
    return ""


def render(
    marts: Sequence[tuple[MartDeclaration, pl.DataFrame]],
    files: Sequence[str],
    seuil: int,
    published_at: dt.datetime,
) -> str:
    """The guide, in French. `files`: every file of the publication, relative to its folder."""
    present = set(files)
    lines = [
        "# Observatoire des parcours jeunes — données publiées",
        "",
        f"Publication du {published_at:%d/%m/%Y à %H:%M}. Seuls des agrégats sont publiés, "
        "après application du secret statistique (ci-dessous). Les définitions de chaque "
        "colonne sont dans `dictionnaire.csv` (et dans la table `dictionnaire` de la base).",
        "",
        "## Les marts",
        "",
        "Chaque mart existe sous trois formes qui portent exactement les mêmes valeurs : "
        "`<mart>.parquet`, `<mart>.csv` et une table de `observatoire.duckdb`.",
        "",
        "| mart | fichiers | lignes | contenu |",
        "|---|---|---|---|",
    ]
    for mart, frame in marts:
        forms = f"`{mart.name}.parquet`, `{mart.name}.csv`"
        lines.append(f"| `{mart.name}` | {forms} | {frame.height} | {summary(mart.description)} |")
    lines += ["", "## Les autres fichiers", ""]
    own = {
        ANALYST_DB: (
            "la base DuckDB des analystes : une table par mart, plus `dictionnaire` et "
            "`livraisons` ; chaque table et chaque colonne porte sa description "
            "(`select * from duckdb_columns()`)."
        ),
        "dictionnaire.csv": "le dictionnaire des données : mart, colonne, type, classe de "
        "secret statistique, description.",
        "livraisons.csv": "les livraisons en vigueur dont les marts sont tirés (source, "
        "département, année, producteur, date d'acceptation), pour citer les sources.",
        MASKING: "le nombre de cases masquées par mart et par colonne, et le seuil appliqué.",
        README: "ce guide.",
    }
    mart_files = {f"{m.name}.{ext}" for m, _ in marts for ext in ("parquet", "csv")}
    for name, text in own.items():
        if name in present:
            lines.append(f"- `{name}` : {text}")
    others = sorted(present - mart_files - set(own))
    for name in others:
        text = _describe(name)
        lines.append(f"- `{name}`" + (f" : {text}" if text else ""))
    lines += [
        "",
        "## Lire les fichiers",
        "",
        "- **CSV** : séparateur `;`, encodage UTF-8 avec BOM, virgule décimale, booléens "
        "`oui`/`non` : un tableur réglé en français les ouvre tels quels. Les codes (`dept`, "
        "identifiants) sont du texte : importez-les comme texte pour garder `09` (et non 9).",
        "- **Parquet** : types conservés (entiers, décimaux, booléens) ; lisible par R "
        "(`arrow`), Python (`polars`, `pandas`), DuckDB, QGIS. C'est la forme de repli si "
        "votre outil n'ouvre pas la base DuckDB.",
        f"- **`{ANALYST_DB}`** : écrite au format de stockage de DuckDB {OLDEST_READER}, elle "
        f"s'ouvre avec DuckDB {OLDEST_READER} et toutes les versions suivantes (vérifié avec "
        f"1.0.0, 1.1.3 et {duckdb.__version__}), donc avec le DuckDB intégré à DBeaver, R "
        f"ou Python. Ouvrez-la en lecture seule : `duckdb -readonly {ANALYST_DB}`.",
        "- **Mises à jour** : le dossier publié est remplacé d'un bloc à chaque publication "
        "(un lien vers la publication du jour) ; la précédente est conservée. Pour lire "
        "plusieurs fichiers d'une même publication pendant une mise à jour, ouvrez le dossier "
        "réel (`realpath data/marts`).",
        "- **Arrondis** : les parts et taux sont arrondis à 4 décimales (0,1235 = 12,35 %), "
        "les nombres de jours (délais) et les estimations à 1 décimale, les places pour 100 "
        "jeunes majeurs à 1 décimale ; le nombre de décimales de chaque colonne suit sa "
        "déclaration. Les trois formes portent les mêmes valeurs arrondies.",
    ]
    columns = {c for _, frame in marts for c in frame.columns}
    if any(
        DEPT in frame.columns
        and frame[DEPT].cast(pl.Utf8).str.starts_with(REGION_PREFIX).fill_null(False).any()
        for _, frame in marts
    ):
        lines.append(
            "- **Lignes régionales** : `dept` = `R` suivi du code de la région (`R76` pour "
            "l'Occitanie) ; elles sont calculées sur les valeurs exactes des départements, "
            "jamais en additionnant des cases masquées."
        )
    if "provisoire" in columns:
        lines.append(
            "- **`provisoire`** = `oui` : les valeurs de la ligne changeront encore à la "
            "livraison de l'année suivante (entretiens à venir, recul insuffisant)."
        )
    lines += [
        "",
        "## Secret statistique",
        "",
        secret_rule(seuil) + " Puis d'autres cases sont masquées pour qu'aucune case masquée ne "
        "puisse être recalculée à partir des autres valeurs publiées : un total moins les "
        "parties visibles (dans une ligne, entre les lignes qui s'additionnent en un total "
        "publié ailleurs, entre les départements et leur ligne régionale), ou une part "
        "multipliée par son dénominateur. Zéro n'est pas masqué ; les nombres de places, de "
        "résidences et de conventions ne sont jamais masqués. La classe de secret de chaque "
        "colonne est dans le dictionnaire.",
        "",
        f"**Cases vides.** La colonne `{MASK_COLUMN}` de chaque mart nomme les cases masquées "
        "de la ligne. Une case vide qui n'y est pas citée est **sans objet** (par exemple une "
        "part dont le dénominateur est nul) : ce n'est pas un secret.",
        "",
    ]
    return "\n".join(lines)
