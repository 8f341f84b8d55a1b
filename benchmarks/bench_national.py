"""National-scale benchmark: generation, first run, a run with nothing new, a run with one new
delivery, peak memory of the whole process tree, and the floor — DuckDB alone reading the same
CSV files one by one — with the ratios to the targets of issue 12.

Prints figures; asserts nothing. Each run is `observatoire run` in a subprocess, recorded in a
Dagster instance of its own, whose event log gives the time of each step and of each stage the
steps report (reading, landing, checking…); dbt's run results give its slowest models.

Usage: `.venv/bin/python benchmarks/bench_national.py [--echelle 1.0] [--years 2021-2024]
[--dossier DIR] [--garder]` (`make bench`). At scale 1 it writes about 3 GB under the folder
(a temporary one unless `--dossier`) and takes long: see the README for the measured figures.
"""

import argparse
import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import psutil

ROOT = Path(__file__).resolve().parents[1]
OBSERVATOIRE = [sys.executable, "-m", "pipelines.cli"]
GIB = 1024**3
TARGETS = {
    "premier run": "≤ 3 × plancher",
    "rien de nouveau": "≤ 5 s",
    "une livraison nouvelle": "≤ 30 s",
    "mémoire maximale": "≤ 4 Gio",
}


@dataclass
class Measure:
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    peak_bytes: int = 0
    exit_code: int = 0
    output: str = ""
    stages: dict[str, float] = field(default_factory=dict)


def _tree_rss(root: psutil.Process) -> int:
    total = 0
    for process in [root, *root.children(recursive=True)]:
        try:
            total += process.memory_info().rss
        except psutil.Error:
            continue
    return total


def measure(command: list[str], env: dict[str, str]) -> Measure:
    """Wall time, CPU time and peak resident memory (sum over the process tree, sampled every
    0.2 s) of a command."""
    before = os.times()
    started = time.monotonic()
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, cwd=ROOT
    )
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        try:
            root = psutil.Process(process.pid)
            while not done.is_set():
                peak = max(peak, _tree_rss(root))
                time.sleep(0.2)
        except psutil.Error:
            return

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    output, _ = process.communicate()
    done.set()
    sampler.join()
    seconds = time.monotonic() - started
    after = os.times()
    cpu = (after.children_user - before.children_user) + (
        after.children_system - before.children_system
    )
    return Measure(seconds, cpu, peak, process.returncode, output.decode("utf-8", "replace"))


def floor(raw: Path, scratch: Path) -> tuple[float, int, int]:
    """DuckDB alone reading every CSV file one by one, each into a table of text columns.
    Returns seconds, files and rows. DuckDB reads UTF-8 and Latin-1; the few Windows-1252
    files with characters outside Latin-1 (a dash in a residence's name) are converted to
    UTF-8 beforehand, outside the timed loop."""
    plan: list[tuple[Path, str]] = []
    scratch.mkdir(parents=True, exist_ok=True)
    for i, path in enumerate(sorted(raw.rglob("*.csv"))):
        data = path.read_bytes()
        try:
            data.decode("utf-8")
            plan.append((path, "utf-8"))
            continue
        except UnicodeDecodeError:
            pass
        if any(0x80 <= b <= 0x9F for b in data):
            converted = scratch / f"{i}.csv"
            converted.write_text(data.decode("cp1252"), encoding="utf-8")
            plan.append((converted, "utf-8"))
        else:
            plan.append((path, "latin-1"))
    con = duckdb.connect()
    rows = 0
    started = time.monotonic()
    for path, encoding in plan:
        con.execute(
            "create or replace temp table lu as select * from read_csv(?, all_varchar = true, "
            "header = true, encoding = ?)",
            [str(path), encoding],
        )
        count = con.execute("select count(*) from lu").fetchone()
        rows += int(count[0]) if count else 0
    seconds = time.monotonic() - started
    con.close()
    shutil.rmtree(scratch, ignore_errors=True)
    return seconds, len(plan), rows


def _run_stages(home: Path, output: str) -> dict[str, float]:
    """Seconds per stage of the run just finished: the runner's preparation, each step, and
    inside the steps the time between their own progress messages."""
    from pipelines.defs.runs import open_instance

    stages: dict[str, float] = {}
    survey = re.search(r"inventaire des livraisons : ([\d.]+) s", output)
    if survey:
        stages["inventaire (ce qui a changé depuis le dernier contrôle)"] = float(survey.group(1))
    if "Rien de nouveau" in output:
        return stages  # the run stopped after the survey: no Dagster run to read
    match = re.search(r"préparation : ([\d.]+) s", output)
    if match:
        stages["préparation (découverte, instance, définitions)"] = float(match.group(1))
    instance = open_instance(home)
    runs = instance.get_runs(limit=1)
    if not runs:
        return stages
    run_id = runs[0].run_id
    for stats in instance.get_run_step_stats(run_id):
        if stats.start_time and stats.end_time:
            stages[f"étape {stats.step_key.split('[')[0]}"] = stats.end_time - stats.start_time
    last: dict[str, float] = {}
    for record in instance.all_logs(run_id):
        step = (record.step_key or "").split("[")[0]
        if not step:
            continue
        event = record.dagster_event
        if event is not None and event.event_type_value == "STEP_START":
            last[step] = record.timestamp
            continue
        if event is not None and event.event_type_value in ("STEP_SUCCESS", "STEP_FAILURE"):
            if step in last:
                key = f"  {step} → (jusqu'à la fin de l'étape)"
                stages[key] = stages.get(key, 0.0) + record.timestamp - last.pop(step)
            continue
        message = record.user_message or ""
        if event is None and step in last and message and not message.startswith("dbt"):
            label = re.sub(r"\d[\d ]*", "N", message)[:70]
            key = f"  {step} → {label}"
            stages[key] = stages.get(key, 0.0) + record.timestamp - last[step]
            last[step] = record.timestamp
    return stages


