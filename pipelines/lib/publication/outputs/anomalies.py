"""Implausible values visible in the published marts, told in the reports' notes rather than
hidden (issue 11.6): more places reserved by the CD than a residence has beds, more interviews
than young people concerned, and the like.

Only visible values are compared (a masked cell is never used, not even to say that a
contradiction exists), so a note can never give a masked value away.
"""

from collections.abc import Callable
from dataclasses import dataclass

from pipelines.lib.publication.outputs.cells import format_value
from pipelines.lib.publication.outputs.published import Publication, Row


@dataclass(frozen=True)
class Anomaly:
    mart: str
    dept: str
    annee: int | None
    message: str


def _n(value: float) -> str:
    return format_value(int(value) if float(value).is_integer() else value, "entier")


def _pct(value: float) -> str:
    return format_value(value, "part")


def _year(row: Row) -> int | None:
    for c in ("annee", "annee_sortie", "annee_reference"):
        v = row.get(c)
        if isinstance(v, int):
            return v
    return None


def _residences(row: Row) -> str | None:
    cap, cd = row.number("capacite_places"), row.number("places_conventionnees_cd")
    share, peak = row.number("part_places_cd"), row.number("part_places_cd_max")
    name = f"{row.get('nom_residence') or row.get('id_residence')} ({row.get('id_residence')})"
    if cap is not None and cd is not None and cd > cap:
        return (
            f"{name} : {_n(cd)} places réservées par le CD au 31 décembre pour une capacité "
            f"de {_n(cap)} places ({_pct(cd / cap) if cap else 'capacité nulle'})."
        )
    if share is not None and share > 1:
        return f"{name} : part des places réservées par le CD de {_pct(share)} au 31 décembre."
    if peak is not None and peak > 1:
        return (
            f"{name} : jusqu'à {_pct(peak)} de la capacité réservée par le CD au cours de l'année."
        )
    if cap == 0 and cd:
        return f"{name} : {_n(cd)} places réservées par le CD dans une résidence sans capacité."
    return None


def _departement_places(row: Row) -> str | None:
    cap, conv = row.number("capacite_places"), row.number("places_conventionnees")
    if cap is not None and conv is not None and conv > cap:
        return (
            f"{_n(conv)} places réservées par convention pour une capacité totale de "
            f"{_n(cap)} places dans les résidences Habitat Jeunes du département."
        )
    return None


def _conventions(row: Row) -> str | None:
    rate = row.number("taux_occupation")
    if rate is not None and rate > 1:
        return (
            f"Convention {row.get('id_convention')} (résidence {row.get('id_residence')}) : "
            f"taux d'occupation de {_pct(rate)}, plus de journées occupées que de places "
            "réservées."
        )
    return None


def _bilan(row: Row) -> str | None:
    problems = []
    for done, due, what, whom in (
        (
            "nb_entretiens_17_ans",
            "nb_eligibles_entretien_17_ans",
            "d'entretiens des 17 ans",
            "de jeunes concernés",
        ),
        (
            "nb_entretiens_post_sortie",
            "nb_eligibles_entretien_post_sortie",
            "d'entretiens post-sortie",
            "de sorties concernées",
        ),
        ("nb_sorties_seches", "nb_sorties", "de sorties sèches", "de sorties"),
    ):
        a, b = row.number(done), row.number(due)
        if a is not None and b is not None and a > b:
            problems.append(f"plus {what} ({_n(a)}) que {whom} ({_n(b)})")
    for column in row.values:
        share = row.number(column)
        if column.startswith(("taux_", "part_")) and share is not None and share > 1:
            problems.append(f"{column} supérieur à 100 % ({_pct(share)})")
    return "Bilan : " + " ; ".join(problems) + "." if problems else None


def _synthese(row: Row) -> str | None:
    total, dry, unknown = (
        row.number("nb_sorties"),
        row.number("nb_sorties_seches"),
        row.number("nb_situation_inconnue"),
    )
    if total is not None and dry is not None and unknown is not None and dry + unknown > total:
        return (
            f"Sorties : {_n(dry)} sorties sèches et {_n(unknown)} de situation inconnue pour "
            f"{_n(total)} sorties."
        )
    return None


def _couverture(row: Row) -> str | None:
    if row.get("sans_offre_hj") is True and (row.number("capacite_hj") or 0) > 0:
        return "Couverture : département noté sans offre Habitat Jeunes mais avec une capacité."
    return None


_CHECKS: dict[str, Callable[[Row], str | None]] = {
    "residences_plafond": _residences,
    "places_par_departement": _departement_places,
    "places_conventions": _conventions,
    "bilan_odpe": _bilan,
    "sorties_ase_synthese": _synthese,
    "couverture_territoriale": _couverture,
}


def find(pub: Publication) -> list[Anomaly]:
    """Every implausible value of the publication, per department and year."""
    found: list[Anomaly] = []
    for mart, check in _CHECKS.items():
        for row in pub.rows(mart):
            message = check(row)
            if message:
                found.append(Anomaly(mart, str(row.get("dept")), _year(row), message))
    return found
