"""The `observatoire` command as partners and the observatory run it (real subprocesses)."""

import subprocess
import sys
from pathlib import Path

import pytest
from helpers import valid_ase, write_delivery

pytestmark = pytest.mark.integration
CLI = [sys.executable, "-m", "pipelines.cli"]


def _run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, cwd=cwd, check=False)


def test_check_accepts_a_good_delivery(tmp_path: Path) -> None:
    folder = write_delivery(tmp_path, "ase", "09", 2024, valid_ase())
    result = _run("check", str(folder), "--date-controle", "2025-06-01")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Livraison acceptée" in result.stdout


def test_check_explains_a_refusal_in_french(tmp_path: Path) -> None:
    tables = valid_ase()
    tables["ase_mesures"][0]["mode_accueil"] = "FOYER"
    folder = write_delivery(tmp_path, "ase", "09", 2024, tables)
    result = _run("check", str(folder), "--date-controle", "2025-06-01")
    assert result.returncode == 1
    assert "Livraison refusée" in result.stdout
    assert "`CODE_HORS_LISTE` | mode_accueil" in result.stdout
    assert "| 2 | `FOYER` |" in result.stdout
    assert not (tmp_path / "data").exists()  # no warehouse touched


def test_check_rejects_a_folder_outside_the_layout(tmp_path: Path) -> None:
    result = _run("check", str(tmp_path))
    assert result.returncode == 1
    assert "<source>/<dept>/<annee>" in result.stdout


def test_generate_never_overwrites_deliveries(tmp_path: Path) -> None:
    write_delivery(tmp_path, "ase", "09", 2024, valid_ase())
    result = _run("generate", "--out", str(tmp_path), "--echelle", "0.01")
    assert result.returncode == 2
    assert "jamais écrasées" in result.stdout
