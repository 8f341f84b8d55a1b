"""Benchmark of the Dagster instance's event log at the scale of a national run.

A run of `observatoire run` materialises one partition of `livraisons` per delivery (single-run
backfill policy): at national scale some 2,500 partitions, hence thousands of events written to
the instance's event log. Dagster's stock SQLite storage was measured at 20–50 ms per event, which
is why the project once had its own storage class (built on Dagster's private modules). This
script measures, for each event log configuration and each number of partitions, the time to
register the dynamic partitions, to execute one run over all of them, and to read their status
back — each case in a fresh process and a fresh persistent instance in a temporary folder.

Configurations (`--stockages`):
- `defaut`: no storage section in `dagster.yaml` (Dagster's sharded SQLite storage, one database
  per run plus an index);
- `consolidee`: the documented `ConsolidatedSqliteEventLogStorage` (one SQLite file);
- `projet`: the project's storage, `pipelines.defs.event_storage` (what `.dagster/dagster.yaml`
  selects; the figures are in its docstring).

Prints figures; asserts nothing. Usage:

    .venv/bin/python benchmarks/bench_event_log.py [--partitions 500 2500]
        [--stockages defaut consolidee projet] [--dossier DIR]

`--dossier` puts the temporary instances under DIR (the disk where `.dagster/` lives matters:
the cost of an event is mostly that of a disk sync).
"""

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

STORAGES = ("defaut", "consolidee", "projet")
_YAML_HEAD = "telemetry:\n  enabled: false\nnux:\n  enabled: false\n"


def _config(storage: str, home: Path) -> str:
    """The `dagster.yaml` of one configuration."""
    if storage == "defaut":
        return _YAML_HEAD
    if storage == "consolidee":
        return _YAML_HEAD + (
            "event_log_storage:\n"
            "  module: dagster._core.storage.event_log\n"
            "  class: ConsolidatedSqliteEventLogStorage\n"
            "  config:\n"
            f"    base_dir: {home / 'history'}\n"
        )
    if storage == "projet":
        return _YAML_HEAD + (
            "event_log_storage:\n"
            "  module: pipelines.defs.event_storage\n"
            "  class: ObservatoireEventLogStorage\n"
            "  config:\n"
            f"    base_dir: {home}\n"
        )
    raise ValueError(storage)


def measure(storage: str, partitions: int, home: Path) -> dict[str, float | int | str]:
    """One case, in this process: a new instance at `home`, one run over `partitions`."""
    import dagster as dg

    home.mkdir(parents=True, exist_ok=True)
    (home / "dagster.yaml").write_text(_config(storage, home), encoding="utf-8")
    keys = [f"ase-{n // 10:03d}-{2020 + n % 10}" for n in range(partitions)]
    parts = dg.DynamicPartitionsDefinition(name="livraisons")

    @dg.asset(partitions_def=parts, backfill_policy=dg.BackfillPolicy.single_run())
    def livraisons(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        return dg.MaterializeResult(metadata={"livraisons": len(context.partition_keys)})

    @dg.asset(deps=[livraisons])
    def synthese() -> None:
        """An unpartitioned asset downstream, as the verdicts and the marts are."""

    job = dg.define_asset_job("bench", selection=dg.AssetSelection.all())
    resolved = dg.Definitions(assets=[livraisons, synthese], jobs=[job]).resolve_job_def("bench")

    instance = dg.DagsterInstance.from_config(str(home))
    started = time.perf_counter()
    instance.add_dynamic_partitions("livraisons", keys)
    registered = time.perf_counter()
    result = resolved.execute_in_process(
        instance=instance,
        tags={
            "dagster/asset_partition_range_start": keys[0],
            "dagster/asset_partition_range_end": keys[-1],
        },
    )
    ran = time.perf_counter()
    done = instance.get_materialized_partitions(dg.AssetKey("livraisons"))
    read = time.perf_counter()
    events = len(instance.all_logs(result.run_id))
    instance.dispose()
    return {
        "stockage": storage,
        "partitions": partitions,
        "succes": str(result.success and len(done) == partitions),
        "enregistrement_s": round(registered - started, 2),
        "run_s": round(ran - registered, 2),
        "lecture_s": round(read - ran, 2),
        "evenements": events,
        "ms_par_evenement": round(1000 * (ran - registered) / max(events, 1), 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--partitions", type=int, nargs="+", default=[500, 2500])
    parser.add_argument("--stockages", nargs="+", choices=STORAGES, default=list(STORAGES))
    parser.add_argument("--dossier", type=Path, default=None)
    parser.add_argument("--un", nargs=3, metavar=("STOCKAGE", "N", "HOME"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.un:
        storage, n, home = args.un
        print(json.dumps(measure(storage, int(n), Path(home))))
        return
    header = (
        f"{'stockage':<11} {'partitions':>10} {'enregistr. s':>12} {'run s':>8} "
        f"{'lecture s':>9} {'événements':>10} {'ms/évén.':>8}  succès"
    )
    print(header)
    for n in args.partitions:
        for storage in args.stockages:
            with tempfile.TemporaryDirectory(dir=args.dossier) as tmp:
                out = subprocess.run(
                    [sys.executable, __file__, "--un", storage, str(n), str(Path(tmp) / "home")],
                    capture_output=True,
                    text=True,
                    check=False,
                )
            if out.returncode != 0:
                print(f"{storage:<11} {n:>10}  échec : {out.stderr.strip().splitlines()[-1:]}")
                continue
            r = json.loads(out.stdout.strip().splitlines()[-1])
            print(
                f"{r['stockage']:<11} {r['partitions']:>10} {r['enregistrement_s']:>12} "
                f"{r['run_s']:>8} {r['lecture_s']:>9} {r['evenements']:>10} "
                f"{r['ms_par_evenement']:>8}  {r['succes']}",
                flush=True,
            )


if __name__ == "__main__":
    main()
