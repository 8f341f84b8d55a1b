"""Hostile files among valid deliveries, through the real chain of a run minus Dagster: read
(bounded), land in a real DuckDB warehouse, judge (real Great Expectations), record verdicts,
write reports. For every hostile delivery: nothing raises, the verdict is what the contract
says, the report renders without echoing file content; and the valid deliveries of the same
run are judged exactly as in a run without the hostile ones."""

import datetime as dt
import json
import os
import random
import re
import shutil
import time
from pathlib import Path

import pytest
from hostile import CANARY, EITHER, MUTATIONS, ONCE, SEEDS, Hostile

from pipelines.lib.contract.deliveries import Delivery, discover
from pipelines.lib.contract.rules import RULES
from pipelines.lib.quality.gate import Verdict, judge, read_delivery
from pipelines.lib.quality.reports import write_reports
from pipelines.lib.store import warehouse as wh

CHECK = dt.date(2025, 6, 1)
_HEX_KEY = re.compile(r"[0-9a-f]{64}")


def _run(raw: Path, work: Path, suites_dir: Path) -> dict[str, Verdict]:
    """What `observatoire run` does up to the verdicts, on a fresh warehouse."""
    db = work / "w.duckdb"
    with wh.connect(db) as con:
        wh.ensure_schemas(con)
        wh.clear_landing(con, [])
        for delivery in discover(raw):
            wh.land_delivery(con, read_delivery(delivery, root=raw), "fuzz")
        reads = wh.landed_deliveries(con, "fuzz", raw)
    verdicts = judge(reads, suites_dir, CHECK)
    with wh.connect(db) as con:
        wh.record_verdicts(con, verdicts)
    for verdict in verdicts.values():
        write_reports(verdict, work / "reports", CHECK)
    return verdicts


def _bases(demo_raw: Path) -> list[Delivery]:
    """The two smallest complete deliveries of each source: hostile variants start from them."""
    chosen = []
    for source in ("ase", "ml", "hj"):
        found = [d for d in discover(demo_raw) if d.source == source and len(d.files) >= 3]
        found.sort(key=lambda d: (sum(p.stat().st_size for p in d.files.values()), d.key))
        chosen.extend(found[:2])
    return chosen


def _copy(delivery: Delivery, raw: Path, producer: str | None) -> Path:
    folder = raw / delivery.source / delivery.dept / str(delivery.annee)
    folder.mkdir(parents=True, exist_ok=True)
    for table, path in delivery.files.items():
        name = f"{table}__{producer}.csv" if producer else path.name
        shutil.copyfile(path, folder / name)
    return folder


def _place(hostile: Hostile, target: Path, outside: Path) -> None:
    target.unlink()
    if hostile.special == "symlink":
        secret = outside / f"{target.name}.{time.monotonic_ns()}"
        secret.write_text(f"id_jeune;sexe\n{CANARY};F\n")
        target.symlink_to(secret)
    elif hostile.special == "fifo":
        os.mkfifo(target)
    elif hostile.special == "sparse":
        with target.open("wb") as handle:
            handle.truncate(300 * 2**20)
    else:
        assert hostile.data is not None
        target.write_bytes(hostile.data)


def _cases(demo_raw: Path, raw: Path, outside: Path) -> dict[str, tuple[Hostile, Delivery, str]]:
    """Write one hostile delivery per (mutation, seed): a valid base delivery copied under a
    producer code of its own, one of its files replaced by the hostile variant."""
    bases = _bases(demo_raw)
    cases = {}
    plan = [(m, seed) for m in MUTATIONS for seed in SEEDS] + [(m, 0) for m in ONCE]
    for n, (mutation, seed) in enumerate(plan):
        rng = random.Random(f"{mutation.__name__}-{seed}")
        base = rng.choice(bases)
        table = rng.choice(sorted(base.files))
        hostile = mutation(rng, base.files[table].read_bytes())
        producer = f"FZ{n:04d}"
        folder = _copy(base, raw, producer)
        _place(hostile, folder / f"{table}__{producer}.csv", outside)
        key = f"{base.source}-{base.dept}-{base.annee}-{producer}"
        cases[key] = (hostile, base, table)
    return cases


def test_hostile_files_are_refused_one_by_one(
    demo_raw: Path, tmp_path: Path, suites_dir: Path
) -> None:
    bases = _bases(demo_raw)
    clean_raw = tmp_path / "clean" / "raw"
    for base in bases:
        _copy(base, clean_raw, base.producteur)
    baseline = _run(clean_raw, tmp_path / "clean", suites_dir)
    assert all(v.accepted for v in baseline.values()), {
        k: [p.regle for p in v.problems] for k, v in baseline.items()
    }

    raw, outside = tmp_path / "hostile" / "raw", tmp_path / "outside"
    outside.mkdir()
    shutil.copytree(clean_raw, raw)
    cases = _cases(demo_raw, raw, outside)
    started = time.monotonic()
    verdicts = _run(raw, tmp_path / "hostile", suites_dir)  # nothing may raise
    elapsed = time.monotonic() - started
    print(f"\n{len(cases)} livraisons hostiles + {len(baseline)} valides jugées en {elapsed:.1f} s")

    # the valid deliveries are judged exactly as without the hostile ones
    for key, verdict in baseline.items():
        assert verdicts[key].problems == verdict.problems, key
        assert verdicts[key].warnings == verdict.warnings, key
        assert verdicts[key].rows == verdict.rows, key

    failures = []
    for key, (hostile, base, table) in cases.items():
        verdict = verdicts[key]
        rules = {p.regle for p in verdict.problems}
        assert rules <= set(RULES)
        if hostile.expect != EITHER and verdict.statut != hostile.expect:
            failures.append((key, hostile.kind, table, verdict.statut, sorted(rules)))
        if hostile.rules and not rules & hostile.rules:
            failures.append((key, hostile.kind, table, "règles", sorted(rules)))
        if hostile.same_rows and verdict.rows != baseline[base.key].rows:
            failures.append((key, hostile.kind, table, "lignes", verdict.rows))
        for suffix in ("json", "md"):
            report = (
                tmp_path
                / "hostile"
                / "reports"
                / "livraisons"
                / f"{verdict.delivery.report_name}.{suffix}"
            ).read_text()
            assert CANARY not in report, (key, hostile.kind)
            assert not _HEX_KEY.search(report), (key, hostile.kind)
        data = json.loads(
            (
                tmp_path
                / "hostile"
                / "reports"
                / "livraisons"
                / f"{verdict.delivery.report_name}.json"
            ).read_text()
        )
        assert data["statut"] == verdict.statut
        assert all(len(e) <= 40 for p in data["problemes"] for e in p["exemples"])
    assert failures == []
    kinds = {h.kind for h, _, _ in cases.values()}
    assert len(kinds) == len(MUTATIONS) + len(ONCE)


@pytest.mark.parametrize("mutation", MUTATIONS + ONCE, ids=lambda m: m.__name__)
def test_each_mutation_changes_the_file(tmp_path: Path, mutation: object) -> None:
    """A mutation that returned its input unchanged would test nothing (a UTF-8 file with
    accented letters, so that re-encoding it changes bytes too)."""
    from helpers import valid_hj, write_table

    rows = valid_hj()["hj_residences"] * 5
    data = write_table(tmp_path, "hj_residences", rows).read_bytes()
    hostile: Hostile = mutation(random.Random(1), data)  # type: ignore[operator]
    assert hostile.special is not None or hostile.data != data
