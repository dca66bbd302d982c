"""What each conversation's recent answers were about, so a follow-up can be read in
context.

Kept in memory, bounded in size and age: nothing personal is stored, only the
subjects of the last few answers (page titles, a few words each) under a random
conversation id.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict


class ConversationStore:
    def __init__(
        self, max_conversations: int = 10_000, ttl_seconds: float = 3600, turns: int = 3
    ) -> None:
        self._data: OrderedDict[str, tuple[float, list[str]]] = OrderedDict()
        self._lock = threading.Lock()
        self.max_conversations, self.ttl, self.turns = max_conversations, ttl_seconds, turns

    def previous(self, conversation_id: str) -> list[str]:
        """The subjects of the conversation's recent answers, oldest first."""
        with self._lock:
            entry = self._data.get(conversation_id)
            if entry is None or time.monotonic() - entry[0] > self.ttl:
                return []
            return list(entry[1])

    def add(self, conversation_id: str, subject: str, previous: list[str]) -> None:
        """Remember an answer's subject after `previous`, the conversation so far."""
        with self._lock:
            self._data.pop(conversation_id, None)
            self._data[conversation_id] = (time.monotonic(), (previous + [subject])[-self.turns :])
            while len(self._data) > self.max_conversations:
                self._data.popitem(last=False)
