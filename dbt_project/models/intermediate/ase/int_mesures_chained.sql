-- Today's view: the latest vintage of `int_mesures_chained_by_vintage` (every accepted delivery counts).

{{ latest_vintage(ref('int_mesures_chained_by_vintage')) }}
