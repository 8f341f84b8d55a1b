"""The demo generator: deterministic, contract-abiding, linkable across sources."""

import datetime as dt
import hashlib
import re
from pathlib import Path

import polars as pl
import pytest
from helpers import OCCITANIE

from demo.generator import _place_conventions, generate
from pipelines.lib.contract.deliveries import discover
from pipelines.lib.quality.gate import judge, read_delivery


@pytest.fixture(scope="module")
def small_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    generate(out, seed=7, years=range(2023, 2025), scale=0.05)
    return out


def _digest(folder: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*.csv")):
        h.update(str(p.relative_to(folder)).encode())
        h.update(p.read_bytes())
    return h.hexdigest()


def test_deterministic_for_a_seed(small_demo: Path, tmp_path: Path) -> None:
    generate(tmp_path / "again", seed=7, years=range(2023, 2025), scale=0.05)
    assert _digest(tmp_path / "again") == _digest(small_demo)
    generate(tmp_path / "other", seed=8, years=range(2023, 2025), scale=0.05)
    assert _digest(tmp_path / "other") != _digest(small_demo)


def test_every_generated_delivery_passes_the_gate(small_demo: Path, suites_dir: Path) -> None:
    deliveries = discover(small_demo)
    verdicts = judge([read_delivery(d) for d in deliveries], suites_dir, dt.date(2026, 1, 1))
    refused = {
        k: [(p.regle, p.fichier, p.colonne) for p in v.problems]
        for k, v in verdicts.items()
        if not v.accepted
    }
    assert refused == {}


def test_layout_covers_the_region_and_several_producers(small_demo: Path) -> None:
    deliveries = discover(small_demo)
    ase_depts = {d.dept for d in deliveries if d.source == "ase"}
    assert ase_depts == set(OCCITANIE)
    hj_depts = {d.dept for d in deliveries if d.source == "hj"}
    assert "48" not in hj_depts  # no Habitat Jeunes offer in Lozère
    ml_31 = {
        d.producteur for d in deliveries if d.source == "ml" and d.dept == "31" and d.annee == 2024
    }
    assert len(ml_31) >= 2
    assert {d.annee for d in deliveries} == {2023, 2024}


def test_messy_but_valid_forms_appear(small_demo: Path) -> None:
    raw = [p.read_bytes() for p in small_demo.rglob("*.csv")]
    assert any(b.startswith(b"\xef\xbb\xbf") for b in raw)
    assert any(b"/20" in b.split(b"\n", 2)[1] for b in raw if b.count(b"\n") > 1)  # JJ/MM/AAAA
    assert any(b.split(b"\n", 1)[0].isupper() for b in raw)
    cp1252 = 0
    for b in raw:
        try:
            b.decode("utf-8")
        except UnicodeDecodeError:
            cp1252 += 1
    assert cp1252 > 0


def test_running_measures_appear_in_each_yearly_extract(small_demo: Path) -> None:
    def measures(year: int) -> pl.DataFrame:
        frames = [
            pl.read_csv(
                p,
                separator=";" if b";" in p.read_bytes().split(b"\n", 1)[0] else ",",
                infer_schema=False,
                encoding="utf8-lossy",
            )
            for p in small_demo.glob(f"ase/*/{year}/ase_mesures.csv")
        ]
        return pl.concat(
            [f.rename({c: c.strip().lower() for c in f.columns}) for f in frames], how="diagonal"
        )

    both = set(measures(2023)["id_mesure"]) & set(measures(2024)["id_mesure"])
    assert len(both) > 10


def test_keys_link_sources(small_demo: Path) -> None:
    def ids(pattern: str) -> set[str]:
        out: set[str] = set()
        for p in small_demo.glob(pattern):
            out.update(
                re.findall(r"\b[0-9a-f]{64}\b", p.read_bytes().decode("utf-8", errors="replace"))
            )
        return out

    ase = ids("ase/*/*/ase_jeunes.csv")
    ml = ids("ml/*/*/ml_jeunes*.csv")
    hj = ids("hj/*/*/hj_sejours*.csv")
    assert len(ase & ml) > 10
    assert len(ase & hj) > 5


def test_conventions_are_placed_where_they_fit() -> None:
    """Largest first, each where its places weigh least once added: 50 places on the 78-bed
    residence (64 %, not 75 % on the 67-bed one), the next 50 on the 67-bed one (the 78-bed one
    is full), 18 on the 78-bed one again (68 of 78, the only one with room); the 10-bed residence
    takes none. When no residence has room, the one with the most free beds is enlarged."""
    residences: list[dict[str, object]] = [
        {"capacite_places": 10},
        {"capacite_places": 67},
        {"capacite_places": 78},
    ]
    assert _place_conventions([50, 50, 18], residences) == [2, 1, 2]
    assert [r["capacite_places"] for r in residences] == [10, 67, 78]
    small: list[dict[str, object]] = [{"capacite_places": 10}, {"capacite_places": 12}]
    assert _place_conventions([20], small) == [1]
    assert small[1]["capacite_places"] == 20


def test_no_residence_reserves_more_places_than_beds(small_demo: Path) -> None:
    """Issue 11.6: places reserved under conventions never exceed a residence's capacity (they
    did by accident: a department's conventions went to its first residences, whatever their
    size)."""

    def table(name: str) -> pl.DataFrame:
        frames = []
        for p in small_demo.glob(f"hj/*/*/{name}*.csv"):
            head = p.read_bytes().split(b"\n", 1)[0]
            frame = pl.read_csv(
                p,
                separator=";" if b";" in head else ",",
                infer_schema=False,
                encoding="utf8-lossy",
            )
            frame = frame.rename({c: c.strip().lower() for c in frame.columns})
            frames.append(frame.with_columns(pl.lit(p.parent.as_posix()).alias("livraison")))
        return pl.concat(frames, how="diagonal")

    residences = table("hj_residences").select(
        "livraison", "id_residence", pl.col("capacite_places").cast(pl.Int64)
    )
    reserved = (
        table("hj_conventions")
        .group_by("livraison", "id_residence")
        .agg(pl.col("places_reservees").cast(pl.Int64).sum())
        .join(residences, on=["livraison", "id_residence"])
    )
    assert reserved.height > 0
    assert reserved.filter(pl.col("places_reservees") > pl.col("capacite_places")).height == 0
    # the 15 % ceiling is still exceeded here and there: residences_plafond has something to show
    over = reserved.filter(pl.col("places_reservees") * 100 > pl.col("capacite_places") * 15)
    assert over.height > 0


def _display(dept: str) -> str:
    return "69" if dept in ("69D", "69M") else dept


def test_department_69_is_delivered_by_its_two_child_protection_services(
    tmp_path: Path, suites_dir: Path
) -> None:
    generate(tmp_path, seed=7, years=range(2024, 2025), region_code="84", scale=0.02)
    deliveries = discover(tmp_path)
    ase = {d.dept for d in deliveries if d.source == "ase"}
    assert {"69D", "69M"} <= ase and "69" not in ase
    assert {d.dept for d in deliveries if d.source in ("ml", "hj")} >= {"69"}
    assert not {d.dept for d in deliveries if d.source != "ase"} & {"69D", "69M"}
    lyon = [d for d in deliveries if d.dept in ("69D", "69M")]
    verdicts = judge([read_delivery(d) for d in lyon], suites_dir, dt.date(2026, 1, 1))
    assert all(v.accepted for v in verdicts.values())
    # Young people of both services meet the Missions Locales of department 69.
    ids_69 = set()
    for path in tmp_path.glob("ml/69/2024/ml_jeunes*.csv"):
        ids_69 |= set(re.findall(r"\b[0-9a-f]{64}\b", path.read_text(errors="replace")))
    for service in ("69D", "69M"):
        ase_ids = set(
            re.findall(
                r"\b[0-9a-f]{64}\b",
                (tmp_path / "ase" / service / "2024" / "ase_jeunes.csv")
                .read_bytes()
                .decode("utf-8", errors="replace"),
            )
        )
        assert ase_ids & ids_69, service


def test_the_whole_country(tmp_path: Path) -> None:
    """Every inhabited department and overseas territory of the COG, Occitanie as alone."""
    from pipelines.lib.reference import departements

    generate(tmp_path / "france", seed=7, years=range(2024, 2025), region_code="all", scale=0.01)
    delivered = {_display(d.dept) for d in discover(tmp_path / "france")}
    uninhabited = {"984", "989"}  # TAAF, Clipperton
    assert delivered == {d.code for d in departements()} - uninhabited
    generate(tmp_path / "occitanie", seed=7, years=range(2024, 2025), scale=0.01)
    folders = [f for s in ("ase", "ml", "hj") for f in (tmp_path / "occitanie" / s).iterdir()]
    assert {f.name for f in folders} == set(OCCITANIE)
    for folder in folders:
        twin = tmp_path / "france" / folder.parent.name / folder.name
        assert _digest(folder) == _digest(twin), folder
