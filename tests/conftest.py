import datetime as dt
import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

# No tool reaches the network from the tests either.
os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "False")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")

from pipelines.lib.settings import EXPECTATIONS_DIR

CHECK_DATE = dt.date(2025, 6, 1)


@pytest.fixture
def suites_dir() -> Path:
    return EXPECTATIONS_DIR


@pytest.fixture
def check_date() -> dt.date:
    return CHECK_DATE
