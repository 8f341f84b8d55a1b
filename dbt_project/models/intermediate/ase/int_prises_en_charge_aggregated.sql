-- Today's view: the latest vintage of `int_prises_en_charge_aggregated_by_vintage` (every accepted delivery counts).

{{ latest_vintage(ref('int_prises_en_charge_aggregated_by_vintage')) }}
