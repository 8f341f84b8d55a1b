"""Throughput of `observatoire pseudonymise` on a synthetic identity file (random letters, no
real name). Prints rows per second; asserts nothing.

Usage: `.venv/bin/python benchmarks/bench_pseudonymise.py [N]`.
"""

import random
import sys
import tempfile
import time
from pathlib import Path

from pipelines.lib.contract.pseudonymisation import pseudonymise_file


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 300_000
    rng = random.Random(1)
    letters = "abcdefghijklmnopqrstuvwxyzéèàïç-' "
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "identites.csv"
        lines = ["nom;prenom;date_naissance;sexe;code_ml"]
        for _ in range(n):
            nom = rng.choice("bdlmrt") + "".join(
                rng.choice(letters) for _ in range(rng.randint(2, 12))
            )
            prenom = rng.choice("aejlm") + "".join(
                rng.choice(letters) for _ in range(rng.randint(2, 9))
            )
            naissance = (
                f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{rng.randint(1998, 2009)}"
            )
            lines.append(f"{nom};{prenom};{naissance};{rng.choice('FM')};ML3101")
        source.write_text("\n".join(lines) + "\n", encoding="utf-8")
        started = time.perf_counter()
        rows = pseudonymise_file(source, Path(tmp) / "ml_jeunes.csv", b"s" * 32)
        elapsed = time.perf_counter() - started
    print(f"{rows} lignes en {elapsed:.2f} s, soit {rows / elapsed:.0f} lignes/s")


if __name__ == "__main__":
    main()
