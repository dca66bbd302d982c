"""Fetch pages: from a local site snapshot (live crawling comes later, here too)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

from .models import RawPage

log = logging.getLogger(__name__)

HTML_SUFFIXES = (".html", ".htm")


def local_pages(source: Path) -> Iterator[RawPage]:
    """Yield every HTML page under `source`, its URL the path relative to `source`."""
    if not source.is_dir():
        raise FileNotFoundError(f"source folder {source} does not exist")
    for path in sorted(source.rglob("*")):
        if path.suffix.lower() in HTML_SUFFIXES and path.is_file():
            try:
                content = path.read_bytes()
            except OSError as exc:
                log.warning("skipping %s: %s", path, exc)
                continue
            yield RawPage(url=path.relative_to(source).as_posix(), content=content)
