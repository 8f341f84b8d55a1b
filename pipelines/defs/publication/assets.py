"""Publication of the marts: files and the analysts' database, after the dbt build passed."""

import dagster as dg

from pipelines.defs.resources import ObservatoireResource
from pipelines.lib.publication.publish import ANALYST_DB, MARTS, publish


@dg.asset(
    deps=[dg.AssetKey(["marts", m]) for m in MARTS],
    group_name="publication",
    kinds={"parquet", "csv", "duckdb"},
    description="Marts publiés dans data/marts/ (Parquet, CSV, observatoire.duckdb).",
)
def marts_publies(
    context: dg.AssetExecutionContext, observatoire: ObservatoireResource
) -> dg.MaterializeResult:
    settings = observatoire.settings
    counts = publish(settings.warehouse, settings.marts_dir, seuil=settings.seuil)
    context.log.info(f"Marts publiés dans {settings.marts_dir} ({len(counts)} marts).")
    return dg.MaterializeResult(
        metadata={
            "dossier": str(settings.marts_dir),
            "base_analystes": str(settings.marts_dir / ANALYST_DB),
            **{f"lignes_{m}": n for m, n in counts.items()},
        }
    )
