"""Links between the user documents lead somewhere: the file exists in the repository and the
anchor names one of its headings (as GitHub and most Markdown viewers write anchors)."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = sorted([*(ROOT / "docs").glob("*.md"), ROOT / "reference" / "README.md"])
_LINK = re.compile(r"\]\(([^)\s]+)\)")


def anchor(heading: str) -> str:
    """GitHub's anchor of a heading: lower case, punctuation dropped, spaces become hyphens."""
    text = heading.strip().lower().replace("`", "")
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    text = re.sub(r"```.*?```", "", path.read_text(encoding="utf-8"), flags=re.DOTALL)
    return {anchor(h) for h in re.findall(r"^#{1,6} (.+)$", text, re.MULTILINE)}


def test_anchor_rule() -> None:
    assert anchor("3. La clé pseudonyme `id_jeune`") == "3-la-clé-pseudonyme-id_jeune"
    assert anchor("Annexe : calculer `id_jeune`") == "annexe--calculer-id_jeune"


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_links_lead_somewhere(document: Path) -> None:
    broken = []
    for target in _LINK.findall(document.read_text(encoding="utf-8")):
        if re.match(r"^[a-z]+:", target):
            continue  # an external address: not checked offline
        name, _, fragment = target.partition("#")
        path = (document.parent / name).resolve() if name else document
        found = path.is_file() and path.is_relative_to(ROOT)
        if not found or (fragment and path.suffix == ".md" and fragment not in anchors(path)):
            broken.append(target)
    assert not broken, f"broken links in {document.name}: {broken}"
