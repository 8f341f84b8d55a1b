-- Today's view: the latest vintage of `int_stocks_annualised_by_vintage` (every accepted delivery counts).

{{ latest_vintage(ref('int_stocks_annualised_by_vintage')) }}
