"""Publishing a hand-made warehouse with a hand-made manifest: the three forms agree to the
digit, the dictionary and the deliveries come along, the guide points only to what is there,
and any failure leaves the previous publication byte for byte."""

import re
import threading
from pathlib import Path

import duckdb
import polars as pl
import pytest
from publication_helpers import (
    M_COLUMNS,
    M_META,
    digest,
    m_manifest,
    manifest,
    model,
    warehouse,
    write_manifest,
)

from pipelines.lib.publication import switch
from pipelines.lib.publication.declarations import PublicationRefusee
from pipelines.lib.publication.publish import ConstructionEchouee, publish

ROWS = [
    (2024, "09", 12, 1 / 3, True, 40),
    (2024, "11", 4, 0.25, None, 10),
    (2023, "09", 0, None, False, 5),
]
HEADER = "annee;dept;n;part;flag;places;cellules_masquees"


def _published(tmp_path: Path, rows: list = ROWS, **kw: object) -> Path:
    marts = tmp_path / "marts"
    publish(warehouse(tmp_path / "w.duckdb", rows), marts, m_manifest(tmp_path), **kw)  # type: ignore[arg-type]
    return marts


def test_the_three_forms_agree_to_the_digit(tmp_path: Path) -> None:
    """4 persons are masked with their share; a missing flag is empty but not masked (sans
    objet); 1/3 is published as 0.3333 everywhere; booleans read oui/non in the CSV."""
    marts = _published(tmp_path)
    assert (marts / "m.csv").read_bytes() == (
        "\ufeff" + HEADER + "\n"
        "2024;09;12;0,3333;oui;40;\n"
        "2024;11;;;;10;n, part\n"
        "2023;09;0;;non;5;\n"
    ).encode("utf-8")
    expected = [
        (2024, "09", 12, 0.3333, True, 40, None),
        (2024, "11", None, None, None, 10, "n, part"),
        (2023, "09", 0, None, False, 5, None),
    ]
    assert pl.read_parquet(marts / "m.parquet").rows() == expected
    with duckdb.connect(str(marts / "observatoire.duckdb"), read_only=True) as con:
        assert con.execute("select * from m").fetchall() == expected
        assert {r[0] for r in con.execute("show tables").fetchall()} == {
            "m",
            "dictionnaire",
            "livraisons",
        }


def test_the_dictionary_beside_the_marts(tmp_path: Path) -> None:
    marts = _published(tmp_path)
    lines = (marts / "dictionnaire.csv").read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "mart;colonne;type;classe_secret;description"
    assert lines[1:8] == [
        "m;annee;entier;hors secret (ne porte pas sur des personnes);Description de annee.",
        "m;dept;texte;hors secret (ne porte pas sur des personnes);Description de dept.",
        "m;n;entier;effectif de personnes;Description de n.",
        "m;part;décimal;part, taux ou quantile (population : n);Description de part.",
        "m;flag;booléen;hors secret (ne porte pas sur des personnes);Description de flag.",
        "m;places;entier;hors secret (ne porte pas sur des personnes);Description de places.",
        # a description holding `;` is quoted, as CSV says
        'm;cellules_masquees;texte;hors secret (ne porte pas sur des personnes);"Cases de la '
        "ligne masquées par le secret statistique (noms de colonnes séparés par des virgules ; "
        "vide : aucune). Une case vide qui n'est pas citée ici est sans objet.\"",
    ]
    assert [line.split(";")[:2] for line in lines[8:]] == [
        ["livraisons", c]
        for c in ("source", "dept", "annee", "producteur", "acceptee_le", "nb_lignes")
    ] + [["dictionnaire", c] for c in ("mart", "colonne", "type", "classe_secret", "description")]
    with duckdb.connect(str(marts / "observatoire.duckdb"), read_only=True) as con:
        table = con.execute("select * from dictionnaire").fetchall()
    assert pl.read_csv(marts / "dictionnaire.csv", separator=";").rows() == table


