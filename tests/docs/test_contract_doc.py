"""The partners' contract document (`docs/contrat-echange.md`) and the code cannot diverge.

Partners implement what the document says, the gate enforces what `lib/contract` says: the test
vectors, tables, columns, types, required flags, code lists, business keys, references and rule
codes are read from the document as a partner reads them and compared with the code.
"""

import csv
import re
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from pipelines.lib.contract.pseudonymisation import id_jeune, message, pseudonymise_file
from pipelines.lib.contract.rules import RULES, WARNINGS
from pipelines.lib.contract.tables import ASE_SERVICE_CODES, SOURCES, TABLES, Kind, Table

ROOT = Path(__file__).resolve().parents[2]
CONTRACT = ROOT / "docs" / "contrat-echange.md"
VECTORS_CSV = ROOT / "docs" / "vecteurs-id-jeune.csv"

# The type labels of the document's column tables.
KIND_LABELS = {
    "clé pseudonyme": Kind.ID_JEUNE,
    "texte": Kind.TEXT,
    "code": Kind.CODE,
    "liste de codes": Kind.CODES,
    "date": Kind.DATE,
    "année-mois": Kind.YEAR_MONTH,
    "booléen": Kind.BOOL,
    "entier > 0": Kind.INT,
    "code département": Kind.DEPT,
    "code commune": Kind.COMMUNE,
}
_CODE = re.compile(r"^[A-Z0-9_]+$")
_PIPE = re.compile(r"(?<!\\)\|")


# --- reading the Markdown the way a partner reads it -------------------------------------------


def section(text: str, heading: str) -> str:
    """The text under the first heading that starts with `heading` (e.g. `## 4.`), up to the
    next heading of the same or a higher level."""
    level = len(heading) - len(heading.lstrip("#"))
    lines = text.splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith(heading)]
    assert starts, f"{CONTRACT.name} has no heading « {heading} »"
    start = starts[0]
    end = next(
        (i for i in range(start + 1, len(lines)) if re.match(rf"^#{{1,{level}}} ", lines[i])),
        len(lines),
    )
    return "\n".join(lines[start:end])


def cells(row: str) -> list[str]:
    """The cells of one table row; `\\|` inside a cell is a literal bar."""
    inner = row.strip()[1:-1]
    return [c.strip().replace("\\|", "|") for c in _PIPE.split(inner)]


def table_rows(text: str) -> list[list[str]]:
    """The body rows of the first Markdown table of `text` (header and rule skipped)."""
    rows: list[list[str]] = []
    in_table = False
    for line in text.splitlines():
        if line.startswith("|"):
            in_table = True
            rows.append(cells(line))
        elif in_table:
            break
    assert len(rows) >= 2, "no Markdown table found"
    return rows[2:]


def code_span(cell: str) -> str:
    """The exact content of a cell that is one code span (spaces inside kept)."""
    assert cell.startswith("`") and cell.endswith("`") and cell.count("`") == 2, cell
    return cell[1:-1]


def spans(text: str) -> list[str]:
    return [s.replace("\\|", "|") for s in re.findall(r"`([^`]+)`", text)]


# --- the test vectors ---------------------------------------------------------------------------


class Vector(NamedTuple):
    secret: bytes
    nom: str
    prenom: str
    naissance: str
    sexe: str
    message: str
    id_jeune: str


def documented_vectors() -> list[Vector]:
    text = section(CONTRACT.read_text(encoding="utf-8"), "### Vecteurs de test")
    found = re.search(r"chaîne ASCII de (\d+) octets\s+`([^`]+)`", text)
    assert found, "the test secret is not stated"
    secret = found[2].encode("ascii")
    assert len(secret) == int(found[1]), "the stated length of the test secret is wrong"
    return [
        Vector(
            secret,
            code_span(nom),
            code_span(prenom),
            naissance,
            sexe,
            code_span(msg),
            code_span(key),
        )
        for nom, prenom, naissance, sexe, msg, key in table_rows(text)
    ]


VECTORS = documented_vectors()


def test_the_six_vectors_are_documented() -> None:
    assert len(VECTORS) == 6
    # The whitespace case keeps its spaces: a partner's implementation must trim them itself.
    assert any(v.nom != v.nom.strip() for v in VECTORS)


@pytest.mark.parametrize("v", VECTORS, ids=[f"{v.nom.strip()}-{v.prenom.strip()}" for v in VECTORS])
def test_vector_is_reproduced_by_the_code(v: Vector) -> None:
    assert message(v.nom, v.prenom, v.naissance, v.sexe) == v.message
    assert id_jeune(v.secret, v.nom, v.prenom, v.naissance, v.sexe) == v.id_jeune


def test_vectors_csv_holds_the_same_vectors_with_exact_spaces() -> None:
    with VECTORS_CSV.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter=";"))
    assert [
        Vector(
            r["secret"].encode("ascii"),
            r["nom"],
            r["prenom"],
            r["naissance"],
            r["sexe"],
            r["message"],
            r["id_jeune"],
        )
        for r in rows
    ] == VECTORS


def test_reference_implementation_in_the_annex_reproduces_the_vectors() -> None:
    annex = section(CONTRACT.read_text(encoding="utf-8"), "## Annexe")
    blocks = re.findall(r"```python\n(.*?)```", annex, re.DOTALL)
    assert len(blocks) == 1
    namespace: dict[str, Any] = {}
    exec(compile(blocks[0], "contrat-echange.md (annexe)", "exec"), namespace)
    for v in VECTORS:
        assert namespace["id_jeune"](v.secret, v.nom, v.prenom, v.naissance, v.sexe) == v.id_jeune


