"""The GeoPackage for QGIS, read back with GDAL (pyogrio) and SQLite as QGIS reads it."""

import math
import sqlite3
import xml.etree.ElementTree as ET
from pathlib import Path

import pyogrio
import pytest

from pipelines.lib.publication.outputs import OutputsSummary
from pipelines.lib.publication.outputs.cartes import _breaks, qml


def _gpkg(built: tuple[Path, OutputsSummary]) -> Path:
    return built[0] / "cartes" / "observatoire.gpkg"


def test_layers_crs_and_fields(built: tuple[Path, OutputsSummary]) -> None:
    path = _gpkg(built)
    layers = {name: kind for name, kind in pyogrio.list_layers(path)}
    assert layers == {
        "departements": "MultiPolygon",
        "region": "MultiPolygon",
        "residences": None,
        "champs": None,
        "layer_styles": None,
    }
    info = pyogrio.read_info(path, layer="departements")
    assert info["crs"] == "EPSG:4326"
    fields = list(info["fields"])
    assert fields[:3] == ["annee", "dept", "nom"]
    # named as in the marts; part_ex_mna widened per population; no duplicate
    for name in (
        "nb_jeunes_majeurs_accompagnes",
        "taux_entretien_17_ans",
        "part_sorties_seches",
        "places_conventionnees_cd",
        "places_cd_pour_100_jeunes_majeurs",
        "part_ex_mna_jeunes_majeurs",
        "nb_jeunes_sorties",
        "nb_cej_6_mois",
        "delai_median_jours",
        "provisoire",
        "cellules_masquees",
    ):
        assert name in fields
    assert len(fields) == len(set(fields))
    types = dict(zip(info["fields"], info["ogr_types"], strict=True))
    assert types["nb_sorties"] == "OFTInteger64"
    assert types["part_sorties_seches"] == "OFTReal"
    assert types["dept"] == "OFTString"


def test_features_carry_the_published_values(built: tuple[Path, OutputsSummary]) -> None:
    frame = pyogrio.read_dataframe(_gpkg(built), layer="departements")
    assert sorted(zip(frame["dept"], frame["annee"], strict=True)) == [
        ("09", 2023),
        ("09", 2024),
        ("11", 2023),
        ("11", 2024),
    ]
    aude = frame[(frame["dept"] == "11") & (frame["annee"] == 2024)].iloc[0]
    assert aude["nom"] == "Aude"
    assert aude["places_cd_pour_100_jeunes_majeurs"] == pytest.approx(39.6825)
    assert aude["part_ex_mna_jeunes_majeurs"] == pytest.approx(0.5)
    assert aude["delai_median_jours"] == pytest.approx(-37.5)
    assert bool(aude["provisoire"]) and bool(aude["provisoire_delai_cej"])
    ariege = frame[(frame["dept"] == "09") & (frame["annee"] == 2024)].iloc[0]
    assert ariege["nom"] == "Ariège"
    assert math.isnan(ariege["nb_sorties_seches"])
    assert "nb_sorties_seches" in ariege["cellules_masquees"].split(", ")
    assert "part_ex_mna_jeunes_majeurs" in ariege["cellules_masquees"].split(", ")
    region = pyogrio.read_dataframe(_gpkg(built), layer="region")
    assert list(region["dept"]) == ["R76", "R76"]
    assert list(region["nom"]) == ["Occitanie", "Occitanie"]
    # the region's contour holds every department's
    assert region.geometry.iloc[0].contains(ariege.geometry.representative_point())


def test_default_qgis_style(built: tuple[Path, OutputsSummary]) -> None:
    con = sqlite3.connect(_gpkg(built))
    try:
        styles = con.execute(
            "select f_table_name, f_geometry_column, styleName, useAsDefault, styleQML "
            "from layer_styles order by id"
        ).fetchall()
        contents = con.execute(
            "select data_type from gpkg_contents where table_name = 'layer_styles'"
        ).fetchone()
    finally:
        con.close()
    assert contents == ("attributes",)
    assert [s[:4] for s in styles] == [
        ("departements", "geom", "Places CD pour 100 JM", 1),
        ("departements", "geom", "Sorties sèches", 0),
        ("departements", "geom", "Sorties suivies par une ML", 0),
        ("departements", "geom", "Entretien des 17 ans", 0),
    ]
    root = ET.fromstring(styles[0][4].split("\n", 1)[1])
    renderer = root.find("renderer-v2")
    assert renderer is not None and renderer.get("type") == "RuleRenderer"
    rules = renderer.findall("rules/rule")
    # 2024 values 9,09 and 39,68: one class, then secret and sans objet
    assert [r.get("label") for r in rules] == ["9,1 – 39,7", "secret statistique", "sans objet"]
    assert rules[0].get("filter") == (
        '"annee" = coalesce(@annee_carte, 2024) AND '
        '"places_cd_pour_100_jeunes_majeurs" >= 9.0909 AND '
        '"places_cd_pour_100_jeunes_majeurs" <= 39.6825'
    )
    assert len(renderer.findall("symbols/symbol")) == 3


def test_quantile_breaks() -> None:
    assert _breaks([10, 1, 2, 3, 4, 5, 6, 7, 8, 9]) == [1, 3, 5, 7, 9, 10]
    assert _breaks([4, 4, 4]) == [4, 4]
    assert _breaks([]) == []


def test_qml_for_a_share_labels_percentages() -> None:
    text = qml("part_sorties_seches", 2024, [0.1, 0.2, 0.3, 0.4, 0.5])
    root = ET.fromstring(text.split("\n", 1)[1])
    labels = [r.get("label") for r in root.findall("renderer-v2/rules/rule")]
    assert labels[0] == "10,0\u00a0% – 20,0\u00a0%"
    assert labels[-2:] == ["secret statistique", "sans objet"]
