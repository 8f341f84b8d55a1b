"""Benchmark of the quality gate: reading + Great Expectations suites + references.

Prints seconds per 100,000 rows and peak memory; it asserts nothing (targets are read, not
tested). Usage: `.venv/bin/python benchmarks/bench_gate.py [--echelle 0.5]`.
"""

import argparse
import datetime as dt
import resource
import tempfile
import time
from pathlib import Path

from demo.generator import generate
from pipelines.lib.contract.deliveries import discover
from pipelines.lib.quality.gate import judge, read_delivery
from pipelines.lib.settings import EXPECTATIONS_DIR


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--echelle", type=float, default=0.5)
    parser.add_argument("--years", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "raw"
        years = range(2025 - args.years, 2025)
        summary = generate(raw, seed=1, years=years, scale=args.echelle)
        rows = sum(summary.rows.values())
        deliveries = discover(raw)
        started = time.perf_counter()
        reads = [read_delivery(d) for d in deliveries]
        read_s = time.perf_counter() - started
        started = time.perf_counter()
        verdicts = judge(reads, EXPECTATIONS_DIR, dt.date.today())
        judge_s = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    refused = sum(not v.accepted for v in verdicts.values())
    print(f"livraisons : {len(deliveries)} ({refused} refusées), lignes : {rows}")
    print(f"lecture : {read_s:.1f} s ; contrôle (GX + références) : {judge_s:.1f} s")
    print(f"par 100 000 lignes : {(read_s + judge_s) / rows * 100_000:.2f} s")
    print(f"mémoire maximale du processus : {peak_mb:.0f} Mo")


if __name__ == "__main__":
    main()