def test_pseudonymise_example_matches_the_tool(tmp_path: Path) -> None:
    """The input and output shown for `observatoire pseudonymise` are what the tool writes."""
    text = section(CONTRACT.read_text(encoding="utf-8"), "### Pseudonymiser un fichier")
    example = text.split("Exemple, avec le secret de test", 1)[1]
    before, after = re.findall(r"```\n(.*?)```", example, re.DOTALL)[:2]
    target_name = re.search(r"devient, dans `([a-z_]+\.csv)`", example)
    assert target_name
    source = tmp_path / "identifie.csv"
    source.write_text(before, encoding="utf-8")
    target = tmp_path / target_name[1]
    pseudonymise_file(source, target, VECTORS[0].secret)
    assert target.read_text(encoding="utf-8") == after


# --- tables, columns, code lists ---------------------------------------------------------------


class DocTable(NamedTuple):
    source: str
    key: tuple[str, ...]
    required_table: bool
    rows: list[list[str]]


def documented_tables() -> dict[str, DocTable]:
    text = section(CONTRACT.read_text(encoding="utf-8"), "## 4.")
    found: dict[str, DocTable] = {}
    for part in re.split(r"^(?=### 4\.\d )", text, flags=re.MULTILINE)[1:]:
        source = part.split()[2].lower()  # "### 4.1 ASE — …"
        for block in re.split(r"^(?=#### )", part, flags=re.MULTILINE)[1:]:
            name = re.match(r"^#### `([a-z_]+)`", block)
            key_line = re.search(r"\*\*Clé métier\*\* : (.*?)\.", block)
            required = re.search(r"\*\*Table obligatoire\*\* : (oui|non)", block)
            assert name and key_line and required, block[:80]
            assert name[1] not in found, f"{name[1]} is documented twice"
            found[name[1]] = DocTable(
                source,
                tuple(spans(key_line[1])),
                required[1] == "oui",
                table_rows(block),
            )
    return found


DOC_TABLES = documented_tables()


def test_documented_tables_are_the_contract_tables() -> None:
    assert list(DOC_TABLES) == list(TABLES)


@pytest.mark.parametrize("name", list(TABLES))
def test_table_matches_the_code(name: str) -> None:
    table, doc = TABLES[name], DOC_TABLES[name]
    assert doc.source == table.source
    assert doc.key == table.key, "business key"
    assert doc.required_table == table.required_table, "required table"
    assert [code_span(r[0]) for r in doc.rows] == list(table.column_names), "columns"
    for row in doc.rows:
        _check_column(table, row)


def _check_column(table: Table, row: list[str]) -> None:
    name, kind, required, meaning = row
    col = table.column(code_span(name))
    where = f"{table.name}.{col.name}"
    assert KIND_LABELS.get(kind) is col.kind, f"{where}: type « {kind} »"
    if required in ("oui", "non"):
        assert col.required == (required == "oui"), f"{where}: obligatoire"
        assert col.required_if_set is None and col.required_if_value is None, where
    else:
        assert not col.required, where
        if_set = re.fullmatch(r"si `(\w+)` renseignée", required)
        if_value = re.fullmatch(r"si `(\w+)` = `(\w+)`", required)
        assert if_set or if_value, f"{where}: « {required} »"
        assert col.required_if_set == (if_set[1] if if_set else None), where
        assert col.required_if_value == (if_value.groups() if if_value else None), where
    if col.kind in (Kind.CODE, Kind.CODES):
        documented = tuple(s for s in spans(meaning) if _CODE.match(s))
        assert documented == col.codes, f"{where}: liste des codes"
    refers = set(re.findall(r"doit exister dans `([a-z_]+)`", meaning))
    assert refers == {r.table for r in table.references if r.column == col.name}, where
    assert ("postérieure au jour du contrôle" in meaning) == col.future_allowed, where


def test_business_key_summary_matches_the_code() -> None:
    text = section(CONTRACT.read_text(encoding="utf-8"), "### Clés métier")
    summary = {code_span(t): tuple(spans(k)) for t, k in table_rows(text)}
    assert summary == {t.name: t.key for t in TABLES.values()}


def test_sources_and_ase_services_are_documented() -> None:
    text = section(CONTRACT.read_text(encoding="utf-8"), "## 1.")
    assert [code_span(r[0]) for r in table_rows(text)] == list(SOURCES)
    for code in ASE_SERVICE_CODES:
        assert f"`{code}`" in text


# --- rule codes ---------------------------------------------------------------------------------


def documented_codes(heading: str) -> list[str]:
    text = section(CONTRACT.read_text(encoding="utf-8"), heading)
    return [code_span(r[0]) for r in table_rows(text)]


def test_every_rule_code_is_documented() -> None:
    refusals = documented_codes("### Motifs de refus")
    warnings = documented_codes("### Avertissements")
    assert len(set(refusals + warnings)) == len(refusals + warnings), "a code is listed twice"
    missing = set(RULES) - set(refusals) - set(warnings)
    assert not missing, f"rule codes of rules.py missing from {CONTRACT.name}: {sorted(missing)}"
    unknown = set(refusals) - set(RULES)
    assert not unknown, f"refusal codes documented but unknown to rules.py: {sorted(unknown)}"
    assert set(warnings) == set(WARNINGS), "the warnings documented are those of rules.py"
    # v1.1: a record that a later extract no longer holds is a warning, never a refusal.
    assert "ENREGISTREMENT_DISPARU" in warnings
