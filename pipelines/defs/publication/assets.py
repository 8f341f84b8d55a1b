"""Publication of the marts: files, the analysts' database and the documents built from them,
after the dbt build passed. Which marts are published is read from the dbt manifest's
declarations, for the lineage as for the publication itself."""

import json
from pathlib import Path

import dagster as dg

from pipelines.defs.publication.builders import builders
from pipelines.defs.resources import ObservatoireResource
from pipelines.defs.transformation.translator import ObservatoireTranslator
from pipelines.lib.publication.analysts_db import ANALYST_DB
from pipelines.lib.publication.declarations import (
    PublicationRefusee,
    manifest_of,
    published_unique_ids,
)
from pipelines.lib.publication.outputs import OutputsSummary
from pipelines.lib.publication.publish import ConstructionEchouee, publish
from pipelines.lib.store import incremental, warehouse


def published_keys(manifest_path: Path) -> list[dg.AssetKey]:
    """The asset keys of the marts the manifest declares published (lineage only: the
    publication step checks the declarations and fails closed)."""
    if not manifest_path.is_file():
        return []
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    translator = ObservatoireTranslator()
    return [
        translator.get_asset_key(manifest["nodes"][unique_id])
        for unique_id in published_unique_ids(manifest).values()
    ]


def _documents_metadata(summary: object) -> dict[str, dg.MetadataValue]:
    """Files and seconds of the documents made from the publication (bilans, maps, workbook)."""
    if not isinstance(summary, OutputsSummary):
        return {}
    return {
        "documents": dg.MetadataValue.json(summary.files),
        "documents_secondes": dg.MetadataValue.json(
            {kind: round(s, 2) for kind, s in summary.seconds.items()}
        ),
    }


def build_publication_asset(manifest_path: Path) -> dg.AssetsDefinition:
    """The publication asset, its dependencies read from the dbt project's manifest."""

    @dg.asset(
        name="marts_publies",
        deps=published_keys(manifest_path),
        group_name="publication",
        kinds={"parquet", "csv", "duckdb"},
        description=(
            "Marts publiés dans data/marts/ (Parquet, CSV, observatoire.duckdb, dictionnaire, "
            "livraisons), après secret statistique ; le dossier est remplacé d'un coup."
        ),
    )
    def marts_publies(
        context: dg.AssetExecutionContext, observatoire: ObservatoireResource
    ) -> dg.MaterializeResult:
        settings = observatoire.settings
        with warehouse.connect(settings.warehouse, read_only=True) as con:
            stamp = incremental.publication_stamp(con, settings)
        try:
            result = publish(
                settings.warehouse,
                settings.marts_dir,
                manifest_of(settings.warehouse),
                seuil=settings.seuil,
                builders=builders(settings),
                stamp=stamp,
            )
        except (PublicationRefusee, ConstructionEchouee) as error:
            # A French message, without a traceback, for the runner and the UI.
            raise dg.Failure(description=str(error), allow_retries=False) from None
        total = sum(result.masked_per_mart.values())
        context.log.info(
            f"Marts publiés dans {settings.marts_dir} ({len(result.rows)} marts, "
            f"{total} cases masquées)."
        )
        return dg.MaterializeResult(
            metadata={
                "dossier": dg.MetadataValue.path(str(settings.marts_dir)),
                "publication": dg.MetadataValue.path(str(result.folder)),
                "base_analystes": dg.MetadataValue.path(str(settings.marts_dir / ANALYST_DB)),
                "marts": dg.MetadataValue.json(sorted(result.rows)),
                "fichiers": dg.MetadataValue.json(result.files),
                "lignes": dg.MetadataValue.json(result.rows),
                "cellules_masquees": dg.MetadataValue.json(result.masked_per_mart),
                "cellules_masquees_par_colonne": dg.MetadataValue.json(result.masked),
                **{
                    f"cellules_masquees_{mart}": dg.MetadataValue.int(n)
                    for mart, n in result.masked_per_mart.items()
                },
                **_documents_metadata(result.built.get("documents")),
            }
        )

    return marts_publies
