"""The fuzz suite: hostile variants of valid demo files (`hostile.py`) and the two reading paths
compared on random texts (Hypothesis).

`make test` runs the short version (a few seconds of Hypothesis, about 150 hostile files in one
judgement). `make fuzz` (environment `OBSERVATOIRE_FUZZ=long`) runs ten times more.
"""

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # `hostile` beside the tests


@pytest.fixture(scope="session")
def demo_raw(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Small valid demo deliveries of one year (real generator output)."""
    from demo.generator import generate

    root = tmp_path_factory.mktemp("demo") / "raw"
    generate(root, seed=7, years=range(2024, 2025), scale=0.02)
    yield root
    shutil.rmtree(root, ignore_errors=True)
