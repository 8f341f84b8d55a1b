"""The analysts' definitions (`docs/marts.md`) name only marts and columns that the dbt models
declare: a renamed column or a dropped mart cannot leave the document describing something that
is not published."""

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
MARTS_DOC = ROOT / "docs" / "marts.md"
MARTS_MODELS = ROOT / "dbt_project" / "models" / "marts"


def _marts_section() -> str:
    text = MARTS_DOC.read_text(encoding="utf-8")
    start = text.index("\n## Les marts\n")
    end = text.index("\n## ", start + 1)
    return text[start:end]


def documented_marts() -> dict[str, list[str]]:
    """Each mart's heading, and the columns of its `**Colonnes**` paragraphs."""
    found: dict[str, list[str]] = {}
    for block in re.split(r"^(?=### )", _marts_section(), flags=re.MULTILINE)[1:]:
        name = re.match(r"^### `([a-z_0-9]+)`", block)
        assert name, block[:80]
        paragraphs = re.findall(r"^\*\*Colonnes[^*]*\*\* : (.*?)(?:\n\n|\Z)", block, re.M | re.S)
        assert paragraphs, f"{name[1]}: no **Colonnes** paragraph"
        found[name[1]] = [c for p in paragraphs for c in re.findall(r"`([a-z_0-9]+)`", p)]
    return found


def model_columns() -> dict[str, set[str]]:
    """Columns declared in the YAML of every model under `models/marts/`."""
    models: dict[str, set[str]] = {}
    for path in sorted(MARTS_MODELS.rglob("*.yml")):
        for model in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("models", []):
            models[model["name"]] = {c["name"] for c in model.get("columns", [])}
    return models


DOCUMENTED = documented_marts()


def test_summary_table_lists_the_documented_marts() -> None:
    first_table = _marts_section().split("\n### ", 1)[0]
    summary = re.findall(r"^\| `([a-z_0-9]+)` \|", first_table, re.MULTILINE)
    assert summary == list(DOCUMENTED)


@pytest.mark.parametrize("mart", list(DOCUMENTED))
def test_documented_columns_are_declared_by_the_model(mart: str) -> None:
    models = model_columns()
    assert mart in models, f"{mart} is documented but no dbt model of models/marts declares it"
    missing = [c for c in DOCUMENTED[mart] if c not in models[mart]]
    assert not missing, f"{mart}: documented columns not declared by the model: {missing}"
    assert len(set(DOCUMENTED[mart])) == len(DOCUMENTED[mart]), f"{mart}: a column twice"
