"""The declarations beside the dbt models, read from manifests edited in the test: every gap
stops the publication with a French message naming the model and the column."""

from typing import Any

import pytest
from publication_helpers import M_COLUMNS, M_META, manifest, model, repository_manifest

from pipelines.lib.publication.declarations import (
    COUNT,
    SHARE,
    PublicationRefusee,
    check_table,
    read_declarations,
)


def _refusal(data: dict[str, Any]) -> list[str]:
    with pytest.raises(PublicationRefusee) as caught:
        read_declarations(data)
    assert str(caught.value).startswith("Publication refusée : rien n'a été publié")
    return caught.value.problems


def test_the_repository_declares_every_mart() -> None:
    declarations = read_declarations(repository_manifest())
    assert set(declarations.names) == {
        "places_conventions",
        "places_par_departement",
        "residences_plafond",
        "sorties_ase_marges",
        "sorties_ase_synthese",
        "part_ex_mna",
        "delai_cej",
        "parcours",
        "bilan_odpe",
        "besoin_logement_pdalhpd",
        "couverture_territoriale",
    }
    # docs/marts.md: sorties_ase and appariement stay in the warehouse (territoires: a work table)
    assert declarations.internal == ("sorties_ase", "appariement", "territoires")
    share = declarations.mart("sorties_ase_synthese").column("part_sorties_seches")
    assert share.secret == SHARE
    assert share.population == (("nb_sorties", 1), ("nb_situation_inconnue", -1))
    assert share.label == (
        "part, taux ou quantile (population : nb_sorties − nb_situation_inconnue)"
    )
    assert declarations.mart("delai_cej").column("delai_median_jours").decimals == 1


def test_a_marts_model_without_declaration_stops_everything() -> None:
    data = repository_manifest()
    data["nodes"]["model.observatoire.nouveau"] = model("nouveau", None, {"x": None})
    assert _refusal(data) == [
        "modèle « nouveau » : ne déclare ni « publication: publie » ni « publication: interne » "
        "(`config: {meta: {publication: …}}` dans son fichier YAML) : un mart du schéma marts "
        "doit dire s'il est publié."
    ]


def test_a_misspelt_status_is_not_a_status() -> None:
    data = manifest(model("m", {**M_META, "publication": "public"}, M_COLUMNS))
    assert _refusal(data) == [
        "modèle « m » : déclare « publication: public », qui n'est ni « publie » ni « interne » "
        "(`config: {meta: {publication: …}}` dans son fichier YAML) : un mart du schéma marts "
        "doit dire s'il est publié."
    ]


def test_a_published_column_without_class() -> None:
    data = repository_manifest()
    column = data["nodes"]["model.observatoire.parcours"]["columns"]["nb_sorties"]
    column["config"]["meta"] = {}
    column["meta"] = {}
    problems = _refusal(data)
    assert problems[0] == (
        "modèle « parcours », colonne « nb_sorties » : aucune classe de secret déclarée "
        "(ajoutez `config: {meta: {secret: …}}` : effectif, part, derive, hors_secret)."
    )
    # and what named it as a count says so too
    assert any("« sommes_de_lignes »" in p for p in problems)


def test_a_class_naming_a_column_that_does_not_exist() -> None:
    data = manifest(
        model("m", M_META, {**M_COLUMNS, "part": {"secret": "part", "population": ["nb_x"]}})
    )
    assert _refusal(data) == [
        "modèle « m », colonne « part » : sa population ou « calculee_de » nomme la colonne "
        "« nb_x », qui n'existe pas."
    ]


def test_a_renamed_count_leaves_its_share_without_population() -> None:
    """`nb_jeunes` renamed `nb_personnes` in the YAML: the share still names the old name."""
    data = repository_manifest()
    columns = data["nodes"]["model.observatoire.part_ex_mna"]["columns"]
    columns["nb_personnes"] = {**columns.pop("nb_jeunes"), "name": "nb_personnes"}
    assert _refusal(data) == [
        "modèle « part_ex_mna », colonne « part_ex_mna » : sa population ou « calculee_de » "
        "nomme la colonne « nb_jeunes », qui n'existe pas."
    ]


