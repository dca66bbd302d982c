"""Run `update` from the web, one at a time, in a background thread."""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

from assistant.settings import DEFAULTS, Settings

log = logging.getLogger(__name__)


class Reindexer:
    def __init__(
        self, source: Path | None, index_root: Path, settings: Settings = DEFAULTS
    ) -> None:
        self.source, self.index_root = source, index_root
        # The server's settings, so an update splits, skips and keeps versions as
        # configured.
        self.settings = settings
        self.running = False
        self.started_at: float | None = None
        self.last_report: dict | None = None
        self.last_error: str | None = None
        self._lock = threading.Lock()

    def start(self) -> bool:
        """Start an update; False if one is already running."""
        with self._lock:
            if self.running:
                return False
            self.running, self.started_at = True, time.time()
        threading.Thread(target=self._run, name="reindex", daemon=True).start()
        return True

    def _run(self) -> None:
        try:
            if self.source is None:
                raise FileNotFoundError("no source folder is known: set CCP_SOURCE_DIR")
            from assistant.build import build  # the indexing stack loads only when needed
            from assistant.ingest.documents import Limits

            settings = self.settings
            report = build(
                self.source,
                self.index_root,
                incremental=True,
                progress=False,
                max_words=settings.max_passage_words,
                keep=settings.keep_versions,
                limits=Limits(settings.max_document_pages, settings.max_document_bytes),
            )
            self.last_report, self.last_error = report.to_json(), None
        except Exception as exc:  # reported on /api/admin/status, never lost
            log.exception("reindex failed")
            self.last_error = f"{type(exc).__name__}: {exc}"
        finally:
            with self._lock:
                self.running = False

    def status(self) -> dict:
        return {
            "building": self.running,
            "started_at": self.started_at,
            "last_report": self.last_report,
            "last_error": self.last_error,
        }
