"""The index the app serves, swapped for a newer one without a restart.

Every so often a request checks index/CURRENT (one small read). When it names a new
version, that version is loaded in a background thread and swapped in whole; until
then, and if loading fails, the last good index keeps serving. A request takes the
index once, so it never sees two versions or a half-loaded one.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

from assistant import IndexUnusable, SearchIndex
from assistant.index.versions import current_dir

log = logging.getLogger(__name__)


class IndexHolder:
    def __init__(self, root: Path, check_every: float = 1.0) -> None:
        self.root = root
        self.check_every = check_every
        self.index: SearchIndex | None = None
        self.error: str | None = None
        self._loaded_from: Path | None = None
        self._failed: Path | None = None  # a version that would not load
        self._next_check = 0.0
        self._loading = False
        self._lock = threading.Lock()

    def load(self) -> None:
        """Load the current index now (at start-up); on failure keep what serves."""
        try:
            directory = current_dir(self.root)
        except IndexUnusable as exc:
            self._fault(str(exc))
            return
        if directory == self._loaded_from:
            return
        try:
            index = SearchIndex.load(directory)
        except IndexUnusable as exc:
            kept = "; serving the last good index" if self.index else ""
            self._fault(f"{exc}{kept}", failed=directory)
            return
        self.index, self._loaded_from, self._failed = index, directory, None
        self.error = None
        log.info("serving index version %s", index.version)

    def get(self) -> SearchIndex | None:
        """The index to answer with; starts a reload when a new version is current."""
        now = time.monotonic()
        if now >= self._next_check:
            self._next_check = now + self.check_every
            self._check()
        return self.index

    def _check(self) -> None:
        try:
            directory = current_dir(self.root)
        except IndexUnusable as exc:
            self._fault(f"{exc}; serving the last good index from memory")
            return
        if directory == self._loaded_from:
            if not (directory / "manifest.json").is_file():
                self._fault(
                    f"the served index at {directory} is gone or damaged on disk; "
                    "serving it from memory"
                )
            else:
                self.error = None
            return
        if directory == self._failed:
            return  # already tried and failed: wait for a new version
        with self._lock:
            if self._loading:
                return
            self._loading = True
        threading.Thread(target=self._reload, name="index-reload", daemon=True).start()

    def _reload(self) -> None:
        try:
            self.load()
        finally:
            with self._lock:
                self._loading = False

    def _fault(self, message: str, failed: Path | None = None) -> None:
        if message != self.error:
            log.error("index fault: %s", message)
        self.error = message
        if failed is not None:
            self._failed = failed
