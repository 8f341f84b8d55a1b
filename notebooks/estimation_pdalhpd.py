# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Le besoin de logement des sortants de l'ASE (PDALHPD) et son contrôle a posteriori
#
# Pour chaque département et chaque année de référence R, la table publiée
# `besoin_logement_pdalhpd` estime, pour R+1, R+2 et R+3, combien de jeunes pris en charge fin R
# sortiront de l'ASE (`sorties_prevues`) et combien auront besoin d'une solution de logement
# (`besoin_logement_bas`, `_central`, `_haut`). Chaque estimation passée est comparée à ce qui
# s'est produit (colonnes `sorties_observees`, `besoin_logement_observe` et les écarts
# relatifs) : c'est le contrôle a posteriori, qui dit la précision à attendre.
#
# Variables d'environnement : `OBSERVATOIRE_PUBLICATION` (le dossier publié, `data/marts` par
# défaut) et `OBSERVATOIRE_DEPT` (le département étudié ; par défaut celui qui a le plus de
# sorties attendues).

# %%
import os
from pathlib import Path

import duckdb
import matplotlib.pyplot as plt
import polars as pl

pl.Config.set_tbl_rows(40)
pl.Config.set_tbl_cols(20)

PUBLICATION = Path(os.environ.get("OBSERVATOIRE_PUBLICATION", "data/marts"))
if not PUBLICATION.is_absolute() and not PUBLICATION.exists():
    PUBLICATION = Path("..") / PUBLICATION  # carnet ouvert depuis notebooks/
con = duckdb.connect(str(PUBLICATION / "observatoire.duckdb"), read_only=True)
besoin = con.sql("select * from besoin_logement_pdalhpd").pl()
reference = besoin["annee_reference"].max()
departements = besoin.filter(~pl.col("dept").str.starts_with("R"))
DEPT = (
    os.environ.get("OBSERVATOIRE_DEPT")
    or (
        departements.filter(pl.col("annee_reference") == reference).sort(
            "sorties_prevues", descending=True
        )["dept"][0]
    )
)
print(f"Département étudié : {DEPT} ; dernière année de référence : {reference}")


# %%
def lisible(frame: pl.DataFrame) -> pl.DataFrame:
    """Le tableau en texte : « secret » pour les cases masquées, « — » pour les sans objet."""
    masquees = frame["cellules_masquees"].fill_null("").str.split(", ")
    colonnes = []
    for nom in frame.columns:
        if nom == "cellules_masquees":
            continue
        texte = frame[nom].cast(pl.Utf8)
        colonnes.append(
            pl.Series(
                nom,
                [
                    "secret" if nom in m else ("—" if v is None else v)
                    for v, m in zip(texte, masquees, strict=True)
                ],
            )
        )
    return pl.DataFrame(colonnes)


# %% [markdown]
# ## La méthode

# %%
print(besoin["methode"].drop_nulls()[0])

# %% [markdown]
# ## L'estimation pour les trois prochaines années

# %%
projection = besoin.filter(
    (pl.col("dept") == DEPT) & (pl.col("annee_reference") == reference)
).select(
    "annee_reference",
    "dept",
    "annee_projection",
    "sorties_prevues",
    "besoin_logement_bas",
    "besoin_logement_central",
    "besoin_logement_haut",
    "cellules_masquees",
)
lisible(projection)

# %% [markdown]
# ## Le contrôle a posteriori
#
# L'estimation de l'année R+1 faite avec les seules données connues en R, comparée à
# l'observé. Les valeurs observées trop petites sont au secret (comme les écarts qui les
# redonneraient).

# %%
controle = (
    besoin.filter(
        (pl.col("dept") == DEPT)
        & (pl.col("annee_projection") == pl.col("annee_reference") + 1)
        & (
            pl.col("sorties_observees").is_not_null()
            | pl.col("cellules_masquees").fill_null("").str.contains("sorties_observees")
        )
    )
    .select(
        "annee_reference",
        "dept",
        "annee_projection",
        "besoin_logement_bas",
        "besoin_logement_central",
        "besoin_logement_haut",
        "besoin_logement_observe",
        "erreur_relative_besoin",
        "sorties_prevues",
        "sorties_observees",
        "erreur_relative_sorties",
        "cellules_masquees",
    )
    .sort("annee_projection")
)
lisible(controle)

# %%
fig, ax = plt.subplots(figsize=(7, 3))
lignes = controle.to_dicts() + projection.to_dicts()
for x, ligne in enumerate(lignes):
    ax.vlines(
        x,
        ligne["besoin_logement_bas"],
        ligne["besoin_logement_haut"],
        linewidth=6,
        color="#1f5f8b",
        alpha=0.35,
    )
    ax.scatter([x], [ligne["besoin_logement_central"]], color="#1f5f8b")
    observe = ligne.get("besoin_logement_observe")
    if observe is not None:
        ax.scatter([x], [observe], marker="D", color="#e07b39")
    elif "besoin_logement_observe" in (ligne.get("cellules_masquees") or ""):
        ax.text(x, 0, "secret", ha="center", fontsize=8, style="italic")
ax.set_xticks(range(len(lignes)), [str(ligne["annee_projection"]) for ligne in lignes])
ax.set_ylim(bottom=0)
ax.set_title(f"Besoin de logement des sortants, département {DEPT}")
ax.scatter([], [], color="#1f5f8b", label="estimation (fourchette en barre)")
ax.scatter([], [], marker="D", color="#e07b39", label="observé")
ax.legend(frameon=False, fontsize=8)
plt.show()

# %% [markdown]
# ## La précision dans la région
#
# Écart relatif absolu moyen de l'estimation centrale du besoin, par département, sur les
# années contrôlées dont l'observé est publié (les cases au secret ne comptent pas).

# %%
precision = (
    departements.filter(pl.col("erreur_relative_besoin").is_not_null())
    .group_by("dept")
    .agg(
        pl.len().alias("annees_controlees"),
        pl.col("erreur_relative_besoin").abs().mean().round(3).alias("ecart_absolu_moyen"),
    )
    .sort("dept")
)
precision  # noqa: B018 (displayed)

# %%
con.close()
