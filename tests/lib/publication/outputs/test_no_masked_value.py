"""Acceptance (issue 11): no bilan, synthesis, chart, map attribute or workbook cell shows a value
that the published marts mask. Structural: every published cell an output shows is named (HTML
`data-cle`, Typst `val(…)`, SVG ids, the GeoPackage's `champs` table, the workbook's sheet and
row), and each masked one must be shown as « secret » (or empty), each other one as its value.
"""

from pathlib import Path

import pytest
from outputs_audit import (
    check_cells,
    check_geopackage,
    check_workbook,
    html_cells,
    published_cells,
    svg_ids,
    typst_cells,
)

from pipelines.lib.publication.outputs import OutputsSummary, contenu, rendu
from pipelines.lib.publication.outputs.published import Publication

# Cells masked in the hand-typed publication (conftest.py) that the reports must show.
MUST_SHOW_SECRET = {
    "bilan_odpe|nb_sorties_seches|annee=2024;dept=09",
    "bilan_odpe|taux_entretien_17_ans|annee=2024;dept=09",
    "bilan_odpe|nb_retours|annee=2023;dept=09",
    "sorties_ase_synthese|part_sorties_seches|annee=2024;dept=09",
    "sorties_ase_marges|nb_sorties|annee=2024;dept=09;dimension=logement_sortie;modalite=SANS_SOLUTION",
    "part_ex_mna|part_ex_mna|annee=2024;dept=09;population=JEUNES_MAJEURS",
    "delai_cej|nb_cej_6_mois|annee_sortie=2023;dept=09",
    "delai_cej|delai_median_jours|annee_sortie=2023;dept=09",
    "parcours|nb_sorties|annee_sortie=2024;dept=09;parcours=HJ_SEUL",
    "besoin_logement_pdalhpd|sorties_observees|annee_reference=2023;dept=09;annee_projection=2024",
}
# …and that a chart draws as a « secret » mark.
MUST_CHART_SECRET = {
    "bilan_odpe|taux_entretien_17_ans|annee=2024;dept=09",
    "parcours|nb_sorties|annee_sortie=2024;dept=09;parcours=HJ_SEUL",
    "sorties_ase_synthese|part_sorties_seches|annee=2024;dept=09",
    "besoin_logement_pdalhpd|besoin_logement_observe|annee_reference=2023;dept=09;annee_projection=2024",
}


def test_reports_show_masked_cells_as_secret(built: tuple[Path, OutputsSummary]) -> None:
    folder, _ = built
    everything, masked = published_cells(folder)
    shown_secret: set[str] = set()
    for path in sorted((folder / "rapports").glob("*.html")):
        shown = html_cells(path)
        check_cells(shown, everything, masked)
        shown_secret |= {k for k, state, _ in shown if state == "secret"}
        if path.stem in ("bilan_odpe_09", "bilan_odpe_11", "synthese_regionale"):
            assert len(shown) > 50, path.name
    assert shown_secret >= MUST_SHOW_SECRET


def test_typst_sources_show_masked_cells_as_secret(built: tuple[Path, OutputsSummary]) -> None:
    """The PDFs' sources, made as `build_outputs` makes them."""
    folder, _ = built
    everything, masked = published_cells(folder)
    ctx = contenu.Context.of(Publication(folder, "76"))
    docs = [contenu.bilan(ctx, code) for code, _ in ctx.pub.departments]
    docs.append(contenu.synthese(ctx))
    shown_secret: set[str] = set()
    for doc in docs:
        shown = typst_cells(rendu.typst_source(doc))
        check_cells(shown, everything, masked)
        shown_secret |= {k for k, state, _ in shown if state == "secret"}
    assert shown_secret >= MUST_SHOW_SECRET


def test_charts_never_draw_a_masked_cell(built: tuple[Path, OutputsSummary]) -> None:
    folder, _ = built
    everything, masked = published_cells(folder)
    drawn: set[str] = set()
    marked: set[str] = set()
    for path in sorted((folder / "rapports").glob("*.html")):
        for kind, key in svg_ids(path.read_text(encoding="utf-8")):
            assert key in everything, key
            (drawn if kind == "v" else marked).add(key)
    assert not drawn & masked
    assert marked <= masked
    assert marked >= MUST_CHART_SECRET


@pytest.mark.parametrize("layer", ["departements", "region"])
def test_map_attributes_are_null_where_masked(
    built: tuple[Path, OutputsSummary], layer: str
) -> None:
    masked_seen = check_geopackage(built[0], layer)
    if layer == "departements":
        assert masked_seen >= 8


def test_workbook_leaves_masked_cells_empty(built: tuple[Path, OutputsSummary]) -> None:
    assert check_workbook(built[0]) >= 20
