"""The content of a report, independent of its format: the HTML and the Typst templates render
the same blocks, so the PDF and the web page cannot say different things."""

from dataclasses import dataclass, field
from typing import Literal

from pipelines.lib.publication.outputs.cells import Cell

Style = Literal["texte", "note", "alerte", "intro"]


@dataclass(frozen=True)
class Paragraph:
    text: str
    style: Style = "texte"
    kind: str = "paragraphe"


@dataclass(frozen=True)
class Bullets:
    items: list[str]
    style: Style = "texte"
    kind: str = "liste"


@dataclass(frozen=True)
class Table:
    header: list[Cell]
    rows: list[list[Cell]]
    caption: str = ""
    # A row whose first cell spans the table (a group title inside a long table).
    group_rows: frozenset[int] = frozenset()
    kind: str = "tableau"


@dataclass(frozen=True)
class Chart:
    svg: str
    caption: str
    css_class: str = "graphique"  # "carte" for maps (narrower on screen)
    kind: str = "figure"


@dataclass(frozen=True)
class KeyFigures:
    items: list[tuple[str, Cell]]
    kind: str = "chiffres"


@dataclass(frozen=True)
class Heading:
    text: str
    kind: str = "intertitre"


Block = Paragraph | Bullets | Table | Chart | KeyFigures | Heading


@dataclass
class Section:
    title: str
    blocks: list[Block] = field(default_factory=list)

    def add(self, *blocks: Block | None) -> "Section":
        self.blocks.extend(b for b in blocks if b is not None)
        return self


@dataclass
class Document:
    title: str
    subtitle: str
    territory: str
    publication_date: str
    sections: list[Section] = field(default_factory=list)
    legend: list[str] = field(default_factory=list)

    def section(self, title: str) -> Section:
        s = Section(title)
        self.sections.append(s)
        return s

    def cells(self) -> list[Cell]:
        """Every cell of the document's tables and key figures."""
        out: list[Cell] = []
        for s in self.sections:
            for b in s.blocks:
                if isinstance(b, Table):
                    out.extend(b.header)
                    for r in b.rows:
                        out.extend(r)
                elif isinstance(b, KeyFigures):
                    out.extend(c for _, c in b.items)
        return out
