"""One delivery = one partition: `<source>-<dept>-<annee>[-<producteur>]`."""

import dagster as dg

livraisons_partitions = dg.DynamicPartitionsDefinition(name="livraisons")
