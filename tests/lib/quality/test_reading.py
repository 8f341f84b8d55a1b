"""Reading tolerances (docs/contrat-echange.md §2), checked on the normalised text directly."""

import os
from pathlib import Path

import polars as pl
import pytest
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


# --- Bounds, special files, and the two parsing paths --------------------------------------

HEADER = "id_jeune;sexe;annee_mois_naissance;mna;date_premiere_prise_en_charge"


def _row(n: int, sexe: str = "F") -> str:
    return f"{pid(n)};{sexe};2006-03;0;"


def _read(path: Path, root: Path | None = None) -> tuple[list[str], list[tuple[object, ...]]]:
    rf = read_table_file(path, TABLES["ase_jeunes"], root=root)
    rows = rf.frame.select("_ligne", "id_jeune", "sexe").rows() if rf.frame is not None else []
    return [p.regle for p in rf.problems], rows


def test_a_file_over_the_size_limit_is_refused_unread(tmp_path: Path) -> None:
    """A sparse file of 300 MiB: refused from its size, without reading (nothing allocated)."""
    path = tmp_path / "ase_jeunes.csv"
    with path.open("wb") as handle:
        handle.truncate(300 * 2**20)
    rf = read_table_file(path, TABLES["ase_jeunes"])
    assert [(p.regle, p.lignes) for p in rf.problems] == [("FICHIER_TROP_VOLUMINEUX", [])]
    assert "300,0 Mio" in rf.problems[0].message and rf.frame is None


def test_too_many_lines_too_long_a_line_too_many_columns(tmp_path: Path) -> None:
    path = tmp_path / "ase_jeunes.csv"
    path.write_text(HEADER + "\n" + "\n" * 2_000_000)
    assert _read(path)[0] == ["FICHIER_TROP_VOLUMINEUX"]
    path.write_text(f"{HEADER}\n{_row(1)}\n{_row(2)}{'x' * 10_001}\n{_row(3)}\n")
    rf = read_table_file(path, TABLES["ase_jeunes"])
    assert [(p.regle, p.lignes) for p in rf.problems] == [("LIGNE_TROP_LONGUE", [3])]
    path.write_text(";".join(f"c{i}" for i in range(101)) + "\n")
    assert _read(path)[0] == ["COLONNES_TROP_NOMBREUSES"]
    # 100 columns are within the limit: they are reported one by one as unknown
    path.write_text(HEADER + ";" + ";".join(f"c{i}" for i in range(95)) + "\n")
    assert _read(path)[0].count("COLONNE_INCONNUE") == 95


def test_a_value_over_the_field_limit_is_refused_on_both_paths(tmp_path: Path) -> None:
    path = tmp_path / "ase_jeunes.csv"
    # one physical line per record: the fast path finds every such line
    long = "y" * 1_001
    path.write_text(f"{HEADER}\n{_row(1)}\n{pid(2)};{long};2006-03;0;\n{pid(3)};{long};;;\n")
    rf = read_table_file(path, TABLES["ase_jeunes"])
    assert [(p.regle, p.lignes, p.nb) for p in rf.problems] == [("CHAMP_TROP_LONG", [3, 4], 2)]
    # a quote never closed swallows the rest of the file: the slow path stops at its record
    rest = "\n".join(_row(n) for n in range(3, 400))
    path.write_text(f'{HEADER}\n{_row(1)}\n"{pid(2)};F;2006-03;0;\n{rest}\n')
    rf = read_table_file(path, TABLES["ase_jeunes"])
    assert [(p.regle, p.lignes) for p in rf.problems] == [("CHAMP_TROP_LONG", [3])]
    # exactly at the limit is fine
    path.write_text(f"{HEADER}\n{pid(1)};{'y' * 1_000};2006-03;0;\n")
    assert "CHAMP_TROP_LONG" not in _read(path)[0]


def test_links_pipes_and_paths_outside_the_deliveries_are_refused_unread(tmp_path: Path) -> None:
    outside = tmp_path / "ailleurs"
    outside.mkdir()
    (outside / "ase_jeunes.csv").write_text(f"{HEADER}\n{_row(1)}\n")
    deliveries = tmp_path / "raw"
    folder = deliveries / "ase" / "09" / "2024"
    folder.mkdir(parents=True)
    (folder / "ase_jeunes.csv").symlink_to(outside / "ase_jeunes.csv")
    assert _read(folder / "ase_jeunes.csv", deliveries) == (["FICHIER_NON_REGULIER"], [])
    (folder / "ase_jeunes.csv").unlink()
    os.mkfifo(folder / "ase_jeunes.csv")  # opening a pipe would block: it is never opened
    assert _read(folder / "ase_jeunes.csv", deliveries) == (["FICHIER_NON_REGULIER"], [])
    # a delivery folder that is itself a link to elsewhere: its files resolve outside
    (deliveries / "ase" / "11").mkdir()
    (deliveries / "ase" / "11" / "2024").symlink_to(outside, target_is_directory=True)
    linked = deliveries / "ase" / "11" / "2024" / "ase_jeunes.csv"
    assert _read(linked, deliveries) == (["FICHIER_NON_REGULIER"], [])
    assert _read(linked, outside)[0] == []  # the same file, inside its own root, is read


