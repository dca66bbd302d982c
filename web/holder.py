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
from assistant.store import current_dir

log = logging.getLogger(__name__)


class IndexHolder:
    def __init__(self, root: Path, check_every: float = 1.0) -> None:
        self.root = root
        self.check_every = check_every
        self.index: SearchIndex | None = None
        self.error: str | None = None
        self._loaded_from: Path | None = None
        self._next_check = 0.0
        self._loading = False
        self._lock = threading.Lock()

    def load(self) -> None:
        """Load the current index now (at start-up); on failure keep what serves."""
        try:
            directory = current_dir(self.root)
            if directory == self._loaded_from:
                return
            index = SearchIndex.load(directory)
        except IndexUnusable as exc:
            self.error = str(exc)
            log.error("index not loaded: %s", exc)
            return
        self.index, self._loaded_from, self.error = index, directory, None
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
            self.error = str(exc)
            return
        if directory == self._loaded_from:
            return
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