def _slowest_dbt_nodes(n: int = 8) -> list[tuple[str, float]]:
    target = ROOT / "dbt_project" / "target"
    runs = sorted(
        target.glob("observatoire_dbt-*/run_results.json"), key=lambda p: p.stat().st_mtime
    )
    if not runs:
        return []
    results = json.loads(runs[-1].read_text(encoding="utf-8")).get("results", [])
    timed = [(r["unique_id"], float(r.get("execution_time") or 0)) for r in results]
    return sorted(timed, key=lambda t: -t[1])[:n]


def _years(text: str) -> str:
    first, _, last = text.partition("-")
    return f"{int(first)}-{int(last or first)}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--echelle", type=float, default=1.0)
    parser.add_argument("--years", type=_years, default="2021-2024")
    parser.add_argument("--dossier", type=Path, default=None)
    parser.add_argument("--garder", action="store_true", help="garder le dossier de travail")
    args = parser.parse_args()
    work = args.dossier or Path(tempfile.mkdtemp(prefix="bench-national-"))
    work.mkdir(parents=True, exist_ok=True)
    raw, data, home = work / "raw", work / "data", work / "dagster"
    env = {**os.environ, "DAGSTER_HOME": str(home)}
    run = [
        *OBSERVATOIRE,
        "run",
        "--raw",
        str(raw),
        "--warehouse",
        str(data / "warehouse.duckdb"),
        "--marts",
        str(data / "marts"),
        "--reports",
        str(data / "reports"),
    ]
    figures: dict[str, Measure] = {}
    try:
        print(
            f"Dossier de travail : {work}  (machine : {os.cpu_count()} cœurs, "
            f"{psutil.virtual_memory().total / GIB:.1f} Gio)"
        )
        if not raw.exists() or not any(raw.rglob("*.csv")):
            generate = [
                *OBSERVATOIRE,
                "generate",
                "--region",
                "all",
                "--out",
                str(raw),
                "--echelle",
                str(args.echelle),
                "--years",
                args.years,
            ]
            figures["génération"] = measure(generate, env)
            for line in figures["génération"].output.splitlines():
                if "livraisons synthétiques" in line:
                    print(line.strip())
        held = work / "retenue"
        last_year = args.years.split("-")[1]
        candidates = sorted((raw / "ase").glob(f"*/{last_year}"))
        new_delivery = candidates[len(candidates) // 2]
        if not held.exists():
            shutil.move(str(new_delivery), held)
        floor_s, files, rows = floor(raw, work / "plancher")
        print(f"{files} fichiers CSV, {rows} lignes (hors livraison retenue pour le 3e run)")
        for name in ("premier run", "rien de nouveau"):
            figures[name] = measure(run, env)
            figures[name].stages = _run_stages(home, figures[name].output)
        slowest = _slowest_dbt_nodes()
        shutil.move(str(held), new_delivery)
        figures["une livraison nouvelle"] = measure(run, env)
        figures["une livraison nouvelle"].stages = _run_stages(
            home, figures["une livraison nouvelle"].output
        )
    finally:
        if not args.garder and args.dossier is None:
            shutil.rmtree(work, ignore_errors=True)

    peak = max(m.peak_bytes for k, m in figures.items() if k != "génération")
    print()
    print(f"Mesures du {dt.date.today():%d/%m/%Y}, échelle {args.echelle}, années {args.years}")
    print(f"{'':<26}{'durée':>10}{'CPU':>10}{'mémoire max.':>14}  code  objectif   rapport")
    for name, m in figures.items():
        ratio = ""
        if name == "premier run":
            ratio = f"{m.seconds / floor_s:.1f} × plancher"
        elif name == "rien de nouveau":
            ratio = f"{m.seconds / 5:.1f} × l'objectif"
        elif name == "une livraison nouvelle":
            ratio = f"{m.seconds / 30:.1f} × l'objectif"
        print(
            f"{name:<26}{m.seconds:>9.1f}s{m.cpu_seconds:>9.1f}s{m.peak_bytes / GIB:>12.2f}Gio"
            f"  {m.exit_code:>4}  {TARGETS.get(name, ''):<10} {ratio}"
        )
    print(f"{'plancher (DuckDB seul)':<26}{floor_s:>9.1f}s")
    print(
        f"mémoire maximale des runs (arbre de processus) : {peak / GIB:.2f} Gio "
        f"({peak / (4 * GIB):.2f} × l'objectif de 4 Gio)"
    )
    for name in ("premier run", "rien de nouveau", "une livraison nouvelle"):
        m = figures.get(name)
        if m is None or not m.stages:
            continue
        print(f"\nOù va le temps — {name} :")
        for stage, seconds in m.stages.items():
            print(f"  {stage:<86} {seconds:>8.1f} s")
    if slowest:
        print("\nModèles et tests dbt les plus lents (premier run) :")
        for node, seconds in slowest:
            print(f"  {node:<86} {seconds:>8.1f} s")
    failed = {k: m.exit_code for k, m in figures.items() if m.exit_code not in (0, 3)}
    if failed:
        print(f"\nAttention, commandes en échec : {failed}")
        for name in failed:
            print(figures[name].output[-3000:])


if __name__ == "__main__":
    main()
