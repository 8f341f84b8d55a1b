"""Documents made from the staged, masked publication before it is switched in (bilans ODPE,
maps, workbook): each builder takes the staged folder and writes inside it; one that raises
aborts the publication and the previous one stays in place.

Add a builder here; `settings` gives what a builder may need besides the folder (region,
threshold). Builders read only the published files, never the warehouse.
"""

from pathlib import Path

from pipelines.lib.publication.outputs import OutputsSummary, build_outputs
from pipelines.lib.publication.publish import Builder
from pipelines.lib.settings import Settings


def builders(settings: Settings) -> list[Builder]:
    """The builders of a publication, in the order they run."""

    def documents(staged: Path) -> OutputsSummary:
        """Bilans ODPE and regional synthesis (PDF, HTML), GeoPackage, workbook."""
        return build_outputs(staged, settings.region)

    return [documents]
