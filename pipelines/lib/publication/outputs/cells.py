"""One displayed value and its French formatting, shared by the bilans, the synthesis and the
workbook's legend.

French conventions: a narrow no-break space between thousands (`1 234`), a decimal comma, a
no-break space before `%`, a real minus sign. Shares are published as fractions (0–1) and shown
as percentages with one decimal.
"""

from dataclasses import dataclass, replace
from typing import Literal

Kind = Literal["entier", "part", "erreur", "jours", "estimation", "decimal", "annee", "texte"]
State = Literal["valeur", "secret", "sans_objet", "absent", "texte"]

THIN = "\u202f"  # narrow no-break space: thousands, before % and units
NBSP = "\u00a0"
MINUS = "\u2212"
SECRET = "secret"
NOT_APPLICABLE = "—"
ABSENT = "n.p."

_TEXT_COLUMNS = {
    "dept",
    "nom_territoire",
    "source",
    "population",
    "parcours",
    "dimension",
    "modalite",
    "financeur",
    "dept_financeur",
    "public",
    "modalite_financement",
    "methode",
    "commune",
    "producteur",
    "cellules_masquees",
}


def kind_of(column: str) -> Kind:
    """How a published column is shown, from its name (the marts' naming is regular)."""
    if column.startswith("annee"):
        return "annee"
    if column in _TEXT_COLUMNS or column.startswith(("id_", "nom_", "code")):
        return "texte"
    if column.startswith("erreur_relative"):
        return "erreur"
    if column.startswith(("part_", "taux_")):
        return "part"
    if column.startswith("delai_") and column.endswith("_jours"):
        return "jours"
    if column == "sorties_prevues" or column.startswith("besoin_logement"):
        return "estimation"
    if column.endswith("_pour_100_jeunes_majeurs"):
        return "decimal"
    return "entier"


MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


def french_date(iso: str) -> str:
    """`2026-11-25` → `25 novembre 2026` (text left as is when it is not an ISO date)."""
    try:
        year, month, day = (int(x) for x in iso[:10].split("-"))
        return f"{'1er' if day == 1 else day} {MONTHS[month - 1]} {year}"
    except (ValueError, IndexError):
        return iso


def short_date(iso: str) -> str:
    """`2026-11-25` → `25/11/2026`."""
    parts = iso[:10].split("-")
    return "/".join(reversed(parts)) if len(parts) == 3 else iso


def _signed(text: str) -> str:
    return MINUS + text[1:] if text.startswith("-") else text


def _decimal(value: float, digits: int) -> str:
    text = f"{value:,.{digits}f}".replace(",", THIN).replace(".", ",")
    if text.lstrip("-").strip("0,").replace(THIN, "") == "":
        text = text.lstrip("-")  # no "−0,0"
    return _signed(text)


def format_value(value: object, kind: Kind) -> str:
    """The French text of one non-null value."""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if not isinstance(value, int | float):
        return str(value)
    if kind == "annee":
        return str(int(value))
    if kind == "part":
        return f"{_decimal(100 * value, 1)}{NBSP}%"
    if kind == "erreur":
        text = _decimal(100 * value, 1)
        return f"{'+' if value > 0 and text != '0,0' else ''}{text}{NBSP}%"
    if kind == "jours":
        return f"{_decimal(round(value), 0)}{NBSP}j"
    if kind in ("estimation", "decimal"):
        return _decimal(value, 1)
    if kind == "texte":
        return str(value)
    if isinstance(value, float) and not value.is_integer():
        return _decimal(value, 1)
    return _decimal(value, 0)


@dataclass(frozen=True)
class Cell:
    """A table cell of a report. `key` names the published cell it shows (None for labels);
    `state` says whether it is a value, a secret, or sans objet."""

    text: str
    state: State = "texte"
    key: str | None = None
    numeric: bool = False
    provisional: bool = False
    strong: bool = False

    @classmethod
    def label(cls, text: str, *, strong: bool = False) -> "Cell":
        return cls(text, "texte", strong=strong)

    @classmethod
    def secret(cls, key: str) -> "Cell":
        return cls(SECRET, "secret", key, numeric=True)

    @classmethod
    def not_applicable(cls, key: str) -> "Cell":
        return cls(NOT_APPLICABLE, "sans_objet", key, numeric=True)

    @classmethod
    def absent(cls, key: str) -> "Cell":
        return cls(ABSENT, "absent", key, numeric=True)

    def mark_provisional(self, provisional: bool = True) -> "Cell":
        return replace(self, provisional=provisional)

    def bold(self) -> "Cell":
        return replace(self, strong=True)
