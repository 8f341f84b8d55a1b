"""The published folder is a link switched in one rename; one previous publication is kept for
rollback; a real folder from before is migrated once."""

import os
from pathlib import Path

import pytest

from pipelines.lib.publication import switch


def _publication(marts: Path, text: str) -> Path:
    staged = switch.stage(marts)
    (staged / "m.csv").write_text(text, encoding="utf-8")
    return switch.switch(marts, staged)


def test_the_published_folder_is_a_relative_link_to_a_complete_publication(
    tmp_path: Path,
) -> None:
    marts = tmp_path / "marts"
    first = _publication(marts, "un")
    assert marts.is_symlink()
    assert os.readlink(marts) == f".publications/marts/{first.name}"
    assert (marts / "m.csv").read_text() == "un"
    assert switch.current(marts) == first.resolve()


def test_one_previous_publication_is_kept_and_older_ones_go(tmp_path: Path) -> None:
    marts = tmp_path / "marts"
    first = _publication(marts, "un")
    second = _publication(marts, "deux")
    assert switch.complete_publications(marts) == [first, second]
    third = _publication(marts, "trois")
    assert switch.complete_publications(marts) == [second, third]
    assert not first.exists()
    assert (marts / "m.csv").read_text() == "trois"


def test_rollback_goes_back_and_forth(tmp_path: Path) -> None:
    marts = tmp_path / "marts"
    _publication(marts, "un")
    _publication(marts, "deux")
    switch.rollback(marts)
    assert (marts / "m.csv").read_text() == "un"
    switch.rollback(marts)
    assert (marts / "m.csv").read_text() == "deux"
    # after a rollback, the next publication keeps the one rolled back to as previous
    switch.rollback(marts)
    _publication(marts, "trois")
    switch.rollback(marts)
    assert (marts / "m.csv").read_text() == "un"


def test_rollback_without_previous_says_so(tmp_path: Path) -> None:
    marts = tmp_path / "marts"
    _publication(marts, "un")
    with pytest.raises(RuntimeError, match="Aucune publication précédente à rétablir"):
        switch.rollback(marts)


def test_rollback_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    marts = tmp_path / "marts"
    _publication(marts, "un")
    _publication(marts, "deux")
    assert switch.main(["retablir", str(marts)]) == 0
    assert (marts / "m.csv").read_text() == "un"
    assert "pointe de nouveau vers" in capsys.readouterr().out
    assert switch.main(["autre"]) == 2


def test_a_real_folder_from_before_is_migrated_once(tmp_path: Path) -> None:
    marts = tmp_path / "marts"
    marts.mkdir()
    (marts / "m.csv").write_text("ancien", encoding="utf-8")
    _publication(marts, "nouveau")
    assert marts.is_symlink()
    kept = switch.complete_publications(marts)
    assert [p.name.endswith("-migree") for p in kept] == [True, False]
    switch.rollback(marts)
    assert (marts / "m.csv").read_text() == "ancien"


def test_an_interrupted_publication_is_cleaned_and_never_switched(tmp_path: Path) -> None:
    marts = tmp_path / "marts"
    _publication(marts, "un")
    left = switch.stage(marts)  # a run that died before its switch
    (left / "m.csv").write_text("à moitié", encoding="utf-8")
    assert (marts / "m.csv").read_text() == "un"
    assert switch.complete_publications(marts) == [switch.current(marts)]
    _publication(marts, "deux")
    assert not left.exists()
    assert (marts / "m.csv").read_text() == "deux"
