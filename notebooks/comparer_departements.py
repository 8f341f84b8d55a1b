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
# # Lire la base des analystes et comparer les départements
#
# Ce carnet ouvre `observatoire.duckdb`, la base publiée pour les analystes (en lecture seule),
# liste ses tables et leurs descriptions, puis compare les départements sur la part de sorties
# sèches de la dernière année.
#
# Il ne lit que la **publication** (jamais l'entrepôt) : les cases soumises au secret
# statistique y sont vides et nommées dans la colonne `cellules_masquees` de chaque ligne ; on
# les affiche « secret ». Une case vide non nommée est « sans objet ».
#
# La publication est cherchée dans le dossier de la variable d'environnement
# `OBSERVATOIRE_PUBLICATION`, à défaut dans `data/marts`.

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
print(f"Publication lue : {PUBLICATION.resolve()}")

# %% [markdown]
# ## Les tables et leurs descriptions

# %%
con.sql(
    """
    select table_name as nom, comment as description from duckdb_tables()
    union all
    select view_name, comment from duckdb_views() where not internal
    order by nom
    """
).pl()

# %%
con.sql(
    """
    select column_name as colonne, data_type as type, comment as description
    from duckdb_columns()
    where table_name = 'sorties_ase_synthese'
    """
).pl()


# %% [markdown]
# ## Afficher le secret statistique
#
# `lisible` remplace, pour l'affichage, chaque case nommée dans `cellules_masquees` par
# « secret » et chaque autre case vide par « — » : on ne confond pas un secret et un zéro.


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
# ## Sorties sèches : les départements de la dernière année

# %%
colonnes = {
    c
    for (c,) in con.sql(
        "select column_name from duckdb_columns() where table_name = 'sorties_ase_synthese'"
    ).fetchall()
}
nom = "nom_territoire" if "nom_territoire" in colonnes else "dept"
annee = con.sql("select max(annee) from sorties_ase_synthese").fetchall()[0][0]
sorties = con.sql(
    f"""
    select annee, dept, {nom} as territoire, nb_sorties, nb_sorties_seches,
           nb_situation_inconnue, part_sorties_seches, cellules_masquees
    from sorties_ase_synthese
    where annee = ?
    order by dept
    """,
    params=[annee],
).pl()
lisible(sorties)

# %% [markdown]
# La région (`dept` commençant par `R`) est calculée sur les valeurs exactes de tous les
# départements : elle ne se retrouve pas en additionnant les cases visibles.

# %%
departements = sorties.filter(~pl.col("dept").str.starts_with("R"))
region = sorties.filter(pl.col("dept").str.starts_with("R"))
fig, ax = plt.subplots(figsize=(7, 0.35 * departements.height + 1))
for y, ligne in enumerate(reversed(departements.to_dicts())):
    part = ligne["part_sorties_seches"]
    masquee = "part_sorties_seches" in (ligne["cellules_masquees"] or "").split(", ")
    if part is not None:
        ax.barh(y, part, color="#1f5f8b")
        ax.text(part + 0.005, y, f"{100 * part:.1f} %".replace(".", ","), va="center", fontsize=8)
    else:
        ax.text(0.005, y, "secret" if masquee else "—", va="center", fontsize=8, style="italic")
ax.set_yticks(range(departements.height), list(reversed(departements["territoire"].to_list())))
if region.height and region["part_sorties_seches"][0] is not None:
    ax.axvline(region["part_sorties_seches"][0], color="#444444", linestyle="--", label="région")
    ax.legend(frameon=False)
ax.set_title(f"Part de sorties sèches (situation connue), {annee}")
ax.xaxis.set_major_formatter(lambda v, _: f"{round(100 * v)} %")
plt.show()

# %% [markdown]
# ## Une évolution : les jeunes majeurs accompagnés
#
# Les valeurs provisoires (colonne `provisoire`, dernière année livrée) changeront avec la
# prochaine livraison.

# %%
colonnes_bilan = {
    c
    for (c,) in con.sql(
        "select column_name from duckdb_columns() where table_name = 'bilan_odpe'"
    ).fetchall()
}
provisoire = "provisoire" if "provisoire" in colonnes_bilan else "false as provisoire"
evolution = con.sql(
    f"""
    select annee, dept, {provisoire}, nb_jeunes_majeurs_accompagnes, nb_sorties,
           taux_entretien_17_ans, cellules_masquees
    from bilan_odpe
    order by dept, annee
    """
).pl()
lisible(evolution)

# %%
con.close()
