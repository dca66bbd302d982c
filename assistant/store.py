"""Versioned index storage: each build is written beside the current one and made
current in one atomic step, so a failed or killed build never touches what is serving.

    index/
      CURRENT              name of the current version (replaced atomically)
      versions/<version>/  one complete SearchIndex directory per build
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from .index import IndexUnusable, SearchIndex

KEEP_VERSIONS = 3


def current_dir(root: Path) -> Path:
    """The directory of the current index under `root` (a plain index dir also works)."""
    if (root / "manifest.json").exists():
        return root
    try:
        name = (root / "CURRENT").read_text("utf-8").strip()
    except FileNotFoundError:
        raise IndexUnusable(
            f"no index at {root}: build one with `python indexer.py build --index {root}`"
        ) from None
    return root / "versions" / name


def load_current(root: Path) -> SearchIndex:
    return SearchIndex.load(current_dir(root))


def publish(index: SearchIndex, root: Path, keep: int = KEEP_VERSIONS) -> Path:
    """Write `index` as a new version under `root` and make it current."""
    versions = root / "versions"
    versions.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".building-", dir=versions))
    try:
        index.save(staging)
        _fsync_dir(staging)
        final = versions / index.version
        if final.exists():  # the same content built again within the same second
            shutil.rmtree(final)
        staging.rename(final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    pointer = root / "CURRENT.tmp"
    pointer.write_text(index.version + "\n", "utf-8")
    os.replace(pointer, root / "CURRENT")
    _fsync_dir(root)
    _prune(versions, keep, current=index.version)
    return final


def _prune(versions: Path, keep: int, current: str) -> None:
    done = sorted(
        (p for p in versions.iterdir() if p.is_dir() and not p.name.startswith(".")),
        key=lambda p: p.stat().st_mtime,
    )
    for old in done[:-keep]:
        if old.name != current:
            shutil.rmtree(old, ignore_errors=True)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
