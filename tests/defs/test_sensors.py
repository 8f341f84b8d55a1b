from pathlib import Path

import dagster as dg
from helpers import valid_ase, write_delivery

from pipelines.defs.ingestion.sensors import nouvelles_livraisons
from pipelines.defs.resources import ObservatoireResource


def test_sensor_registers_new_deliveries_once(tmp_path: Path) -> None:
    write_delivery(tmp_path, "ase", "09", 2024, valid_ase())
    resource = ObservatoireResource(raw_dir=str(tmp_path))
    with dg.instance_for_test() as instance:
        context = dg.build_sensor_context(instance=instance, resources={"observatoire": resource})
        result = nouvelles_livraisons(context)
        assert isinstance(result, dg.SensorResult)
        assert [
            r.tags["dagster/asset_partition_range_start"] for r in result.run_requests or []
        ] == ["ase-09-2024"]
        assert result.dynamic_partitions_requests[0].partition_keys == ["ase-09-2024"]  # type: ignore[union-attr,index]
        again = dg.build_sensor_context(
            instance=instance, resources={"observatoire": resource}, cursor=result.cursor
        )
        assert isinstance(nouvelles_livraisons(again), dg.SkipReason)
