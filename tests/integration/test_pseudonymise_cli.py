"""`observatoire pseudonymise` reproduces the test vectors of docs/contrat-echange.md §3 through
the CLI."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration
SECRET = b"observatoire-test-vector-secret-0001"
# docs/contrat-echange.md §3 test vectors (the identities are the contract's own, not persons)
VECTORS = [
    (
        "Dupont",
        "Jean-Pierre",
        "2006-03-14",
        "M",
        "edad872aa4956b2f7c3fb25b79a74bbb1c801e66de39511e327adc55400c5b2f",
    ),
    (
        "DUPONT",
        "jean pierre",
        "14/03/2006",
        "M",
        "edad872aa4956b2f7c3fb25b79a74bbb1c801e66de39511e327adc55400c5b2f",
    ),
    (
        "N'Diaye",
        "Aïssatou, Marie",
        "2005-11-02",
        "F",
        "532d87024bf48298b6e1d7c4216303931385286c053a0000c456bc96127ff222",
    ),
    (
        "Lefèvre-Martin",
        "Éloïse",
        "2007-01-30",
        "F",
        "403ab240d5f34aa70b9c61f01722300b5dd9ba50281f3514a054236202f8314c",
    ),
    (
        "Bœuf",
        "Lætitia",
        "2005-02-28",
        "F",
        "4c4153c1114d50281dd413a420ae4be52aa268c21af742fd57afd8ea4bd28ee1",
    ),
    (
        "  de la Fontaine ",
        "  Jean  ",
        "2006-12-01",
        "M",
        "82d8c120490ea13b41a5105ac36d3fadcdfd294bcb08368e067f15aa4daec7c7",
    ),
]


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "pseudonymise", *args],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **(env or {})},
    )


def _identities(path: Path, rows: list[tuple[str, str, str, str]], encoding: str = "utf-8") -> None:
    lines = ["NOM;Prenom;date_naissance;sexe;mna"]
    lines += [f'{n};"{p}";{d};{s};0' for n, p, d, s in rows]
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))


def test_vectors_through_the_cli(tmp_path: Path) -> None:
    (tmp_path / "secret").write_bytes(SECRET + b"\n")  # a trailing line break is not part of it
    _identities(tmp_path / "identites.csv", [v[:4] for v in VECTORS], encoding="cp1252")
    result = _cli(
        "--in",
        str(tmp_path / "identites.csv"),
        "--out",
        str(tmp_path / "ase_jeunes.csv"),
        "--secret-file",
        str(tmp_path / "secret"),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    lines = (tmp_path / "ase_jeunes.csv").read_text().splitlines()
    assert lines[0] == "id_jeune;annee_mois_naissance;sexe;mna"
    assert [line.split(";")[0] for line in lines[1:]] == [v[4] for v in VECTORS]
    assert lines[1].split(";")[1:] == ["2006-03", "M", "0"]
    assert SECRET.decode() not in result.stdout + result.stderr


def test_secret_from_the_environment_and_detail_tables_lose_person_columns(tmp_path: Path) -> None:
    (tmp_path / "secret").write_bytes(SECRET)
    _identities(tmp_path / "in.csv", [VECTORS[0][:4]])
    result = _cli(
        "--in",
        str(tmp_path / "in.csv"),
        "--out",
        str(tmp_path / "ase_sorties.csv"),
        env={"OBSERVATOIRE_SECRET_FILE": str(tmp_path / "secret")},
    )
    assert result.returncode == 0, result.stdout
    assert (tmp_path / "ase_sorties.csv").read_text().splitlines() == [
        "id_jeune;mna",
        f"{VECTORS[0][4]};0",
    ]


def test_refusals_in_french(tmp_path: Path) -> None:
    (tmp_path / "short").write_bytes(b"trop-court")
    (tmp_path / "secret").write_bytes(SECRET)
    _identities(tmp_path / "in.csv", [VECTORS[0][:4]])
    short = _cli(
        "--in",
        str(tmp_path / "in.csv"),
        "--out",
        str(tmp_path / "o.csv"),
        "--secret-file",
        str(tmp_path / "short"),
    )
    assert short.returncode == 1 and "au moins 32" in short.stdout
    none = _cli(
        "--in",
        str(tmp_path / "in.csv"),
        "--out",
        str(tmp_path / "o.csv"),
        env={"OBSERVATOIRE_SECRET_FILE": ""},
    )
    assert none.returncode == 1 and "Aucun secret" in none.stdout
    (tmp_path / "no_sex.csv").write_text("nom;prenom;date_naissance\nX;Y;2006-01-01\n")
    missing = _cli(
        "--in",
        str(tmp_path / "no_sex.csv"),
        "--out",
        str(tmp_path / "o.csv"),
        "--secret-file",
        str(tmp_path / "secret"),
    )
    assert missing.returncode == 1 and "sexe" in missing.stdout
    _identities(
        tmp_path / "bad.csv",
        [
            ("Durand", "Léa", "2006-02-30", "F"),
            ("Martin", "Paul", "hier", "M"),
            ("Petit", "Zoé", "2006-01-01", "X"),
        ],
    )
    bad = _cli(
        "--in",
        str(tmp_path / "bad.csv"),
        "--out",
        str(tmp_path / "o.csv"),
        "--secret-file",
        str(tmp_path / "secret"),
    )
    assert bad.returncode == 1
    assert "date_naissance illisible (AAAA-MM-JJ ou JJ/MM/AAAA) lignes 2, 3" in bad.stdout
    assert "sexe différent de F ou M lignes 4" in bad.stdout
    assert "Durand" not in bad.stdout and "Martin" not in bad.stdout  # no identity repeated
    assert not (tmp_path / "o.csv").exists()  # nothing written
