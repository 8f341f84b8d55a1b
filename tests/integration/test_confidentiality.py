"""Confidentiality audit of a whole run: the published marts hold no cell of 1 to 10 persons,
no masked cell that the other cells give back, no person key; the warehouse holds no exchange
key; reports and logs repeat none."""

import re

import duckdb
import polars as pl
import pytest

from demo.generator import generate
from pipelines.lib.publication.declarations import project_declarations
from pipelines.lib.publication.disclosure import (
    DEPT,
    MASK_COLUMN,
    REGION_PREFIX,
    determined_cells,
    rules_for,
    sums_of,
)
from pipelines.lib.settings import DBT_PROJECT_DIR, Settings
from pipelines.runner import EXIT_OK, run_pipeline

pytestmark = pytest.mark.integration
SEUIL = 11
KEY = re.compile(r"\b[0-9a-f]{64}\b")
# The published marts and their rules, as the dbt models declare them.
DECLARATIONS = project_declarations(DBT_PROJECT_DIR)
MARTS = DECLARATIONS.names
RULES = {m: rules_for(DECLARATIONS.mart(m)) for m in MARTS}


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, list[str]]:
    root = tmp_path_factory.mktemp("confidentiality")
    generate(root / "raw", seed=5, years=range(2023, 2025), scale=0.08)
    settings = Settings(
        raw_dir=root / "raw",
        warehouse=root / "w.duckdb",
        marts_dir=root / "marts",
        reports_dir=root / "reports",
    )
    messages: list[str] = []
    assert run_pipeline(settings, say=messages.append).exit_code == EXIT_OK, messages
    return settings, messages


def _published(settings: Settings, mart: str) -> pl.DataFrame:
    return pl.read_parquet(settings.marts_dir / f"{mart}.parquet")


def _masked(frame: pl.DataFrame, i: int, col: str) -> bool:
    label = frame[MASK_COLUMN][i]
    return label is not None and col in label.split(", ")


@pytest.mark.parametrize("mart", MARTS)
def test_no_small_count_of_persons_is_published(
    demo_run: tuple[Settings, list[str]], mart: str
) -> None:
    frame = _published(demo_run[0], mart)
    for col in RULES[mart].counts:
        small = frame.filter(pl.col(col).is_between(1, SEUIL - 1))
        assert small.height == 0, (mart, col, small.head())


@pytest.mark.parametrize("mart", MARTS)
def test_no_masked_cell_can_be_recomputed(demo_run: tuple[Settings, list[str]], mart: str) -> None:
    frame = _published(demo_run[0], mart)
    rules = RULES[mart]
    for i in range(frame.height):
        row = frame.row(i, named=True)
        for ratio in rules.ratios:
            if row[ratio.column] is not None:
                # a visible share: all its parts visible, over enough persons
                assert all(row[c] is not None for c in ratio.cells), (mart, i, ratio.column)
                assert sum(sign * row[c] for c, sign in ratio.population) >= SEUIL, (mart, i)
        for eq in rules.equations:
            cells = [eq.total, *eq.parts]
            assert sum(_masked(frame, i, c) for c in cells) != 1, (mart, i, eq)
        for count, derived in rules.dependents.items():
            if _masked(frame, i, count):
                assert all(row[d] is None for d in derived), (mart, i, count)
    for gs in rules.group_sums:
        groups = frame.with_row_index("_i").group_by(gs.by).agg(pl.col("_i"))
        for members in groups["_i"].to_list():
            masked = sum(_masked(frame, i, gs.column) for i in members)
            assert masked != 1 or len(members) == 1, (mart, members)
    if rules.regional_keys is not None:
        # a regional row and its departments' rows: never one masked count among them
        indexed = frame.with_row_index("_i").with_columns(
            pl.col(DEPT).str.starts_with(REGION_PREFIX).alias("_regional")
        )
        for _, group in indexed.group_by(list(rules.regional_keys)):
            regional = group.filter(pl.col("_regional"))["_i"].to_list()
            if not regional:
                continue
            members = regional + group.filter(~pl.col("_regional"))["_i"].to_list()
            for count in rules.counts:
                assert sum(_masked(frame, i, count) for i in members) != 1, (mart, count)


@pytest.mark.parametrize("mart", MARTS)
def test_no_masked_cell_is_given_back_by_a_combination_of_sums(
    demo_run: tuple[Settings, list[str]], mart: str
) -> None:
    """Beyond one sum at a time: no linear combination of the published sums gives a masked
    cell back (a cell alone in a group of one row excepted: nothing can hide it)."""
    frame = _published(demo_run[0], mart)
    masked = {
        (i, col)
        for i, label in enumerate(frame[MASK_COLUMN].to_list())
        if label
        for col in label.split(", ")
    }
    sums = sums_of(frame.to_dicts(), RULES[mart])
    lone = {s.cells[0] for s in sums if len(s.cells) == 1}
    assert [c for c in determined_cells(masked, sums) if c not in lone] == []


def test_masking_is_reported_and_the_warehouse_keeps_exact_values(
    demo_run: tuple[Settings, list[str]],
) -> None:
    settings = demo_run[0]
    summary = (settings.marts_dir / "masquage.json").read_text()
    assert '"seuil": 11' in summary
    published = _published(settings, "parcours")
    assert published[MASK_COLUMN].drop_nulls().len() > 0  # small cells exist at this scale
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        exact = con.execute(
            "select count(*) from marts.parcours where nb_sorties between 1 and 10"
        ).fetchone()
    assert exact is not None and exact[0] > 0


def test_no_person_key_is_published(demo_run: tuple[Settings, list[str]]) -> None:
    settings = demo_run[0]
    for path in settings.marts_dir.iterdir():
        if path.suffix in (".csv", ".md", ".json"):
            assert not KEY.search(path.read_text(encoding="utf-8-sig")), path
    with duckdb.connect(str(settings.marts_dir / "observatoire.duckdb"), read_only=True) as con:
        columns = con.execute(
            "select table_name, column_name from information_schema.columns"
        ).fetchall()
    assert not [c for c in columns if c[1] == "id_jeune"]


def test_the_warehouse_holds_no_exchange_key(demo_run: tuple[Settings, list[str]]) -> None:
    settings = demo_run[0]
    delivered: set[str] = set()
    for path in settings.raw_dir.rglob("*.csv"):
        delivered.update(KEY.findall(path.read_bytes().decode("utf-8", errors="replace")))
    assert len(delivered) > 100
    keys = pl.DataFrame({"k": sorted(delivered)})
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        con.register("delivered_keys", keys.to_arrow())
        columns = con.execute(
            "select table_schema, table_name, column_name from information_schema.columns "
            "where data_type = 'VARCHAR' and table_name <> 'delivered_keys' "
            "and table_schema not in ('information_schema', 'pg_catalog')"
        ).fetchall()
        found = []
        for schema, table, column in columns:
            hit = con.execute(
                f'select count(*) from "{schema}"."{table}" '
                f'where "{column}" in (select k from delivered_keys)'
            ).fetchone()
            if hit and hit[0]:
                found.append((schema, table, column))
        linked = con.execute(
            "select count(*) from intermediate.int_personnes_linked where nb_sources > 1"
        ).fetchone()
    assert found == []
    assert linked is not None and linked[0] > 10  # linkage across sources still works


def test_reports_and_messages_repeat_no_key(demo_run: tuple[Settings, list[str]]) -> None:
    settings, messages = demo_run
    for path in (settings.reports_dir / "livraisons").iterdir():
        assert not KEY.search(path.read_text()), path
    assert not any(KEY.search(m) for m in messages)
