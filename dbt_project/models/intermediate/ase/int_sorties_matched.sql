-- Today's view: the latest vintage of `int_sorties_matched_by_vintage` (every accepted delivery counts).

{{ latest_vintage(ref('int_sorties_matched_by_vintage')) }}
