"""The dbt project whose models the run builds (the repository's `dbt_project/` by default).

The Dagster definitions are built from its manifest. `make install` writes the manifest of the
repository's project (`dbt parse`); for any project whose manifest is missing or older than
one of its files (a model just edited, a copy of the project in a test), it is parsed here,
once per process and project, before the definitions are built.
"""

import fcntl
import subprocess
import sys
from functools import cache
from pathlib import Path

from dagster_dbt import DbtProject

from pipelines.lib.settings import DBT_PROJECT_DIR

_SOURCE_DIRS = ("models", "macros", "seeds", "tests", "snapshots", "analyses")
_SOURCE_FILES = ("dbt_project.yml", "profiles.yml", "packages.yml", "dependencies.yml")


class DbtProjectError(RuntimeError):
    """The dbt project cannot be parsed (a YAML or Jinja error in a model's files)."""


def dbt_executable() -> Path:
    """The dbt installed beside this interpreter: `.venv/bin/observatoire` runs without the
    venv on PATH."""
    return Path(sys.executable).parent / "dbt"


def _newest_source(project_dir: Path) -> float:
    times = [
        (project_dir / name).stat().st_mtime
        for name in _SOURCE_FILES
        if (project_dir / name).exists()
    ]
    for folder in _SOURCE_DIRS:
        root = project_dir / folder
        if root.is_dir():
            times.extend(p.stat().st_mtime for p in root.rglob("*") if p.is_file())
    return max(times, default=0.0)


def manifest_is_stale(project_dir: Path) -> bool:
    manifest = project_dir / "target" / "manifest.json"
    return not manifest.exists() or manifest.stat().st_mtime < _newest_source(project_dir)


def parse(project_dir: Path) -> None:
    """`dbt parse`: write `target/manifest.json`. Concurrent processes parse one at a time."""
    target = project_dir / "target"
    target.mkdir(parents=True, exist_ok=True)
    with (target / ".parse.lock").open("w") as guard:
        fcntl.flock(guard, fcntl.LOCK_EX)
        if not manifest_is_stale(project_dir):  # parsed by another process meanwhile
            return
        result = subprocess.run(
            [str(dbt_executable()), "parse", "--quiet", "--profiles-dir", str(project_dir)],
            cwd=project_dir,
            capture_output=True,
            text=True,
            check=False,
        )
    if result.returncode != 0:
        detail = (result.stdout + result.stderr).strip().splitlines()
        raise DbtProjectError(
            f"Le projet dbt {project_dir} ne peut pas être analysé (dbt parse) : "
            + " ".join(detail[-5:])
        )


@cache
def dbt_project(project_dir: Path = DBT_PROJECT_DIR) -> DbtProject:
    project_dir = project_dir.resolve()
    if manifest_is_stale(project_dir):
        parse(project_dir)
    return DbtProject(project_dir=project_dir, profiles_dir=project_dir)
