"""A user who clones the repository alone must find everything in it: no file may point to the
development machine's shared folder (the specs, the domain notes, the reference data), which
does not ship with the repository. Their content lives in `docs/` and `reference/`."""

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
THIS_FILE = Path(__file__).resolve()

# A path segment named `shared` (`../shared/spec/…`, `shared/domain.md`, `shared/reference/…`),
# not a word that ends in it (`dagster-shared`, `dagster_shared/`), and the machine's own paths.
OUTSIDE = re.compile(rb"\.\./shared\b|(?<![\w-])shared/|/work/")


def repository_files() -> list[Path]:
    """Tracked files, and new files not ignored (so that a file being written is checked too)."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=ROOT,
            capture_output=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git working tree: no repository file list")
    return [ROOT / name.decode() for name in listed.split(b"\0") if name]


def test_no_file_points_outside_the_repository() -> None:
    hits = []
    for path in repository_files():
        # This file names the forbidden forms in order to find them.
        if path.resolve() == THIS_FILE or not path.is_file():
            continue
        for number, line in enumerate(path.read_bytes().splitlines(), start=1):
            if OUTSIDE.search(line):
                shown = line.decode("utf-8", "replace").strip()[:120]
                hits.append(f"{path.relative_to(ROOT)}:{number}: {shown}")
    assert not hits, "files point outside the repository (use docs/ or reference/):\n" + "\n".join(
        hits
    )


@pytest.mark.parametrize(
    "line",
    [
        b"The contracts are in `../shared/spec/`",
        b"see shared/domain.md",
        b"(contours : shared/reference/departements.geojson)",
        b"copied from /work/shared/reference",
        b"ls ../shared",
    ],
)
def test_forms_that_point_outside_are_recognised(line: bytes) -> None:
    assert OUTSIDE.search(line)


@pytest.mark.parametrize(
    "line",
    [
        b"dagster-shared==1.13.27",
        b"import dagster_shared/",
        b"a secret shared by the producers",
        b"docs/contrat-echange.md",
    ],
)
def test_ordinary_lines_are_not_flagged(line: bytes) -> None:
    assert not OUTSIDE.search(line)
