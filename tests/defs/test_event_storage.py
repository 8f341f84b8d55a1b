"""The project's event log storage: what it takes from Dagster's internals is checked."""

import pytest

from pipelines.defs.event_storage import ObservatoireEventLogStorage, _check_internals


def test_a_dagster_without_the_internals_it_builds_on_is_refused_in_french(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _check_internals()  # Dagster as pinned: nothing missing
    (dagster_storage,) = ObservatoireEventLogStorage.__bases__  # Dagster's SqliteEventLogStorage
    monkeypatch.delattr(dagster_storage, "_initdb")
    with pytest.raises(RuntimeError, match=r"n'a plus _initdb dans son stockage SQLite") as err:
        _check_internals()
    assert "Supprimez la section `event_log_storage` de .dagster/dagster.yaml" in str(err.value)
