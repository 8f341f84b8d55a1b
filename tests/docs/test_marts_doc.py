"""The analysts' definitions (`docs/marts.md`) and the dbt models cannot diverge.

The published set and every column's disclosure class are declared beside the models (the
`config.meta` of the YAML under `models/marts/`): every mart declared published is documented
with all its columns, the columns that disclosure control may mask are those whose class says
so, and the document's « Lectures retenues » follow the README's "Readings of the specs" point
by point. The files of a real publication are checked in `test_publication_doc.py`.
"""

import re

import pytest
from doc_reading import (
    BLOCKS,
    INTERNAL,
    MARTS_DOC,
    MODELS,
    PUBLISHED_MODELS,
    README,
    SUMMARY,
    declared_class,
    documented_classes,
    documented_columns,
    section,
    spans,
)

# --- marts and columns ---------------------------------------------------------------------------


def test_summary_table_lists_the_documented_marts() -> None:
    assert list(SUMMARY) == list(BLOCKS)


def test_every_published_model_is_documented_as_published() -> None:
    documented = sorted(m for m, cells in SUMMARY.items() if cells[1] == "oui")
    assert documented == PUBLISHED_MODELS, (
        "the marts marked « oui » in docs/marts.md are not those the dbt models declare "
        "`publication: publie`"
    )


@pytest.mark.parametrize("mart", [m for m, cells in SUMMARY.items() if cells[1] != "oui"])
def test_marts_documented_as_internal_are_internal(mart: str) -> None:
    assert SUMMARY[mart][1].startswith("non"), SUMMARY[mart]
    assert mart in MODELS, f"{mart} is documented but no dbt model of models/marts declares it"
    assert MODELS[mart].publication == INTERNAL


@pytest.mark.parametrize("mart", list(BLOCKS))
def test_documented_columns_are_the_model_columns(mart: str) -> None:
    """Every column of the model is documented, and nothing else (a published column cannot be
    added, renamed or dropped without the document following)."""
    assert mart in MODELS, f"{mart} is documented but no dbt model of models/marts declares it"
    columns = documented_columns(BLOCKS[mart])
    assert len(set(columns)) == len(columns), f"{mart}: a column is listed twice"
    missing = sorted(set(MODELS[mart].columns) - set(columns))
    unknown = sorted(set(columns) - set(MODELS[mart].columns))
    assert not missing, f"{mart}: columns of the model not documented in docs/marts.md: {missing}"
    assert not unknown, f"{mart}: documented columns the model does not declare: {unknown}"


@pytest.mark.parametrize("mart", PUBLISHED_MODELS)
def test_documented_disclosure_classes_are_the_declared_ones(mart: str) -> None:
    """The columns that disclosure control may mask, class by class; every other column is
    declared `hors_secret`."""
    assert mart in BLOCKS, f"{mart} is published but has no section in docs/marts.md"
    declared = {
        name: declared_class(meta)
        for name, meta in MODELS[mart].columns.items()
        if meta.get("secret") != "hors_secret"
    }
    assert documented_classes(BLOCKS[mart]) == declared


def test_regional_rows_are_documented_for_published_marts_only() -> None:
    for mart, cells in SUMMARY.items():
        regional = cells[2]
        if cells[1] == "oui":
            assert regional in ("oui", "non"), f"{mart}: « {regional} »"
        else:
            assert regional == "—", f"{mart}: an internal mart is not published by territory"


def test_reading_the_class_paragraph() -> None:
    block = (
        "### `m`\n\n**Secret statistique** — effectifs de personnes : `a`, `b` ; parts, taux\n"
        "et quantiles : `c` ; estimations : `d`\n\n- `a` : …\n"
    )
    assert documented_classes(block) == {"a": "effectif", "b": "effectif", "c": "part"} | {
        "d": "estimation"
    }
    none = "### `m`\n\n**Secret statistique** — aucune colonne : des places seulement.\n"
    assert documented_classes(none) == {}
    with pytest.raises(AssertionError):
        documented_classes("### `m`\n\n**Secret statistique** — comptes : `a`\n")


# --- the readings follow the README --------------------------------------------------------------


def bullets(text: str) -> list[str]:
    """The top-level bullets of a section (a bullet runs until the next one)."""
    return [b for b in re.split(r"^- ", text, flags=re.MULTILINE)[1:]]


def identifiers(text: str) -> set[str]:
    """Code spans that name something (a column, a code, a file, an option), not the short
    formulas whose words are translated (`exit + 365 >`)."""
    return {s for s in spans(text) if not re.search(r"\s", s)}


def test_readings_follow_the_readme_point_by_point() -> None:
    english = bullets(section(README.read_text(encoding="utf-8"), "### Readings of the specs"))
    french = bullets(section(MARTS_DOC.read_text(encoding="utf-8"), "## Lectures retenues"))
    assert len(french) == len(english), (
        f"README.md has {len(english)} readings, « Lectures retenues » {len(french)}: "
        "translate the new or removed reading in docs/marts.md, at the same rank"
    )
    for rank, (en, fr) in enumerate(zip(english, french, strict=True), start=1):
        missing = identifiers(en) - identifiers(fr)
        lead = en.split("\n", 1)[0][:60]
        assert not missing, f"reading {rank} (« {lead} »): {sorted(missing)} not in the French"