def test_utf16_without_byte_order_mark_gets_the_hint(tmp_path: Path) -> None:
    path = tmp_path / "ase_jeunes.csv"
    path.write_bytes(f"{HEADER}\n{_row(1)}\n".encode("utf-16-le"))
    rf = read_table_file(path, TABLES["ase_jeunes"])
    assert [p.regle for p in rf.problems] == ["FICHIER_ILLISIBLE"]
    assert "UTF-16" in rf.problems[0].message


def test_control_characters_anywhere_make_a_file_unreadable() -> None:
    text = "a;b\n" * 30_000 + "c;\x1c\n"  # beyond the first 100,000 characters
    assert decode(text.encode()) is None


@pytest.mark.parametrize("ending", ["\n", "\r\n", "\r", "mixed"])
def test_line_endings_give_the_same_rows_and_lines(tmp_path: Path, ending: str) -> None:
    lines = [HEADER, _row(1), "", _row(2, "m"), " ; ; ; ; ", _row(3)]
    if ending == "mixed":
        text = lines[0] + "\r\n" + lines[1] + "\n" + lines[2] + "\r" + "\r\n".join(lines[3:])
    else:
        text = ending.join(lines) + ending
    path = tmp_path / "ase_jeunes.csv"
    path.write_text(text, newline="")
    assert _read(path) == ([], [(2, pid(1), "F"), (4, pid(2), "M"), (6, pid(3), "F")])


def test_quoted_values_on_one_line_and_across_lines(tmp_path: Path) -> None:
    """Well-formed quotes (fast path) and a quoted value spanning two lines (slow path): the
    values, and the physical line where each record starts."""
    path = tmp_path / "ase_jeunes.csv"
    path.write_text(
        f'"id_jeune";"sexe";annee_mois_naissance;mna;date_premiere_prise_en_charge\n'
        f'"{pid(1)}";"F";"2006-03";"0";""\n'
        f'{pid(2)};"M";2006-03;0;"2020-01-01"\n'
    )
    assert _read(path) == ([], [(2, pid(1), "F"), (3, pid(2), "M")])
    path.write_text(f'{HEADER}\n{pid(1)};"F\n";2006-03;0;\n{pid(2)};M;2006-03;"0";"a ""b"" c"\n')
    assert _read(path) == ([], [(2, pid(1), "F"), (4, pid(2), "M")])


def test_an_unforeseen_error_refuses_the_file_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Fault injection: the normalisation raises on one table (as a bug would); reading that
    file ends in ERREUR_INATTENDUE with the exception's type and place, never its message."""
    import pipelines.lib.quality.reading as reading

    real = reading.normalise_column

    def broken(col: str, kind: Kind) -> pl.Expr:
        if col == "mna":
            raise ValueError(f"valeur secrète {pid(1)}")
        return real(col, kind)

    monkeypatch.setattr(reading, "normalise_column", broken)
    path = tmp_path / "ase_jeunes.csv"
    path.write_text(f"{HEADER}\n{_row(1)}\n")
    rf = read_table_file(path, TABLES["ase_jeunes"])
    assert [p.regle for p in rf.problems] == ["ERREUR_INATTENDUE"] and rf.frame is None
    assert "ValueError" in rf.problems[0].message and "reading.py:" in rf.problems[0].message
    assert pid(1) not in rf.problems[0].message
    other = write_table(tmp_path / "b", "ase_sorties", [])
    assert read_table_file(other, TABLES["ase_sorties"]).problems == []


def test_a_platform_fault_propagates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Fault injection: a full disk is not the delivery's fault."""
    import errno

    import pipelines.lib.quality.reading as reading

    def full(*_args: object) -> bytes:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(reading, "read_bounded", full)
    with pytest.raises(OSError, match="No space"):
        read_table_file(write_table(tmp_path, "ase_sorties", []), TABLES["ase_sorties"])
