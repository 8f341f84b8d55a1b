"""Judging deliveries: reading files with the contract's tolerances, the quality gate, the
partners' reports, and the watch on match rates. Depends on `contract` only."""
