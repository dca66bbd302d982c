"""Answers kept to serve again: the same question, asked after the same subjects, with
the same options (top_k, filters and the server's answer settings) on the same index
version, gets the same answer, so a process keeps the last few (CCP_ANSWER_CACHE) and
serves them again without working them out. Each response is still its own: a new
answer id, recorded in the log, and a new conversation token.

Bounded by count, least recently used out first; a new index version empties it.
Answers are frozen, so one can be served to many requests at once.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

from assistant import Answer


class AnswerCache:
    def __init__(self, size: int) -> None:
        self.size = size
        self.hits = self.misses = 0
        self._entries: OrderedDict[Hashable, Answer] = OrderedDict()
        self._version: str | None = None
        self._lock = threading.Lock()

    def get(self, version: str, key: Hashable, make: Callable[[], Answer]) -> Answer:
        """The answer kept for `key` on index `version`, or make it (outside the lock:
        two requests may both make one, and the same) and keep it."""
        if not self.size:
            return make()
        entry = (version, key)
        with self._lock:
            found = self._entries.get(entry)
            if found is not None:
                self._entries.move_to_end(entry)
                self.hits += 1
                return found
            self.misses += 1
        made = make()
        with self._lock:
            if version != self._version:  # a new index: what was kept answers from the old
                self._entries.clear()
                self._version = version
            self._entries[entry] = made
            if len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return made

    def __len__(self) -> int:
        return len(self._entries)
