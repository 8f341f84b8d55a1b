"""Statistical disclosure control of the published marts (docs/marts.md, « Secret statistique »).

Primary suppression: a count of persons from 1 to `seuil − 1` is masked (zero is not), and so is
any rate, share or quantile computed over fewer than `seuil` persons. Secondary suppression:
no masked value may be recomputed from the other values of the same mart — a total minus the
visible parts (within a row, across the rows that add up to a total published elsewhere, or
across the departments that add up to their regional row), or a share times its denominator.
The warehouse keeps the exact values; only the publication is masked. Counts of places,
residences and conventions are never masked.

The rules of a mart come from its declarations beside the dbt model (`declarations.py`,
`rules_for`). `mask` applies them until nothing more needs masking: first by rule (never one
masked cell in a sum; a share with its cells; a derived value with its counts), then by an
audit of the whole system of sums (`determined_cells`): a masked cell that some combination of
sums gives back exactly — sums nested in a row, or a table of departments × categories with
regional and external totals — gets one more visible cell masked, the smallest that is enough.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from pipelines.lib.publication.declarations import COUNT, DERIVED, SHARE, MartDeclaration
from pipelines.lib.reference import departements

MASK_COLUMN = "cellules_masquees"
DEPT = "dept"
# Regional rows carry `dept = R<region code>` (R76 for Occitanie), as French public statistics
# write FE or FM for national rows; no department code starts with R.
REGION_PREFIX = "R"


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
    # The grain without `dept` when the grain holds `dept`: a regional row is the total, count by
    # count, of the department rows with the same values of these keys.
    regional_keys: tuple[str, ...] | None = None


def rules_for(mart: MartDeclaration) -> MartRules:
    """A mart's rules, from its declarations beside the dbt model."""
    return MartRules(
        counts=mart.of_class(COUNT),
        dependents=_dependents(mart),
        ratios=tuple(
            Ratio(c.name, c.depends_on, c.population) for c in mart.columns if c.secret == SHARE
        ),
        equations=tuple(Equation(s.total, s.parts) for s in mart.sums),
        group_sums=tuple(GroupSum(rs.by, rs.column) for rs in mart.rows_sums),
        regional_keys=tuple(k for k in mart.grain if k != DEPT) if DEPT in mart.grain else None,
    )


def _dependents(mart: MartDeclaration) -> dict[str, tuple[str, ...]]:
    """count → the derived values masked with it."""
    out: dict[str, list[str]] = {}
    for col in mart.columns:
        if col.secret == DERIVED:
            for count in col.depends_on:
                out.setdefault(count, []).append(col.name)
    return {k: tuple(v) for k, v in out.items()}


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


@dataclass(frozen=True)
class Sum:
    """Cells of which one is the sum of the others (or all add up to a visible total published
    elsewhere): exactly one masked cell among them could be recomputed. `parts` are the cells
    to mask first when a second one is needed."""

    cells: tuple[tuple[int, str], ...]
    parts: tuple[tuple[int, str], ...]

    def coefficient(self, cell: tuple[int, str]) -> int:
        """total − Σ parts = 0, or Σ cells = a total published elsewhere."""
        return -1 if cell in self.parts and len(self.parts) < len(self.cells) else 1


def determined_cells(masked: set[tuple[int, str]], sums: Sequence[Sum]) -> list[tuple[int, str]]:
    """The masked cells that the published values give back exactly, by any linear combination
    of the sums (not only "one masked cell in a sum"): two rectangles of masked cells joined by
    one cell, for instance, give that cell back. A masked cell is given back when every
    solution of the sums has the same value there: when its column of the system is zero in
    every vector of the null space. Solved per connected group of masked cells."""
    equations = [
        {c: s.coefficient(c) for c in s.cells if c in masked}
        for s in sums
        if any(c in masked for c in s.cells)
    ]
    parent: dict[tuple[int, str], tuple[int, str]] = {}

    def root(c: tuple[int, str]) -> tuple[int, str]:
        while parent.setdefault(c, c) != c:
            parent[c] = parent[parent[c]]
            c = parent[c]
        return c

    for eq in equations:
        first, *others = eq
        for other in others:
            parent[root(other)] = root(first)
    components: dict[tuple[int, str], list[dict[tuple[int, str], int]]] = {}
    for eq in equations:
        components.setdefault(root(next(iter(eq))), []).append(eq)
    found: list[tuple[int, str]] = []
    for eqs in components.values():
        unknowns = sorted({c for eq in eqs for c in eq})
        index = {c: j for j, c in enumerate(unknowns)}
        matrix = np.zeros((len(eqs), len(unknowns)))
        for i, eq in enumerate(eqs):
            for c, coefficient in eq.items():
                matrix[i, index[c]] = coefficient
        _, singular, vt = np.linalg.svd(matrix)
        rank = int((singular > 1e-9).sum())
        null = vt[rank:]
        for j, c in enumerate(unknowns):
            if null.shape[0] == 0 or np.abs(null[:, j]).max() < 1e-9:
                found.append(c)
    return found


