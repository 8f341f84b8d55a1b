"""The warehouse's own schemas (landing, audit, raw): landing what was read, recording verdicts,
promoting accepted deliveries. Depends on `contract` and `quality`."""
