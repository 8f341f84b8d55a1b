from pathlib import Path

import pytest
from helpers import valid_ase, valid_ml, write_delivery

from pipelines.lib.contract.deliveries import delivery_for_path, discover, parse_file_name


def test_parse_file_name() -> None:
    assert parse_file_name("ml_jeunes__ML3002.csv") == ("ml_jeunes", "ML3002")
    assert parse_file_name("ASE_MESURES.CSV") == ("ase_mesures", None)
    assert parse_file_name("notes.txt") is None


def test_one_partition_per_producer(tmp_path: Path) -> None:
    write_delivery(tmp_path, "ml", "30", 2024, valid_ml(), producteur="ML3002")
    write_delivery(tmp_path, "ml", "30", 2024, valid_ml(), producteur="ML3005")
    write_delivery(tmp_path, "ase", "69M", 2023, valid_ase())
    found = discover(tmp_path)
    assert [d.key for d in found] == ["ase-69M-2023", "ml-30-2024-ML3002", "ml-30-2024-ML3005"]
    assert sorted(found[1].files) == ["ml_accompagnements", "ml_jeunes", "ml_situations"]
    assert found[1].report_name == "ml_30_2024_ML3002"


def test_fingerprint_changes_with_content(tmp_path: Path) -> None:
    folder = write_delivery(tmp_path, "ase", "09", 2024, valid_ase())
    before = discover(tmp_path)[0].fingerprint()
    assert discover(tmp_path)[0].fingerprint() == before
    (folder / "ase_sorties.csv").write_text("id_jeune;date_sortie\n")
    assert discover(tmp_path)[0].fingerprint() != before


def test_delivery_for_path_needs_the_layout(tmp_path: Path) -> None:
    folder = write_delivery(tmp_path, "ase", "09", 2024, valid_ase())
    assert [d.key for d in delivery_for_path(folder)] == ["ase-09-2024"]
    with pytest.raises(ValueError, match="<source>/<dept>/<annee>"):
        delivery_for_path(tmp_path)
