"""Statistical disclosure control of the published marts (marts.md, last section).

Primary suppression: a count of persons from 1 to `seuil − 1` is masked (zero is not), and so is
any rate, share or quantile computed over fewer than `seuil` persons. Secondary suppression:
no masked value may be recomputed from the other values of the same mart — a total minus the
visible parts (within a row, or across the rows that add up to a total published elsewhere), or
a share times its denominator. The warehouse keeps the exact values; only `data/marts/` is
masked. Counts of places, residences and conventions are never masked.

Each mart's rules are declared below (which columns count persons, which shares divide what,
which cells add up); `mask` applies them until nothing more needs masking.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field

import polars as pl

MASK_COLUMN = "cellules_masquees"


@dataclass(frozen=True)
class Ratio:
    """A share, rate or quantile: masked when computed over fewer than `seuil` persons (the
    signed sum of `population`), or when any of `cells` is masked (it would give it back)."""

    column: str
    cells: tuple[str, ...]
    population: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class Equation:
    """Within a row: `total` = sum of `parts`."""

    total: str
    parts: tuple[str, ...]


@dataclass(frozen=True)
class GroupSum:
    """Across rows: the rows sharing `by` add up, in `column`, to a total published in another
    mart (always visible): no group may have exactly one masked cell."""

    by: tuple[str, ...]
    column: str


@dataclass(frozen=True)
class MartRules:
    counts: tuple[str, ...] = ()
    # Values derived from a count's persons (days of their stays, observed outcomes): masked
    # with it.
    dependents: dict[str, tuple[str, ...]] = field(default_factory=dict)
    ratios: tuple[Ratio, ...] = ()
    equations: tuple[Equation, ...] = ()
    group_sums: tuple[GroupSum, ...] = ()


def _share(column: str, numerator: str, denominator: str) -> Ratio:
    return Ratio(column, (numerator, denominator), ((denominator, 1),))


_BESOINS = ("ressources", "logement", "emploi_formation", "soins", "demarches", "socio_educatif")

RULES: dict[str, MartRules] = {
    "places_conventions": MartRules(
        counts=("nb_jeunes_presents",),
        dependents={"nb_jeunes_presents": ("journees_occupees", "taux_occupation")},
    ),
    "places_par_departement": MartRules(),
    "residences_plafond": MartRules(),
    "sorties_ase": MartRules(
        counts=("nb_sorties",),
        group_sums=(GroupSum(("annee", "dept"), "nb_sorties"),),
    ),
    "sorties_ase_synthese": MartRules(
        counts=("nb_sorties", "nb_sorties_seches", "nb_situation_inconnue", "nb_retours"),
        ratios=(
            Ratio(
                "part_sorties_seches",
                ("nb_sorties_seches", "nb_sorties", "nb_situation_inconnue"),
                (("nb_sorties", 1), ("nb_situation_inconnue", -1)),
            ),
        ),
    ),
    "part_ex_mna": MartRules(
        counts=("nb_jeunes", "nb_ex_mna"),
        ratios=(_share("part_ex_mna", "nb_ex_mna", "nb_jeunes"),),
    ),
    "delai_cej": MartRules(
        counts=(
            "nb_sorties",
            "nb_cej_avant_sortie",
            "nb_cej_6_mois",
            "nb_cej_12_mois",
            "nb_sans_cej",
            "nb_recul_insuffisant",
            "nb_sorties_avec_cej",
        ),
        ratios=tuple(
            Ratio(q, ("nb_sorties_avec_cej",), (("nb_sorties_avec_cej", 1),))
            for q in ("delai_median_jours", "delai_p25_jours", "delai_p75_jours")
        ),
        equations=(
            Equation(
                "nb_sorties",
                (
                    "nb_cej_avant_sortie",
                    "nb_cej_6_mois",
                    "nb_cej_12_mois",
                    "nb_sans_cej",
                    "nb_recul_insuffisant",
                ),
            ),
            Equation(
                "nb_sorties_avec_cej", ("nb_cej_avant_sortie", "nb_cej_6_mois", "nb_cej_12_mois")
            ),
        ),
    ),
    "parcours": MartRules(
        counts=("nb_sorties",),
        group_sums=(GroupSum(("annee_sortie", "dept"), "nb_sorties"),),
    ),
    "bilan_odpe": MartRules(
        counts=(
            "nb_jeunes_majeurs_accompagnes",
            "nb_entrees_jeune_majeur",
            "nb_sorties",
            "nb_sorties_seches",
            "nb_retours",
            "nb_eligibles_entretien_17_ans",
            "nb_entretiens_17_ans",
            "nb_eligibles_entretien_post_sortie",
            "nb_entretiens_post_sortie",
            "nb_projets_autonomie",
            *(f"nb_projets_besoin_{b}_evalue" for b in _BESOINS),
        ),
        ratios=(
            _share(
                "taux_entretien_17_ans", "nb_entretiens_17_ans", "nb_eligibles_entretien_17_ans"
            ),
            _share(
                "taux_entretien_post_sortie",
                "nb_entretiens_post_sortie",
                "nb_eligibles_entretien_post_sortie",
            ),
            *(
                Ratio(
                    f"part_besoin_{b}_couvert",
                    (f"nb_projets_besoin_{b}_evalue",),
                    ((f"nb_projets_besoin_{b}_evalue", 1),),
                )
                for b in _BESOINS
            ),
            Ratio("part_sorties_suivies_ml", ("nb_sorties",), (("nb_sorties", 1),)),
            Ratio("part_sorties_hebergees_hj", ("nb_sorties",), (("nb_sorties", 1),)),
        ),
    ),
    "besoin_logement_pdalhpd": MartRules(
        counts=("sorties_observees",),
        dependents={
            "sorties_observees": (
                "besoin_logement_observe",
                "erreur_relative_sorties",
                "erreur_relative_besoin",
            )
        },
    ),
    "couverture_territoriale": MartRules(
        counts=("nb_jeunes_majeurs_accompagnes",),
        ratios=(
            Ratio(
                "places_cd_pour_100_jeunes_majeurs",
                ("nb_jeunes_majeurs_accompagnes",),
                (("nb_jeunes_majeurs_accompagnes", 1),),
            ),
        ),
    ),
    "appariement": MartRules(
        counts=("nb_jeunes", "nb_apparies"),
        ratios=(_share("taux_appariement", "nb_apparies", "nb_jeunes"),),
    ),
}


@dataclass
class MaskReport:
    """How many cells were masked in each column (primary and secondary together: telling them
    apart would say which masked cells are small)."""

    per_column: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.per_column.values())


def _is_small(value: object, seuil: int) -> bool:
    return isinstance(value, int | float) and 0 < value < seuil


class _Grid:
    def __init__(self, rows: list[dict[str, object]]) -> None:
        self.rows = rows
        self.masked: set[tuple[int, str]] = set()

    def hide(self, i: int, col: str) -> bool:
        if (i, col) in self.masked or self.rows[i].get(col) is None:
            return False
        self.masked.add((i, col))
        return True

    def is_masked(self, i: int, col: str) -> bool:
        return (i, col) in self.masked

    def value(self, i: int, col: str) -> float:
        v = self.rows[i].get(col)
        return float(v) if isinstance(v, int | float) else 0.0


def _second_cell(grid: _Grid, cells: Sequence[tuple[int, str]]) -> tuple[int, str] | None:
    """The cell to mask so that a lone masked cell cannot be recomputed: the smallest positive
    visible one, else any visible one."""
    visible = [c for c in cells if not grid.is_masked(*c) and grid.rows[c[0]].get(c[1]) is not None]
    positive = [c for c in visible if grid.value(*c) > 0]
    pool = positive or visible
    return min(pool, key=lambda c: (grid.value(*c), c)) if pool else None


def mask(frame: pl.DataFrame, rules: MartRules, seuil: int) -> tuple[pl.DataFrame, MaskReport]:
    """The published form of a mart: masked cells set to null, and a column
    `cellules_masquees` naming them in each row."""
    rows = frame.to_dicts()
    grid = _Grid(rows)
    for i, row in enumerate(rows):
        for col in rules.counts:
            if _is_small(row.get(col), seuil):
                grid.hide(i, col)
        for ratio in rules.ratios:
            population = sum(sign * grid.value(i, c) for c, sign in ratio.population)
            if 0 < population < seuil:
                grid.hide(i, ratio.column)
    groups: dict[tuple[str, tuple[object, ...]], list[int]] = {}
    for gs in rules.group_sums:
        for i, row in enumerate(rows):
            groups.setdefault((gs.column, tuple(row.get(b) for b in gs.by)), []).append(i)
    changed = True
    while changed:
        changed = False
        for i in range(len(rows)):
            for count, derived in rules.dependents.items():
                if grid.is_masked(i, count):
                    for col in derived:
                        changed |= grid.hide(i, col)
            for eq in rules.equations:
                cells = [(i, eq.total), *((i, p) for p in eq.parts)]
                present = [c for c in cells if rows[i].get(c[1]) is not None]
                if sum(grid.is_masked(*c) for c in present) == 1:
                    parts_first = [c for c in present if c[1] != eq.total]
                    pick = _second_cell(grid, parts_first) or _second_cell(grid, present)
                    if pick:
                        changed |= grid.hide(*pick)
            for ratio in rules.ratios:
                if any(grid.is_masked(i, c) for c in ratio.cells):
                    changed |= grid.hide(i, ratio.column)
        for (column, _), members in groups.items():
            cells = [(i, column) for i in members]
            if sum(grid.is_masked(*c) for c in cells) == 1:
                pick = _second_cell(grid, cells)
                if pick:
                    changed |= grid.hide(*pick)
    report = MaskReport()
    order = {c: k for k, c in enumerate(frame.columns)}
    masked_by_row: dict[int, list[str]] = {}
    for i, col in grid.masked:
        rows[i][col] = None
        report.per_column[col] = report.per_column.get(col, 0) + 1
        masked_by_row.setdefault(i, []).append(col)
    labels = [
        ", ".join(sorted(masked_by_row.get(i, []), key=order.__getitem__)) or None
        for i in range(len(rows))
    ]
    masked = pl.DataFrame(rows, schema=frame.schema).with_columns(
        pl.Series(MASK_COLUMN, labels, dtype=pl.Utf8)
    )
    return masked, report
