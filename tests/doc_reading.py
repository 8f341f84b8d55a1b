"""How the drift tests of `tests/docs/` read `docs/marts.md` and the dbt models' declarations.

The published set and each column's disclosure class come from the `config.meta` of the YAML
under `models/marts/`; the document gives its summary table, mart sections and class
paragraphs. Shared here (like `helpers.py`) because two test modules compare them."""

import re
from pathlib import Path
from typing import Any, NamedTuple

import yaml

ROOT = Path(__file__).resolve().parents[1]
MARTS_DOC = ROOT / "docs" / "marts.md"
README = ROOT / "README.md"
MARTS_MODELS = ROOT / "dbt_project" / "models" / "marts"

PUBLISHED, INTERNAL = "publie", "interne"
# The labels of a mart's « Secret statistique » paragraph → the declared class. An estimate is a
# derived value that derives from no published count (`derive_de: []`): never masked.
CLASS_LABELS = {
    "effectifs de personnes": "effectif",
    "parts, taux et quantiles": "part",
    "valeurs dérivées de personnes": "derive",
    "estimations": "estimation",
}
_SPAN = re.compile(r"`([^`]+)`")


def spans(text: str) -> list[str]:
    """The code spans of a text, in order."""
    return _SPAN.findall(text)


# --- the dbt models ------------------------------------------------------------------------------


class Model(NamedTuple):
    publication: str | None
    columns: dict[str, dict[str, Any]]  # column → its `config.meta`


def _meta(node: dict[str, Any]) -> dict[str, Any]:
    return dict((node.get("config") or {}).get("meta") or {})


def marts_models() -> dict[str, Model]:
    """Every model declared in the YAML under `models/marts/`, with its declarations."""
    models: dict[str, Model] = {}
    for path in sorted(MARTS_MODELS.rglob("*.yml")):
        for model in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("models", []):
            columns = {c["name"]: _meta(c) for c in model.get("columns", [])}
            models[model["name"]] = Model(_meta(model).get("publication"), columns)
    return models


MODELS = marts_models()
PUBLISHED_MODELS = sorted(m for m, model in MODELS.items() if model.publication == PUBLISHED)


def declared_class(meta: dict[str, Any]) -> str:
    secret = str(meta.get("secret"))
    if secret == "derive" and not meta.get("derive_de"):
        return "estimation"
    return secret


# --- the document --------------------------------------------------------------------------------


def section(text: str, heading: str) -> str:
    """From the line `heading` to the next heading of the same or a higher level."""
    level = len(heading) - len(heading.lstrip("#"))
    start = text.index(f"\n{heading}\n") + 1
    following = re.compile(rf"^#{{1,{level}}} ", re.MULTILINE)
    found = following.search(text, start + len(heading))
    return text[start : found.start() if found else len(text)]


def _marts_section() -> str:
    return section(MARTS_DOC.read_text(encoding="utf-8"), "## Les marts")


def summary_table() -> dict[str, list[str]]:
    """The first table of « Les marts »: mart → its other cells."""
    first_table = _marts_section().split("\n### ", 1)[0]
    rows = re.findall(r"^\| `([a-z_0-9]+)` \|(.*)\|$", first_table, re.MULTILINE)
    return {name: [c.strip() for c in rest.split("|")] for name, rest in rows}


def mart_blocks() -> dict[str, str]:
    """Each mart's subsection of « Les marts », by the mart named in its heading."""
    blocks: dict[str, str] = {}
    for block in re.split(r"^(?=### )", _marts_section(), flags=re.MULTILINE)[1:]:
        name = re.match(r"^### `([a-z_0-9]+)`", block)
        assert name, block[:80]
        assert name[1] not in blocks, f"{name[1]} is documented twice"
        blocks[name[1]] = block
    return blocks


def _paragraph(block: str, lead: str) -> list[str]:
    """The paragraphs of `block` that start with the bold `lead` (up to a blank line)."""
    return re.findall(rf"^\*\*{lead}[^*]*\*\*(.*?)(?:\n\n|\Z)", block, re.MULTILINE | re.DOTALL)


def documented_columns(block: str) -> list[str]:
    """The columns of a mart's `**Colonnes**` paragraphs (the 1.1 list and the project's)."""
    paragraphs = _paragraph(block, "Colonnes")
    assert paragraphs, "no **Colonnes** paragraph"
    return [c for p in paragraphs for c in re.findall(r"`([a-z_0-9]+)`", p)]


def documented_classes(block: str) -> dict[str, str]:
    """Column → class, from the mart's `**Secret statistique** — label : columns ; …`."""
    paragraphs = _paragraph(block, "Secret statistique")
    assert len(paragraphs) == 1, "one **Secret statistique** paragraph"
    text = " ".join(paragraphs[0].split()).removeprefix("—").strip()
    classes: dict[str, str] = {}
    if text.startswith("aucune colonne"):
        assert not _SPAN.search(text), text
        return classes
    for part in text.split(" ; "):
        label, _, columns = part.partition(" : ")
        assert label in CLASS_LABELS, f"unknown class label « {label} »"
        names = spans(columns)
        assert names, f"« {label} » names no column"
        for name in names:
            assert name not in classes, f"{name} is given two classes"
            classes[name] = CLASS_LABELS[label]
    return classes


SUMMARY = summary_table()
BLOCKS = mart_blocks()


def documented_published() -> list[str]:
    """The marts the summary table marks published (« oui »), in its order."""
    return [m for m, cells in SUMMARY.items() if cells[1] == "oui"]
