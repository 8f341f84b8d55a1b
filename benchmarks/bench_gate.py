"""Benchmark of the quality gate: reading + Great Expectations suites + references, and the cost
of refusing the worst hostile files.

Prints figures; it asserts nothing (targets are read, not tested). Usage:

    .venv/bin/python benchmarks/bench_gate.py [--echelle 0.5] [--years 2]
    .venv/bin/python benchmarks/bench_gate.py --refus      # worst cases, one process each

The first form times reading (native fast path, `lib/quality/reading.py`) and judging apart,
per 100,000 rows, with the peak memory of the process. The second writes each hostile file
(up to the file size limit) in one process and reads it in another, fresh one, printing the
reading process's time and peak memory (its imports included).
"""

import argparse
import datetime as dt
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from demo.generator import generate
from pipelines.lib.contract.deliveries import discover
from pipelines.lib.contract.fileformat import LIMITS
from pipelines.lib.contract.tables import TABLES
from pipelines.lib.quality.gate import judge, read_delivery
from pipelines.lib.quality.reading import read_table_file
from pipelines.lib.settings import EXPECTATIONS_DIR

_ROW = "M{n:09d};{key};PLACEMENT_JUDICIAIRE;ASSISTANT_FAMILIAL;2021-03-01;2024-06-30;MAJORITE\n"
_HEADER = "id_mesure;id_jeune;type_mesure;mode_accueil;date_debut;date_fin;motif_fin\n"


def _rows(size: int) -> bytes:
    """Valid ase_mesures rows up to about `size` bytes."""
    key = "ab" * 32
    line = _ROW.format(n=0, key=key)
    count = size // len(line)
    return (_HEADER + "".join(_ROW.format(n=n, key=key) for n in range(count))).encode()


def _write_case(case: str, path: Path) -> None:
    limit = LIMITS.file_bytes - 2**20
    if case == "fichier_de_2_Gio":
        with path.open("wb") as handle:
            handle.truncate(2 * 2**30)
    elif case == "une_ligne_au_plus_pres":
        path.write_bytes(_HEADER.encode() + b"x" * limit)
    elif case == "guillemet_final_au_plus_pres":
        # ~2 M valid lines, then a quote that never closes: only the slow path can tell
        path.write_bytes(_rows(limit) + b'"M1;' + b"ab" * 32 + b";AED\n")
    elif case == "octets_aleatoires_au_plus_pres":
        path.write_bytes(random.Random(1).randbytes(limit))
    elif case == "lignes_vides_au_plus_pres":
        path.write_bytes(_HEADER.encode() + b"\n" * (limit - 100))
    elif case == "champs_longs_au_plus_pres":
        # short lines, one value of each just over the field limit: parsed before refusal
        field = b"x" * (LIMITS.field_chars + 1)
        path.write_bytes(_HEADER.encode() + (field + b";x\n") * (limit // len(field)))
    elif case == "valide_au_plus_pres":  # not a refusal: the fast path's cost, for comparison
        path.write_bytes(_rows(limit))
    else:
        raise SystemExit(f"cas inconnu : {case}")


CASES = [
    "fichier_de_2_Gio",
    "une_ligne_au_plus_pres",
    "guillemet_final_au_plus_pres",
    "octets_aleatoires_au_plus_pres",
    "lignes_vides_au_plus_pres",
    "champs_longs_au_plus_pres",
    "valide_au_plus_pres",
]


def _one_case(case: str, path: Path) -> None:
    """Read one prepared file in this fresh process; print seconds and peak memory."""
    started = time.perf_counter()
    result = read_table_file(path, TABLES["ase_mesures"], root=path.parent)
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rules = ", ".join(sorted({p.regle for p in result.problems})) or "acceptable"
    size = path.stat().st_size / 2**20
    print(f"  {case:<32} {size:7.0f} Mio {seconds:6.1f} s {peak_mb:6.0f} Mo  → {rules}")


def refusals() -> None:
    print(f"Refus des pires fichiers (un processus par cas ; limite {LIMITS.file_bytes} octets) :")
    with tempfile.TemporaryDirectory() as tmp:
        for case in CASES:
            path = Path(tmp) / "ase_mesures.csv"
            _write_case(case, path)
            subprocess.run([sys.executable, __file__, "--un-cas", case, str(path)], check=True)
            path.unlink()


def gate(scale: float, years: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "raw"
        span = range(2025 - years, 2025)
        summary = generate(raw, seed=1, years=span, scale=scale)
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
    print(f"lecture par 100 000 lignes : {read_s / rows * 100_000:.2f} s")
    print(f"par 100 000 lignes : {(read_s + judge_s) / rows * 100_000:.2f} s")
    print(f"mémoire maximale du processus : {peak_mb:.0f} Mo")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--echelle", type=float, default=0.5)
    parser.add_argument("--years", type=int, default=2)
    parser.add_argument("--refus", action="store_true", help="pires cas de refus")
    parser.add_argument("--un-cas", nargs=2, metavar=("CAS", "FICHIER"), help=argparse.SUPPRESS)
    parser.add_argument("--ecrire", nargs=2, metavar=("CAS", "FICHIER"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.ecrire:
        _write_case(args.ecrire[0], Path(args.ecrire[1]))
    elif args.un_cas:
        _one_case(args.un_cas[0], Path(args.un_cas[1]))
    elif args.refus:
        refusals()
    else:
        gate(args.echelle, args.years)


if __name__ == "__main__":
    main()
