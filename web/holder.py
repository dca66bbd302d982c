"""The index the app serves, swapped for a newer one without a restart.

Every so often a request checks index/CURRENT (one small read) and the sizes of the
served version's files. When CURRENT names a new version, that version is loaded in a
background thread and swapped in whole; until then, and if loading fails, the last good
index keeps serving. A version whose files do not match their record in its manifest
is damaged: the newest earlier version that is whole serves instead, and health says so.
A request takes the index once, so it never sees two versions or a half-loaded one.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

from assistant import IndexUnusable, SearchIndex
from assistant.index import integrity
from assistant.index.versions import current_dir, newest_first

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
        """Load the current version, checksums checked (at start-up, and in the
        background when a new one is current). If it is damaged, serve the newest
        earlier version that is whole, and say so; on failure keep what serves."""
        try:
            directories = newest_first(self.root)
        except IndexUnusable as exc:
            self._fault(str(exc))
            return
        current = directories[0]
        if current == self._loaded_from:
            return
        damage = None
        for directory in directories:
            if directory == self._loaded_from:
                break  # what serves is the newest whole version: keep it
            try:
                index = SearchIndex.load(directory, checksums=True)
            except IndexUnusable as exc:
                damage = damage or str(exc)
                continue
            self.index, self._loaded_from = index, directory
            log.info("serving index version %s", index.version)
            break
        if damage is None:
            self.error, self._failed = None, None
        elif self.index is None:
            self._fault(f"{damage}; no earlier version is whole either", failed=current)
        else:
            self._fault(
                f"{damage}; serving the older version {self.index.version} instead, "
                "the newest that is whole",
                failed=current,
            )

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
            self._check_served(directory)
            return
        if directory == self._failed:
            return  # already tried and failed: wait for a new version
        with self._lock:
            if self._loading:
                return
            self._loading = True
        threading.Thread(target=self._reload, name="index-reload", daemon=True).start()

    def _check_served(self, directory: Path) -> None:
        """Say so if the files of the version being served are damaged on disk (sizes
        only, a stat a file): memory still serves it, but a restart could not."""
        problem = None
        if not (directory / "manifest.json").is_file():
            problem = "manifest.json is missing"
        elif self.index is not None:
            problem = integrity.fault(directory, self.index.manifest.get("files", {}), False)
        if problem:
            self._fault(
                f"the served index at {directory} is gone or damaged on disk ({problem}); "
                "serving it from memory: rebuild it"
            )
        else:
            self.error = None

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