def test_structures_must_name_counts_that_exist() -> None:
    meta = {
        **M_META,
        "grain": ["annee", "departement"],
        "sommes": [{"total": "n", "parties": ["places"]}],
        "sommes_de_lignes": [{"colonne": "n", "par": ["annee"], "total": "autre.nb"}],
    }
    problems = _refusal(manifest(model("m", meta, M_COLUMNS)))
    assert problems == [
        "modèle « m », colonne « departement » : nommée dans « grain » mais n'existe pas.",
        "modèle « m », colonne « n » : une somme (« sommes ») nomme « places », qui n'est pas "
        "déclarée « effectif ».",
        "modèle « m », colonne « n » : « sommes_de_lignes.total » nomme « autre.nb », qui "
        "n'est pas un effectif d'un mart publié.",
    ]


def test_unknown_class_and_keys_are_refused() -> None:
    columns = {
        **M_COLUMNS,
        "n": {"secret": "effectifs"},
        "flag": {"secret": "hors_secret", "seuil": 5},
    }
    problems = _refusal(manifest(model("m", {**M_META, "masque": True}, columns)))
    assert problems == [
        "modèle « m » : clé de déclaration inconnue « masque ».",
        "modèle « m », colonne « n » : classe de secret « effectifs » inconnue (attendu : "
        "effectif, part, derive, hors_secret).",
        "modèle « m », colonne « flag » : clé de déclaration inconnue « seuil ».",
        "modèle « m », colonne « part » : sa population ou « calculee_de » nomme la colonne "
        "« n », qui n'existe pas.",
    ]


def test_a_share_needs_its_population_and_a_derived_value_its_counts() -> None:
    columns = {
        **M_COLUMNS,
        "part": {"secret": "part"},
        "places": {"secret": "derive"},
    }
    problems = _refusal(manifest(model("m", M_META, columns)))
    assert [p.split(" : ")[0] for p in problems] == [
        "modèle « m », colonne « part »",
        "modèle « m », colonne « places »",
    ]
    assert "population" in problems[0] and "derive_de" in problems[1]


def test_an_explicitly_empty_derivation_is_allowed() -> None:
    columns = {**M_COLUMNS, "places": {"secret": "derive", "derive_de": [], "decimales": 1}}
    mart = read_declarations(manifest(model("m", M_META, columns))).mart("m")
    assert mart.column("places").depends_on == ()
    assert mart.column("places").label == (
        "dérivé de personnes (estimation ; ne dérive d'aucun effectif publié)"
    )


def test_a_published_mart_needs_a_grain() -> None:
    problems = _refusal(manifest(model("m", {"publication": "publie"}, M_COLUMNS)))
    assert problems == [
        "modèle « m » : un mart publié doit déclarer son grain (`grain: [colonnes clés]`)."
    ]


def test_internal_models_need_no_column_class() -> None:
    data = manifest(
        model("m", M_META, M_COLUMNS),
        model("travail", {"publication": "interne"}, {"id_jeune": None}),
    )
    declarations = read_declarations(data)
    assert declarations.names == ("m",)
    assert declarations.internal == ("travail",)


def test_other_schemas_are_not_marts() -> None:
    staging = model("stg_x", None, {"id_jeune": None})
    staging["schema"] = "staging"
    assert read_declarations(manifest(model("m", M_META, M_COLUMNS), staging)).names == ("m",)


def test_the_built_table_must_match_the_declarations() -> None:
    mart = read_declarations(manifest(model("m", M_META, M_COLUMNS))).mart("m")
    assert mart.of_class(COUNT) == ("n",)
    assert check_table(mart, ["annee", "dept", "n", "part", "flag", "places"]) == []
    assert check_table(mart, ["annee", "dept", "n", "nb_nouveau", "part", "flag"]) == [
        "modèle « m », colonne « nb_nouveau » : présente dans la table construite mais sans "
        "déclaration dans le YAML du modèle (ajoutez la colonne et sa classe de secret).",
        "modèle « m », colonne « places » : déclarée dans le YAML mais absente de la table "
        "construite marts.m.",
    ]


def test_a_published_column_needs_its_description() -> None:
    data = manifest(model("m", M_META, M_COLUMNS))
    data["nodes"]["model.observatoire.m"]["columns"]["n"]["description"] = ""
    assert _refusal(data) == [
        "modèle « m », colonne « n » : publiée sans description (`description:` dans le YAML) : "
        "le dictionnaire et la base des analystes la donnent aux lecteurs."
    ]


def test_a_published_model_needs_its_description() -> None:
    assert _refusal(manifest(model("m", M_META, M_COLUMNS, description=" "))) == [
        "modèle « m » : publié sans description (`description:` dans le YAML)."
    ]
