from pipelines.lib.quality.linkage import MatchRate, sharp_drops


def _rate(annee: int, taux: float, n: int = 100, dept: str = "31") -> MatchRate:
    return MatchRate(annee, "ml", dept, "ML_PARCOURS_ASE_DECLARE", n, taux)


def test_a_collapse_is_flagged() -> None:
    drops = sharp_drops([_rate(2023, 0.9), _rate(2024, 0.1)])
    assert [(d.annee, d.taux_avant, d.taux) for d in drops] == [(2024, 0.9, 0.1)]
    assert (
        drops[0].message()
        == "ml 31 (ML_PARCOURS_ASE_DECLARE) : taux d'appariement 90% en 2023, 10% en 2024"
    )


def test_ordinary_variation_and_small_groups_are_not() -> None:
    assert sharp_drops([_rate(2023, 0.9), _rate(2024, 0.7)]) == []  # not below half
    assert sharp_drops([_rate(2023, 0.3), _rate(2024, 0.14)]) == []  # less than 20 points
    assert sharp_drops([_rate(2023, 0.9, n=12), _rate(2024, 0.1, n=12)]) == []  # too few
    assert sharp_drops([_rate(2022, 0.9), _rate(2024, 0.1)]) == []  # not consecutive years
    assert sharp_drops([_rate(2023, 0.9, dept="34"), _rate(2024, 0.1)]) == []  # other department