def test_the_deliveries_in_force_are_listed(tmp_path: Path) -> None:
    marts = _published(tmp_path)
    assert (marts / "livraisons.csv").read_text(encoding="utf-8-sig").splitlines() == [
        "source;dept;annee;producteur;acceptee_le;nb_lignes",
        "ase;09;2024;;2025-02-01 09:30:00;40",
        "ml;09;2024;ML0901;2025-02-03 10:00:00;12",
    ]


def test_every_table_and_column_of_the_database_is_commented(tmp_path: Path) -> None:
    marts = _published(tmp_path)
    with duckdb.connect(str(marts / "observatoire.duckdb"), read_only=True) as con:
        tables = dict(con.execute("select table_name, comment from duckdb_tables()").fetchall())
        columns = con.execute(
            "select table_name, column_name, comment from duckdb_columns() where not internal"
        ).fetchall()
    assert tables["m"] == "Un mart de test."
    assert tables["livraisons"].startswith("Livraisons en vigueur")
    assert all(tables.values())
    assert ("m", "n", "Description de n.") in columns
    assert [c for c in columns if not c[2]] == []


@pytest.mark.parametrize(
    ("seuil", "rule"), [(11, "de 1 à 10 personnes"), (5, "de 1 à 4 personnes")]
)
def test_the_guide_states_the_rule_from_the_threshold(
    tmp_path: Path, seuil: int, rule: str
) -> None:
    guide = (_published(tmp_path, seuil=seuil) / "LISEZMOI.md").read_text(encoding="utf-8")
    assert f"Un effectif {rule} est remplacé par une case vide" in guide
    assert f"calculé sur moins de {seuil} personnes" in guide
    assert "11 − 1" not in guide


def test_the_guide_points_only_to_files_that_are_there(tmp_path: Path) -> None:
    def bilan(folder: Path) -> None:
        (folder / "rapports").mkdir()
        (folder / "rapports" / "bilan_odpe_09.pdf").write_bytes(b"%PDF-1.7")

    marts = _published(tmp_path, builders=[bilan])
    guide = (marts / "LISEZMOI.md").read_text(encoding="utf-8")
    named = set(
        re.findall(r"`([\w./-]+\.(?:csv|parquet|duckdb|json|md|pdf|html|gpkg|xlsx))`", guide)
    )
    assert named >= {"m.parquet", "m.csv", "observatoire.duckdb", "dictionnaire.csv"}
    assert "rapports/bilan_odpe_09.pdf" in named
    assert "- `rapports/bilan_odpe_09.pdf` : bilan annuel ODPE du département (PDF)" in guide
    assert {n for n in named if not (marts / n).is_file()} == set()
    assert "Parquet" in guide and "DuckDB 1.0" in guide


def test_a_builder_that_fails_publishes_nothing(tmp_path: Path) -> None:
    marts = _published(tmp_path)
    before = digest(marts)

    def carte(folder: Path) -> None:
        (folder / "cartes").mkdir()
        raise ValueError("contours introuvables")

    with pytest.raises(ConstructionEchouee, match="« carte » a échoué \\(contours introuvables\\)"):
        publish(tmp_path / "w.duckdb", marts, tmp_path / "manifest.json", builders=[carte])
    assert digest(marts) == before
    assert len(switch.complete_publications(marts)) == 1
    assert not list(switch.store_of(marts).glob("*.en-cours"))


def _refused(tmp_path: Path, manifest_path: Path) -> list[str]:
    marts = _published(tmp_path)
    before = digest(marts)
    with pytest.raises(PublicationRefusee) as caught:
        publish(tmp_path / "w.duckdb", marts, manifest_path)
    assert digest(marts) == before
    assert not list(switch.store_of(marts).glob("*.en-cours"))
    return caught.value.problems


def test_fail_closed_an_undeclared_model(tmp_path: Path) -> None:
    path = write_manifest(
        tmp_path / "autre.json",
        manifest(model("m", M_META, M_COLUMNS), model("nouveau", None, {"x": None})),
    )
    assert _refused(tmp_path, path)[0].startswith("modèle « nouveau » : ne déclare ni")


