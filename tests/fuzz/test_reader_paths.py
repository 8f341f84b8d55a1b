"""The native fast path reads exactly what Python's csv module reads (the slow path, and the
reader of the first release): same header, same records, same physical line numbers — on
random texts, and on random well-formed CSV with quoting (Hypothesis). And no text makes the
reader raise."""

import tempfile
from pathlib import Path

from hostile import HYPOTHESIS_EXAMPLES
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from pipelines.lib.contract.tables import TABLES
from pipelines.lib.quality import reading

SETTINGS = settings(
    max_examples=HYPOTHESIS_EXAMPLES,
    deadline=None,
    database=None,  # nothing written into the repository
    suppress_health_check=[HealthCheck.too_slow],
)

# Characters that matter to a CSV reader, and a few that matter to decoding and trimming.
NOISY = st.text(alphabet=list('ab ;,"\n\r\t|0é\ufeff\u00a0'), max_size=300)


def _compare(text: str, delimiter: str) -> bool:
    """Compare both paths on one text; True when the fast path applied."""
    fast = reading._fast_split("f.csv", reading._lines_of(text), delimiter)
    if fast is None:
        event("chemin lent")
        return False
    event("chemin rapide")
    slow = reading._slow_split("f.csv", text, delimiter)
    assert fast[0] == slow[0]
    assert fast[1].to_dicts() == slow[1].to_dicts()
    return True


@SETTINGS
@given(NOISY, st.sampled_from([";", ","]))
def test_both_paths_agree_on_random_text(text: str, delimiter: str) -> None:
    _compare(text, delimiter)


FIELD = st.text(alphabet=list('ab ;,"\n\r|é'), max_size=8)


@st.composite
def csv_texts(draw: st.DrawFn) -> tuple[str, str, bool]:
    """Rows of fields, quoted when they must be (or at random), random line endings. Returns
    the text, its delimiter, and whether every record is on one line."""
    delimiter = draw(st.sampled_from([";", ","]))
    width = draw(st.integers(1, 5))
    rows = draw(st.lists(st.lists(FIELD, min_size=width, max_size=width), max_size=12))
    one_line = True
    lines = []
    for row in rows:
        cells = []
        for cell in row:
            special = any(c in cell for c in f'{delimiter}"\n\r')
            if special or draw(st.booleans()):
                cells.append('"' + cell.replace('"', '""') + '"')
                one_line &= "\n" not in cell and "\r" not in cell
            else:
                cells.append(cell)
        lines.append(delimiter.join(cells))
    ending = draw(st.sampled_from(["\n", "\r\n"]))
    return ending.join(lines) + draw(st.sampled_from(["", ending])), delimiter, one_line


@SETTINGS
@given(csv_texts())
def test_both_paths_agree_on_quoted_csv(case: tuple[str, str, bool]) -> None:
    text, delimiter, one_line = case
    fast_applied = _compare(text, delimiter)
    if one_line:  # records on one line each: the fast path must take them
        assert fast_applied


@SETTINGS
@given(st.binary(max_size=400) | NOISY.map(lambda t: t.encode("utf-8")))
def test_no_bytes_make_the_reader_raise(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ase_jeunes.csv"
        path.write_bytes(b"id_jeune;sexe;annee_mois_naissance;mna\n" + data)
        result = reading.read_table_file(path, TABLES["ase_jeunes"], root=Path(tmp))
    assert all(p.regle != "ERREUR_INATTENDUE" for p in result.problems)
