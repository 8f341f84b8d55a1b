"""Watching the pseudonymous key: a match rate that collapses from one year to the next usually
means that a producer changed its key or its secret, not that young people changed."""

from dataclasses import dataclass


@dataclass(frozen=True)
class MatchRate:
    annee: int
    source: str
    dept: str
    population: str
    nb_jeunes: int
    taux: float


@dataclass(frozen=True)
class Drop:
    source: str
    dept: str
    population: str
    annee: int
    taux_avant: float
    taux: float

    def message(self) -> str:
        return (
            f"{self.source} {self.dept} ({self.population}) : taux d'appariement "
            f"{self.taux_avant:.0%} en {self.annee - 1}, {self.taux:.0%} en {self.annee}"
        )


def sharp_drops(
    rates: list[MatchRate], min_persons: int = 20, ratio: float = 0.5, min_points: float = 0.2
) -> list[Drop]:
    """Year-on-year drops where the rate falls below `ratio` times the previous year's and by at
    least `min_points`, both years having at least `min_persons` persons (small groups move by
    chance)."""
    by_key = {(r.source, r.dept, r.population, r.annee): r for r in rates}
    drops = []
    for r in sorted(rates, key=lambda r: (r.source, r.dept, r.population, r.annee)):
        before = by_key.get((r.source, r.dept, r.population, r.annee - 1))
        if before is None or min(before.nb_jeunes, r.nb_jeunes) < min_persons:
            continue
        if r.taux < ratio * before.taux and before.taux - r.taux >= min_points:
            drops.append(Drop(r.source, r.dept, r.population, r.annee, before.taux, r.taux))
    return drops
