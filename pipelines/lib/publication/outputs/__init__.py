"""What each user takes away, made from a published folder: the ODPE bilans (PDF and HTML) and
the regional synthesis, the GeoPackage for QGIS, the workbook.

`build_outputs` reads and writes only inside the published folder (it runs on the staged folder
before the switch), and only from its masked files: nothing here opens the warehouse.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pipelines.lib.publication.outputs import cartes, classeur, contenu, rendu
from pipelines.lib.publication.outputs.published import Publication

REPORTS_DIR = "rapports"
MAPS_DIR = "cartes"
WORKBOOK = "observatoire.xlsx"


@dataclass
class OutputsSummary:
    """What was written (paths relative to the published folder) and how long each kind took."""

    files: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def total_seconds(self) -> float:
        return sum(self.seconds.values())


def _timed(summary: OutputsSummary, name: str, step: Callable[[], list[Path]], root: Path) -> None:
    started = time.perf_counter()
    written = step()
    summary.seconds[name] = round(time.perf_counter() - started, 2)
    summary.files.extend(p.relative_to(root).as_posix() for p in written)


def _reports(pub: Publication, folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    ctx = contenu.Context.of(pub)
    written: list[Path] = []
    documents = [(f"bilan_odpe_{code}", contenu.bilan(ctx, code)) for code, _ in pub.departments]
    documents.append(("synthese_regionale", contenu.synthese(ctx)))
    for stem, doc in documents:
        html_path = folder / f"{stem}.html"
        html_path.write_text(rendu.html(doc), encoding="utf-8")
        pdf_path = folder / f"{stem}.pdf"
        pdf_path.write_bytes(rendu.pdf(rendu.typst_source(doc)))
        written += [pdf_path, html_path]
    return written


def build_outputs(published: Path, region: str) -> OutputsSummary:
    """Write `rapports/` (one bilan per department of `region` and the regional synthesis, PDF
    and HTML), `cartes/observatoire.gpkg` and `observatoire.xlsx` inside `published`."""
    published = published.resolve()
    pub = Publication(published, region)
    summary = OutputsSummary()
    _timed(summary, "rapports", lambda: _reports(pub, published / REPORTS_DIR), published)
    _timed(
        summary,
        "cartes",
        lambda: [cartes.write_geopackage(pub, published / MAPS_DIR)],
        published,
    )
    _timed(summary, "classeur", lambda: [classeur.write(pub, published / WORKBOOK)], published)
    return summary


__all__ = ["OutputsSummary", "build_outputs"]
