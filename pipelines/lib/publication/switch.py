"""The atomic switch of the published folder, and its rollback.

`data/marts` is a symbolic link to one complete publication,
`data/.publications/marts/<stamp>/`. A new publication is written in a folder of its own
(`<stamp>.en-cours` while it is written), renamed `<stamp>` once complete, and the link is then
replaced by one `rename(2)` of a new link over it: a reader resolving `data/marts/…` finds either
the old publication or the new one, never a missing or half-written folder. The previous
publication is kept for rollback (the one before it is removed at the next switch, so a reader
still inside it has a whole publication's time to finish). POSIX file systems only (Linux,
macOS).

Rollback: `python -m pipelines.lib.publication.switch retablir data/marts` points the link back
at the previous publication (run it again to come back).
"""

import datetime as dt
import os
import shutil
import sys
from pathlib import Path

PUBLICATIONS = ".publications"
IN_PROGRESS = ".en-cours"


def store_of(marts_dir: Path) -> Path:
    """Where the publications behind the link `marts_dir` live."""
    return marts_dir.parent / PUBLICATIONS / marts_dir.name


def current(marts_dir: Path) -> Path | None:
    """The publication the link points to (None before the first publication)."""
    if marts_dir.is_symlink():
        return (marts_dir.parent / os.readlink(marts_dir)).resolve()
    return None


def complete_publications(marts_dir: Path) -> list[Path]:
    """The complete publications kept, oldest first."""
    store = store_of(marts_dir)
    if not store.is_dir():
        return []
    return sorted(p for p in store.iterdir() if p.is_dir() and not p.name.endswith(IN_PROGRESS))


def _stamp(at: dt.datetime | None = None) -> str:
    return (at or dt.datetime.now()).strftime("%Y%m%dT%H%M%S%f")


def stage(marts_dir: Path) -> Path:
    """A new, empty folder for the next publication, beside the kept ones. Leftovers of an
    interrupted publication (never switched in) are removed first."""
    store = store_of(marts_dir)
    store.mkdir(parents=True, exist_ok=True)
    for leftover in store.glob(f"*{IN_PROGRESS}"):
        shutil.rmtree(leftover)
    staged = store / f"{_stamp()}{IN_PROGRESS}"
    while staged.exists() or Path(str(staged).removesuffix(IN_PROGRESS)).exists():
        staged = store / f"{_stamp()}{IN_PROGRESS}"
    staged.mkdir()
    return staged


def discard(staged: Path) -> None:
    """Remove a staged publication that will not be switched in."""
    shutil.rmtree(staged, ignore_errors=True)


def _point(marts_dir: Path, target: Path) -> None:
    """Make `marts_dir` a link to `target` in one rename (atomic for readers)."""
    relative = os.path.relpath(target, marts_dir.parent)
    temporary = marts_dir.parent / f".{marts_dir.name}.lien-{os.getpid()}"
    if temporary.is_symlink() or temporary.exists():
        temporary.unlink()
    temporary.symlink_to(relative, target_is_directory=True)
    os.replace(temporary, marts_dir)


def migrate(marts_dir: Path) -> None:
    """Once: a real `marts_dir` folder (publications before the switch existed) becomes the first
    kept publication and `marts_dir` a link to it. The only moment a reader could miss the
    folder is between the two renames of this one-time step."""
    if marts_dir.is_symlink() or not marts_dir.is_dir():
        return
    store = store_of(marts_dir)
    store.mkdir(parents=True, exist_ok=True)
    # stamped with its own date, so that it sorts before the publications that follow it
    kept = store / f"{_stamp(dt.datetime.fromtimestamp(marts_dir.stat().st_mtime))}-migree"
    marts_dir.rename(kept)
    _point(marts_dir, kept)


def switch(marts_dir: Path, staged: Path) -> Path:
    """Switch the complete publication `staged` in; keep the one it replaces, remove older ones.
    Returns the folder now published."""
    migrate(marts_dir)
    final = staged.with_name(staged.name.removesuffix(IN_PROGRESS))
    staged.rename(final)
    previous = current(marts_dir)
    if marts_dir.exists() and not marts_dir.is_symlink():
        raise RuntimeError(f"{marts_dir} n'est pas un lien symbolique : publication impossible.")
    _point(marts_dir, final)
    for old in complete_publications(marts_dir):
        if old.resolve() not in {final.resolve(), previous}:
            shutil.rmtree(old)
    return final


def rollback(marts_dir: Path) -> Path:
    """Point `marts_dir` back at the other kept publication (the previous one after a switch;
    after a rollback, the one rolled back from). Returns it."""
    now = current(marts_dir)
    others = [p for p in complete_publications(marts_dir) if p.resolve() != now]
    if not others:
        raise RuntimeError(
            f"Aucune publication précédente à rétablir pour {marts_dir} "
            f"(dossier {store_of(marts_dir)})."
        )
    target = others[-1]
    _point(marts_dir, target)
    return target


def main(argv: list[str] | None = None) -> int:
    """`python -m pipelines.lib.publication.switch retablir DOSSIER_DES_MARTS`"""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2 or args[0] != "retablir":
        print("Usage : python -m pipelines.lib.publication.switch retablir data/marts")
        return 2
    marts_dir = Path(args[1]).absolute()
    try:
        target = rollback(marts_dir)
    except RuntimeError as error:
        print(error)
        return 1
    print(f"{marts_dir} pointe de nouveau vers {target}.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
