"""Reading tolerances (exports.md §2), checked on the normalised text directly."""

from pathlib import Path

import polars as pl
from helpers import pid, write_table
from polars.testing import assert_frame_equal

from pipelines.lib.contract.fileformat import decode, sniff_delimiter
from pipelines.lib.contract.tables import TABLES, Kind
from pipelines.lib.quality.reading import normalise_column, read_table_file


def test_decode_accepts_utf8_bom_and_windows_1252() -> None:
    assert decode("é;à\n".encode()) == ("é;à\n", "utf-8")
    assert decode(b"\xef\xbb\xbf" + "é\n".encode()) == ("é\n", "utf-8-sig")
    assert decode("Résidence\n".encode("cp1252")) == ("Résidence\n", "windows-1252")


def test_decode_refuses_binary_files() -> None:
    assert decode(b"PK\x03\x04rest-of-zip") is None
    assert decode(b"\xd0\xcf\x11\xe0\xa1\xb1") is None
    assert decode(b"%PDF-1.7") is None
    assert decode(b"a;b\x00c") is None


def test_delimiter() -> None:
    assert sniff_delimiter("a;b;c") == ";"
    assert sniff_delimiter("a,b,c") == ","
    assert sniff_delimiter("a;b,c") == ";"


def test_normalised_forms() -> None:
    frame = pl.DataFrame(
        {
            "d": ["14/03/2024", "2024-03-14", " ", "2024-3-1", None],
            "b": ["oui", "N", "0", "Vrai", "o"],
            "c": [" mecs ", "FOYER_enfance", "", None, "x"],
            "n": ["012", "7", "0", "2,5", ""],
            "m": [" ml | adepape", "HJ", None, "", "ml|"],
        }
    )
    got = frame.select(
        normalise_column("d", Kind.DATE),
        normalise_column("b", Kind.BOOL),
        normalise_column("c", Kind.CODE),
        normalise_column("n", Kind.INT),
        normalise_column("m", Kind.CODES),
    )
    expected = pl.DataFrame(
        {
            "d": ["2024-03-14", "2024-03-14", None, "2024-3-1", None],
            "b": ["1", "0", "0", "Vrai", "1"],
            "c": ["MECS", "FOYER_ENFANCE", None, None, "X"],
            "n": ["12", "7", "0", "2,5", None],
            "m": ["ML|ADEPAPE", "HJ", None, None, "ML|"],
        }
    )
    assert_frame_equal(got, expected)


def test_header_case_order_and_line_numbers(tmp_path: Path) -> None:
    cols = ["mna", "id_jeune", "annee_mois_naissance", "sexe", "date_premiere_prise_en_charge"]
    rows = [
        {"id_jeune": pid(1), "sexe": "F", "annee_mois_naissance": "2006-03", "mna": "non"},
        {"id_jeune": "", "sexe": "", "annee_mois_naissance": "", "mna": ""},  # blank line: skipped
        {"id_jeune": pid(2), "sexe": "m", "annee_mois_naissance": "2005-11", "mna": "OUI"},
    ]
    path = write_table(
        tmp_path, "ase_jeunes", rows, columns=cols, header=[f" {c.title()} " for c in cols]
    )
    rf = read_table_file(path, TABLES["ase_jeunes"])
    assert rf.problems == []
    assert rf.frame is not None
    assert rf.frame.select("_ligne", "id_jeune", "sexe", "mna").rows() == [
        (2, pid(1), "F", "0"),
        (4, pid(2), "M", "1"),
    ]
