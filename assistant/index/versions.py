"""Versioned index storage: each build is written beside the current one and made
current in one atomic step, so a failed or killed build never touches what is serving.

    index/
      CURRENT              name of the current version (replaced atomically)
      HISTORY              versions made current, oldest first (for rollback)
      .lock                held by the build that is running, if any
      versions/<version>/  one complete SearchIndex directory per build
"""

from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..settings import default
from .search import IndexUnusable, SearchIndex


class BuildLocked(RuntimeError):
    """Another build holds the index's lock."""


def current_dir(root: Path) -> Path:
    """The directory of the current index under `root` (a plain index dir also works)."""
    if (root / "manifest.json").exists():
        return root
    name = current_version(root)
    if name is None:
        raise IndexUnusable(
            f"no index at {root}: build one with `python indexer.py build --index {root}`"
        )
    return root / "versions" / name


def current_version(root: Path) -> str | None:
    try:
        return (root / "CURRENT").read_text("utf-8").strip() or None
    except FileNotFoundError:
        return None


def load_current(root: Path, checksums: bool = False) -> SearchIndex:
    return SearchIndex.load(current_dir(root), checksums)


def newest_first(root: Path) -> list[Path]:
    """The current version's directory, then those of the versions made current before
    it, newest first: where a server falls back to when the current one is damaged.
    A version rolled back from is not among them."""
    current = current_dir(root)
    if current == root:
        return [root]
    earlier = (root / "versions" / v for v in reversed(_history(root)) if v != current.name)
    return [current, *(path for path in earlier if path.is_dir())]


@contextmanager
def build_lock(root: Path) -> Iterator[None]:
    """Hold the index's build lock, or fail at once if another build has it."""
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".lock", "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            raise BuildLocked(
                f"another build of {root} is running (process {holder}); "
                "wait for it to finish and try again"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        try:
            yield
        finally:
            handle.truncate(0)
            fcntl.flock(handle, fcntl.LOCK_UN)


def publish(index: SearchIndex, root: Path, keep: int = default("keep_versions")) -> Path:
    """Write `index` as a new version under `root` and make it current."""
    versions = root / "versions"
    versions.mkdir(parents=True, exist_ok=True)
    final = versions / index.version
    # The name holds a content hash: an existing version is identical, unless damaged.
    if not final.exists() or not _whole(final):
        staging = Path(tempfile.mkdtemp(prefix=".building-", dir=versions))
        try:
            index.save(staging)
            _fsync_dir(staging)
            if final.exists():  # damaged: set aside (pruned below) and replaced
                final.rename(Path(tempfile.mkdtemp(prefix=".damaged-", dir=versions)) / "old")
            staging.rename(final)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    _make_current(root, index.version)
    history = [v for v in _history(root) if v != index.version] + [index.version]
    _write_atomically(root / "HISTORY", "\n".join(history) + "\n")
    _prune(versions, history, keep)
    return final


def rollback(root: Path) -> str:
    """Make the version before the current one current again; return its name."""
    history = [v for v in _history(root) if (root / "versions" / v).is_dir()]
    if len(history) < 2 or history[-1] != current_version(root):
        raise IndexUnusable(f"no earlier version to roll back to in {root}")
    previous = history[-2]
    _make_current(root, previous)
    _write_atomically(root / "HISTORY", "\n".join(history[:-1]) + "\n")
    return previous


def _whole(directory: Path) -> bool:
    """Whether the version in `directory` loads with every checksum right (slow, but
    needed only when a build makes a version of the same name, in the same second)."""
    try:
        SearchIndex.load(directory, checksums=True)
    except IndexUnusable:
        return False
    return True


def _history(root: Path) -> list[str]:
    try:
        return (root / "HISTORY").read_text("utf-8").split()
    except FileNotFoundError:
        return []


def _make_current(root: Path, version: str) -> None:
    _write_atomically(root / "CURRENT", version + "\n")


def _write_atomically(path: Path, text: str) -> None:
    temporary = path.with_name(path.name + ".tmp")
    with open(temporary, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    _fsync_dir(path.parent)


def _prune(versions: Path, history: list[str], keep: int) -> None:
    """Keep the last `keep` versions of the history; remove the rest and any debris."""
    wanted = set(history[-keep:])
    for path in versions.iterdir():
        if path.name not in wanted:
            shutil.rmtree(path, ignore_errors=True)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
