"""Synthetic deliveries for the demo, the tests and the benchmarks: never on the production
path (the pipeline never imports this package; only the `generate` command does)."""