def test_fail_closed_a_column_the_model_does_not_declare(tmp_path: Path) -> None:
    columns = {c: m for c, m in M_COLUMNS.items() if c != "flag"}
    path = write_manifest(tmp_path / "autre.json", manifest(model("m", M_META, columns)))
    assert _refused(tmp_path, path) == [
        "modèle « m », colonne « flag » : présente dans la table construite mais sans "
        "déclaration dans le YAML du modèle (ajoutez la colonne et sa classe de secret)."
    ]


def test_fail_closed_a_declared_column_missing_from_the_table(tmp_path: Path) -> None:
    columns = {**M_COLUMNS, "nb_autres": {"secret": "effectif"}}
    path = write_manifest(tmp_path / "autre.json", manifest(model("m", M_META, columns)))
    assert _refused(tmp_path, path) == [
        "modèle « m », colonne « nb_autres » : déclarée dans le YAML mais absente de la table "
        "construite marts.m."
    ]


def test_fail_closed_a_published_model_missing_from_the_warehouse(tmp_path: Path) -> None:
    path = write_manifest(
        tmp_path / "autre.json",
        manifest(model("m", M_META, M_COLUMNS), model("absent", M_META, M_COLUMNS)),
    )
    problems = _refused(tmp_path, path)
    assert problems == [
        "modèle « absent » : déclaré publié mais la table marts.absent n'existe pas dans "
        f"l'entrepôt {tmp_path / 'w.duckdb'}."
    ]


def test_fail_closed_without_manifest(tmp_path: Path) -> None:
    problems = _refused(tmp_path, tmp_path / "introuvable.json")
    assert problems[0].startswith("manifeste dbt introuvable")


def test_a_reader_never_sees_a_missing_or_half_written_publication(tmp_path: Path) -> None:
    """A thread reads the published folder without pause while ten publications replace it.
    Through the link, every file is always there. A reader that resolves the link once (as
    LISEZMOI.md advises for reading several files) gets one whole publication: the count n of
    publication k is 100 + k in the CSV, the Parquet file and the database alike."""
    marts = _published(tmp_path, rows=[(2024, "09", 100, 0.5, True, 1)])
    expected = {
        "LISEZMOI.md",
        "dictionnaire.csv",
        "livraisons.csv",
        "m.csv",
        "m.parquet",
        "masquage.json",
        "observatoire.duckdb",
    }
    stop = threading.Event()
    seen: list[int] = []
    errors: list[str] = []

    def read() -> None:
        while not stop.is_set():
            try:
                names = {p.name for p in marts.iterdir()}
                if names != expected:
                    errors.append(f"fichiers : {sorted(names)}")
                folder = marts.resolve()  # one publication, whatever switches meanwhile
                csv = (folder / "m.csv").read_text(encoding="utf-8-sig").splitlines()[1]
                parquet = pl.read_parquet(folder / "m.parquet")["n"][0]
                with duckdb.connect(str(folder / "observatoire.duckdb"), read_only=True) as con:
                    database = con.execute("select n from m").fetchall()[0][0]
                if not int(csv.split(";")[2]) == parquet == database:
                    errors.append(f"formes différentes : {csv} / {parquet} / {database}")
                seen.append(parquet)
            except (OSError, ValueError, duckdb.Error, pl.exceptions.PolarsError) as error:
                errors.append(repr(error))

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for k in range(1, 11):
            warehouse(tmp_path / "w.duckdb", [(2024, "09", 100 + k, 0.5, True, 1)])
            publish(tmp_path / "w.duckdb", marts, tmp_path / "manifest.json")
    finally:
        stop.set()
        reader.join()
    assert errors == []
    assert len(set(seen)) > 1  # the reader did see publications change under it
    assert seen == sorted(seen)
    assert len(switch.complete_publications(marts)) == 2
