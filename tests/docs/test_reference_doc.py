"""Every reference file shipped with the project says where it comes from and under which
licence (`reference/README.md`), and the README describes no file that is not there."""

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "reference" / "README.md"
FOLDERS = ("reference", "dbt_project/seeds")


def shipped_files() -> set[str]:
    try:
        listed = subprocess.run(
            ["git", "ls-files", "--cached", "--others", "--exclude-standard", *FOLDERS],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git working tree: no repository file list")
    return {line for line in listed.splitlines() if line and line != "reference/README.md"}


def documented_files() -> set[str]:
    """The first cell of each row of the README's table: a repository path."""
    return set(re.findall(r"^\| `([^`]+)` \|", README.read_text(encoding="utf-8"), re.MULTILINE))


def test_every_reference_file_is_documented() -> None:
    missing = shipped_files() - documented_files()
    assert not missing, f"reference files without source and licence in {README}: {missing}"


def test_every_documented_file_is_shipped() -> None:
    absent = documented_files() - shipped_files()
    assert not absent, f"{README} describes files the repository does not hold: {absent}"


def test_every_documented_file_has_a_source_and_a_licence() -> None:
    for line in README.read_text(encoding="utf-8").splitlines():
        if line.startswith("| `"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            assert len(cells) == 4 and all(cells), line
