"""The partner export contract (docs/contrat-echange.md) as code: tables, columns and code lists,
the refusal rules and their codes, the Great Expectations suites, how deliveries are laid out in
folders, and the pseudonymous key. Imports nothing else from `pipelines.lib` but `reference`."""
