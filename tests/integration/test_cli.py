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


def test_run_help_documents_the_exit_codes() -> None:
    result = _run("run", "--help")
    assert result.returncode == 0
    for text in ("--seuil", "--attendre", "--secret-entrepot", "75", "un autre run écrit"):
        assert text in result.stdout


def test_run_refuses_a_threshold_below_two(tmp_path: Path) -> None:
    result = _run("run", "--raw", str(tmp_path), "--seuil", "1")
    assert result.returncode == 2
    assert "le seuil doit valoir au moins 2" in result.stderr


def test_a_run_without_deliveries_says_so_in_french(tmp_path: Path) -> None:
    result = _run(
        "run",
        "--raw",
        str(tmp_path / "vide"),
        "--warehouse",
        str(tmp_path / "w.duckdb"),
        "--reports",
        str(tmp_path / "rapports"),
    )
    assert result.returncode == 1
    assert "Aucune livraison trouvée" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_generate_refuses_an_unknown_region(tmp_path: Path) -> None:
    result = _run("generate", "--out", str(tmp_path), "--region", "99")
    assert result.returncode == 2
    assert "code région COG 2026 attendu" in result.stderr
