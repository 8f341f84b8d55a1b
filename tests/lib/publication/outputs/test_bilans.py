"""The ODPE bilans and the regional synthesis built from the hand-typed publication."""

from html.parser import HTMLParser
from pathlib import Path

from helpers import OCCITANIE

from pipelines.lib.publication.outputs import OutputsSummary, contenu, rendu
from pipelines.lib.publication.outputs.document import Document, Paragraph, Section
from pipelines.lib.publication.outputs.published import Publication


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.cells: dict[str, str] = {}
        self._key: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        key = dict(attrs).get("data-cle")
        if key:
            self._key = key
            self.cells[key] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th", "span"):
            self._key = None

    def handle_data(self, data: str) -> None:
        self.parts.append(data)
        if self._key:
            self.cells[self._key] += data

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.parts).split())


def _html(folder: Path, stem: str) -> _Text:
    parser = _Text()
    parser.feed((folder / "rapports" / f"{stem}.html").read_text(encoding="utf-8"))
    return parser


def test_one_bilan_per_department_and_the_synthesis(built: tuple[Path, OutputsSummary]) -> None:
    folder, summary = built
    expected = [f"rapports/bilan_odpe_{d}.{ext}" for d in OCCITANIE for ext in ("pdf", "html")]
    expected += ["rapports/synthese_regionale.pdf", "rapports/synthese_regionale.html"]
    assert sorted(f for f in summary.files if f.startswith("rapports/")) == sorted(expected)
    for name in expected:
        data = (folder / name).read_bytes()
        assert data.startswith(b"%PDF-" if name.endswith(".pdf") else b"<!DOCTYPE html>")
    assert set(summary.seconds) == {"rapports", "cartes", "classeur"}


def test_the_bilan_names_its_department_and_shows_the_latest_year(
    built: tuple[Path, OutputsSummary],
) -> None:
    folder, _ = built
    page = _html(folder, "bilan_odpe_11")
    assert "Bilan jeunes majeurs — Aude (11)" in page.text
    # 2024 (latest, provisional) figures of Aude, as published
    assert page.cells["bilan_odpe|nb_jeunes_majeurs_accompagnes|annee=2024;dept=11"] == "126"
    assert page.cells["bilan_odpe|nb_sorties|annee=2024;dept=11"] == "42"
    assert page.cells["sorties_ase_synthese|part_sorties_seches|annee=2024;dept=11"] == (
        "39,4\u00a0%"
    )
    # no interview due in 2024: sans objet, not secret
    assert page.cells["bilan_odpe|taux_entretien_post_sortie|annee=2024;dept=11"] == "—"
    assert "2024 (p)" in page.text
    assert "Les chiffres de 2024 sont provisoires" in page.text
    # the regional comparison uses the published regional row
    assert "Occitanie" in page.text


def test_notes_tell_the_implausible_residence_and_the_deliveries(
    built: tuple[Path, OutputsSummary],
) -> None:
    folder, _ = built
    aude = _html(folder, "bilan_odpe_11").text
    assert "Valeurs à vérifier" in aude
    assert "50 places réservées par le CD au 31 décembre pour une capacité de 38 places" in aude
    assert "131,6 %" in aude  # (whitespace normalised)
    assert "Secret statistique. Les effectifs de 1 à 10 personnes" in aude
    ariege = _html(folder, "bilan_odpe_09").text
    assert "Aucune valeur contradictoire" in ariege
    assert "ML0901" in ariege and "12/02/2026" in ariege  # deliveries used, with their dates
    synthese = _html(folder, "synthese_regionale").text
    assert "Aude — 2024 : " in synthese


def test_a_department_without_delivery_says_so(built: tuple[Path, OutputsSummary]) -> None:
    folder, _ = built
    text = _html(folder, "bilan_odpe_48").text
    assert "Bilan jeunes majeurs — Lozère (48)" in text
    assert "Aucune livraison de l'aide sociale à l'enfance n'est publiée pour Lozère" in text


def test_names_are_escaped_in_html_and_typst(built: tuple[Path, OutputsSummary]) -> None:
    folder, _ = built
    raw = (folder / "rapports" / "bilan_odpe_11.html").read_text(encoding="utf-8")
    assert "&lt;b&gt;&#34;Les *Pins*&#34;&lt;/b&gt; #set &amp; \\ $x$" in raw
    assert '<b>"Les' not in raw
    ctx = contenu.Context.of(Publication(folder, "76"))
    source = rendu.typst_source(contenu.bilan(ctx, "11"))
    assert '"Résidence <b>\\"Les *Pins*\\"</b> #set & \\\\ $x$"' in source


def test_typst_strings_keep_markup_as_text() -> None:
    doc = Document('Titre # * _ $ \\ "', "sous-titre", "ici", "1er mars 2026")
    doc.sections.append(Section("= pas un titre", [Paragraph('#panic("non") *gras* <x> @ref')]))
    source = rendu.typst_source(doc)
    assert rendu.typst_string('a"b\\c\n') == '"a\\"b\\\\c\\n"'
    # compiles: no markup of the data reached Typst (#panic would fail the compilation)
    assert rendu.pdf(source).startswith(b"%PDF-")
