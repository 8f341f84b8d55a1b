"""The workbook for spreadsheet readers (PDALHPD teams, departmental services): one sheet per
published mart, a « Lisez-moi » and a « Dictionnaire ».

Codes are text (`09` stays `09`), numbers are numbers (a spreadsheet set to French shows
`1 234,5`), shares are percentages, booleans read `oui`/`non`. A masked cell is empty on a
yellow fill, an empty cell without fill is "sans objet": the two are never confused, and the
`cellules_masquees` column names the masked ones.
"""

from pathlib import Path

import polars as pl
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from pipelines.lib.publication.outputs import libelles
from pipelines.lib.publication.outputs.cells import kind_of
from pipelines.lib.publication.outputs.published import (
    MASK_COLUMN,
    NAME_COLUMN,
    PROVISIONAL_COLUMN,
    Publication,
    masked_columns,
)

SECRET_FILL = PatternFill("solid", fgColor="FFE699")
PROVISIONAL_FILL = PatternFill("solid", fgColor="DDEBF7")
HEADER_FILL = PatternFill("solid", fgColor="1F5F8B")
HEADER_FONT = Font(bold=True, color="FFFFFF")
TITLE_FONT = Font(bold=True, size=14, color="1F5F8B")
BOLD = Font(bold=True)
ITALIC = Font(italic=True)
WRAP = Alignment(wrap_text=True, vertical="top")

FORMATS = {
    "part": "0.0%",
    "erreur": "+0.0%;-0.0%;0.0%",
    "entier": "#,##0",
    "jours": "#,##0",
    "estimation": "#,##0.0",
    "decimal": "#,##0.0",
    "annee": "0",
}


def _width(values: list[str], header: str) -> float:
    longest = max([len(header), *(len(v) for v in values[:500])])
    return float(min(max(longest + 2, 8), 60))


def _mart_sheet(ws: Worksheet, frame: pl.DataFrame) -> None:
    columns = frame.columns
    ws.append(columns)
    for cell in ws[1]:
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(vertical="top")
    kinds = {c: kind_of(c) for c in columns}
    text_columns = {c for c in columns if frame.schema[c] == pl.Utf8 or kinds[c] == "texte"} - {
        PROVISIONAL_COLUMN
    }
    samples: dict[str, list[str]] = {c: [] for c in columns}
    for r, row in enumerate(frame.iter_rows(named=True), start=2):
        masked = masked_columns(row.get(MASK_COLUMN))
        provisional = row.get(PROVISIONAL_COLUMN) is True
        for c, name in enumerate(columns, start=1):
            value = row[name]
            cell = ws.cell(row=r, column=c)
            if name in masked:
                cell.fill = SECRET_FILL
                continue
            if value is None:
                continue
            if isinstance(value, bool):
                cell.value = "oui" if value else "non"
            elif name in text_columns:
                cell.value = str(value)
                cell.number_format = "@"
            else:
                cell.value = value
                cell.number_format = FORMATS.get(kinds[name], "General")
            if provisional:
                cell.font = ITALIC
            if len(samples[name]) < 500:
                samples[name].append(str(cell.value))
        if provisional and PROVISIONAL_COLUMN in columns:
            ws.cell(row=r, column=columns.index(PROVISIONAL_COLUMN) + 1).fill = PROVISIONAL_FILL
    for c, name in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(c)].width = _width(samples[name], name)
    frozen = next((columns.index(k) + 2 for k in (NAME_COLUMN, "dept") if k in columns), 1)
    ws.freeze_panes = ws.cell(row=2, column=frozen)
    ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{max(frame.height + 1, 1)}"


def _dictionary_sheet(ws: Worksheet, pub: Publication) -> None:
    header = ["mart", "colonne", "type", "classe_secret", "description"]
    ws.append(header)
    for cell in ws[1]:
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
    rows = pub.dictionary
    if rows:
        for r in rows:
            ws.append([r.get(h, "") for h in header])
    else:  # not published: the columns at least, with the reports' wording
        for mart in pub.marts:
            for name, dtype in pub.frame(mart).schema.items():
                ws.append([mart, name, str(dtype), "", libelles.column(name)])
    for letter, width in zip("ABCDE", (26, 34, 12, 18, 90), strict=True):
        ws.column_dimensions[letter].width = width
    for row in ws.iter_rows(min_row=2):
        row[4].alignment = WRAP
    ws.freeze_panes = "C2"
    ws.auto_filter.ref = f"A1:E{ws.max_row}"


