import atexit
import datetime as dt
import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

# No tool reaches the network from the tests either.
os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "False")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
# The tests' runs go to a throwaway Dagster instance, never to the project's `.dagster/`.
os.environ["DAGSTER_HOME"] = tempfile.mkdtemp(prefix="observatoire-tests-dagster-")

from pipelines.lib.settings import EXPECTATIONS_DIR

atexit.register(shutil.rmtree, os.environ["DAGSTER_HOME"], ignore_errors=True)

CHECK_DATE = dt.date(2025, 6, 1)


@pytest.fixture
def suites_dir() -> Path:
    return EXPECTATIONS_DIR


@pytest.fixture
def check_date() -> dt.date:
    return CHECK_DATE