def _departments_of(region: str) -> frozenset[str]:
    return frozenset(d.code for d in departements() if d.region == region)


def _is_regional(value: object) -> bool:
    return isinstance(value, str) and value.startswith(REGION_PREFIX)


def sums_of(rows: list[dict[str, object]], rules: MartRules) -> list[Sum]:
    """Every additive structure of the mart, as sets of cells."""
    sums: list[Sum] = []
    for i in range(len(rows)):
        for eq in rules.equations:
            parts = tuple((i, p) for p in eq.parts)
            sums.append(Sum(((i, eq.total), *parts), parts))
    for gs in rules.group_sums:
        groups: dict[tuple[object, ...], list[int]] = {}
        for i, row in enumerate(rows):
            groups.setdefault(tuple(row.get(b) for b in gs.by), []).append(i)
        for members in groups.values():
            cells = tuple((i, gs.column) for i in members)
            sums.append(Sum(cells, cells))
    if rules.regional_keys is not None:
        keys = rules.regional_keys
        departments: dict[tuple[object, ...], list[int]] = {}
        regions: dict[tuple[object, ...], list[int]] = {}
        for i, row in enumerate(rows):
            target = regions if _is_regional(row.get(DEPT)) else departments
            target.setdefault(tuple(row.get(k) for k in keys), []).append(i)
        for key, regional_rows in regions.items():
            for r in regional_rows:
                # Only the region's departments are parts of its row: a department of another
                # region (an ASE delivery from elsewhere) is in no regional total.
                region = str(rows[r][DEPT])[1:]
                members = [
                    i
                    for i in departments.get(key, [])
                    if str(rows[i][DEPT]) in _departments_of(region)
                ]
                for col in rules.counts:
                    parts = tuple((i, col) for i in members)
                    sums.append(Sum(((r, col), *parts), parts))
    return sums


def _component(grid: _Grid, sums: list[Sum], cell: tuple[int, str]) -> list[Sum]:
    """The sums linked to `cell` through masked cells."""
    by_cell: dict[tuple[int, str], list[int]] = {}
    for k, s in enumerate(sums):
        for c in s.cells:
            if grid.is_masked(*c):
                by_cell.setdefault(c, []).append(k)
    seen_sums: set[int] = set()
    todo = [cell]
    seen_cells = {cell}
    while todo:
        for k in by_cell.get(todo.pop(), []):
            if k in seen_sums:
                continue
            seen_sums.add(k)
            for c in sums[k].cells:
                if grid.is_masked(*c) and c not in seen_cells:
                    seen_cells.add(c)
                    todo.append(c)
    return [sums[k] for k in sorted(seen_sums)]


def _cover(grid: _Grid, sums: list[Sum], cell: tuple[int, str]) -> tuple[int, str] | None:
    """The visible cell to mask so that `cell` is no longer given back: among the cells of the
    sums linked to it, the smallest positive one that is enough on its own (zeros last), else
    the smallest positive part of its first sum."""
    related = _component(grid, sums, cell)
    candidates = sorted(
        {
            c
            for s in related
            for c in s.cells
            if not grid.is_masked(*c) and grid.rows[c[0]].get(c[1]) is not None
        },
        key=lambda c: (grid.value(*c) == 0, grid.value(*c), c),
    )
    for candidate in candidates:
        if cell not in determined_cells(grid.masked | {candidate}, related):
            return candidate
    for s in related:
        present = [c for c in s.cells if grid.rows[c[0]].get(c[1]) is not None]
        parts = [c for c in s.parts if c in present]
        pick = _second_cell(grid, parts) or _second_cell(grid, present)
        if pick:
            return pick
    return None


def _suppress(grid: _Grid, rules: MartRules, sums: list[Sum]) -> None:
    """Secondary suppression by rule, until nothing changes: derived values with their counts,
    shares with their cells, and never one masked cell in a sum."""
    rows = grid.rows
    changed = True
    while changed:
        changed = False
        for i in range(len(rows)):
            for count, derived in rules.dependents.items():
                if grid.is_masked(i, count):
                    for col in derived:
                        changed |= grid.hide(i, col)
            for ratio in rules.ratios:
                if any(grid.is_masked(i, c) for c in ratio.cells):
                    changed |= grid.hide(i, ratio.column)
        for s in sums:
            present = [c for c in s.cells if rows[c[0]].get(c[1]) is not None]
            if sum(grid.is_masked(*c) for c in present) == 1:
                parts = [c for c in s.parts if c in present]
                pick = _second_cell(grid, parts) or _second_cell(grid, present)
                if pick:
                    changed |= grid.hide(*pick)


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
    sums = sums_of(rows, rules)
    while True:
        _suppress(grid, rules, sums)
        # Then no masked cell may be given back by a combination of sums either.
        again = False
        for cell in determined_cells(grid.masked, sums):
            pick = _cover(grid, sums, cell)
            if pick:
                again |= grid.hide(*pick)
        if not again:
            break
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