def _readme_sheet(ws: Worksheet, pub: Publication) -> None:
    seuil = pub.seuil or 11
    ws.column_dimensions["A"].width = 28
    ws.column_dimensions["B"].width = 100
    ws["A1"] = "Observatoire des parcours jeunes — marts publiés"
    ws["A1"].font = TITLE_FONT
    lines: list[tuple[str, str]] = [
        ("Territoire", f"{pub.region_name} (région {pub.region}) et ses départements"),
        ("Données publiées le", pub.publication_date),
        (
            "Contenu",
            "Une feuille par table publiée (mart), nommée comme elle ; la feuille « Dictionnaire » "
            "décrit chaque colonne. Les mêmes tables existent en Parquet, en CSV et dans "
            "observatoire.duckdb.",
        ),
        (
            "Secret statistique",
            f"Seuls des agrégats sont publiés. Un effectif de 1 à {seuil - 1} personnes n'est "
            f"pas publié, ni un taux, une part ou un délai calculé sur moins de {seuil} "
            "personnes ; d'autres cases sont masquées pour qu'aucune ne puisse être recalculée "
            "(un total moins les parties visibles). Zéro n'est jamais masqué ; les places, "
            "résidences et conventions ne le sont jamais.",
        ),
        (
            "Case masquée",
            "Vide sur fond jaune (exemple ci-contre) ; la colonne cellules_masquees la nomme.",
        ),
        (
            "Sans objet",
            "Vide sans fond : la valeur n'existe pas (par exemple une part sans dénominateur).",
        ),
        (
            "Valeur provisoire",
            "Ligne en italique, colonne provisoire à « oui » sur fond bleu : la valeur changera "
            "avec la prochaine livraison.",
        ),
        (
            "Codes et nombres",
            "Les codes (département, résidence, convention…) sont du texte : 09 reste 09. Les "
            "parts sont des pourcentages, les booléens valent oui / non.",
        ),
        (
            "Lignes régionales",
            f"dept = R{pub.region} : la région entière, calculée sur les valeurs exactes puis "
            "soumise au secret (ce n'est pas la somme des cases visibles).",
        ),
    ]
    for n, (label, text) in enumerate(lines, start=3):
        ws.cell(row=n, column=1, value=label).font = BOLD
        ws.cell(row=n, column=2, value=text).alignment = WRAP
    secret_row = 3 + [label for label, _ in lines].index("Case masquée")
    ws.cell(row=secret_row, column=3).fill = SECRET_FILL
    ws.column_dimensions["C"].width = 6
    prov_row = 3 + [label for label, _ in lines].index("Valeur provisoire")
    ws.cell(row=prov_row, column=3, value="oui").fill = PROVISIONAL_FILL
    start = 4 + len(lines)
    ws.cell(row=start, column=1, value="Feuilles").font = BOLD
    for n, mart in enumerate(pub.marts, start=start + 1):
        link = ws.cell(row=n, column=1, value=mart)
        link.hyperlink = f"#'{mart}'!A1"
        link.font = Font(color="1F5F8B", underline="single")
        ws.cell(row=n, column=2, value=libelles.MARTS.get(mart, "")).alignment = WRAP


def write(pub: Publication, path: Path) -> Path:
    workbook = Workbook()
    readme = workbook.active
    assert readme is not None
    readme.title = "Lisez-moi"
    _readme_sheet(readme, pub)
    _dictionary_sheet(workbook.create_sheet("Dictionnaire"), pub)
    for mart in pub.marts:
        _mart_sheet(workbook.create_sheet(mart[:31]), pub.frame(mart))
    workbook.properties.creator = "Observatoire des parcours jeunes"
    workbook.properties.language = "fr-FR"
    workbook.save(path)
    return path
