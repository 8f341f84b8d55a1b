"""One delivery = one partition: `<source>-<dept>-<annee>[-<producteur>]`."""

from collections.abc import Iterable, Sequence

import dagster as dg

livraisons_partitions = dg.DynamicPartitionsDefinition(name="livraisons")


def covering_range(registered: Sequence[str], todo: Iterable[str]) -> tuple[str, str]:
    """The first and last of the deliveries to judge in the order of the dynamic partitions
    (the order they were registered in: new ones are appended). The range may hold unchanged
    deliveries between them; the assets skip those."""
    wanted = set(todo)
    ordered = [k for k in registered if k in wanted]
    return ordered[0], ordered[-1]
