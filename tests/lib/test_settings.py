"""One typed configuration per run: resolved once, handed to dbt as vars."""

from pathlib import Path

import pytest

from pipelines.lib.contract.pseudonymisation import WAREHOUSE_SECRET_ENV
from pipelines.lib.settings import DAGSTER_HOME_DIR, DBT_PROJECT_DIR, Settings


def test_resolved_paths_are_absolute_and_complete(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(WAREHOUSE_SECRET_ENV, raising=False)
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    settings = Settings(warehouse=Path("w/entrepot.duckdb"), seuil=5).resolved()
    assert settings.warehouse == tmp_path / "w" / "entrepot.duckdb"
    assert settings.warehouse_secret == tmp_path / "w" / "entrepot.secret"
    assert settings.writer_lock == tmp_path / "w" / "entrepot.duckdb.lock"
    assert settings.dagster_home == DAGSTER_HOME_DIR
    assert settings.dbt_project_dir == DBT_PROJECT_DIR
    assert settings.dbt_vars() == {"entrepot": str(settings.warehouse), "region": "76"}
    assert settings.seuil == 5


def test_the_environment_names_the_secret_and_the_instance_at_run_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(WAREHOUSE_SECRET_ENV, str(tmp_path / "secret"))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    settings = Settings().resolved()
    assert settings.warehouse_secret == tmp_path / "secret"
    assert settings.dagster_home == tmp_path / "dagster"
    explicit = Settings(warehouse_secret=tmp_path / "s", dagster_home=tmp_path / "d").resolved()
    assert (explicit.warehouse_secret, explicit.dagster_home) == (tmp_path / "s", tmp_path / "d")


def test_a_threshold_below_two_is_refused() -> None:
    with pytest.raises(ValueError, match="seuil"):
        Settings(seuil=1)
