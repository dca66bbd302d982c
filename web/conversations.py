"""What a conversation's recent answers were about, carried in its `conversation_id`.

The id is a signed token holding the subjects of the last few answers (page titles, a
few words each, nothing personal), short fingerprints of the sentences the last answer
quoted (so a follow-up does not quote them again) and when it was issued: whichever
worker or machine receives a follow-up reads it in context without sticky sessions or a
shared store.
Each answer returns a new token; the client sends the latest back. A token that is
unsigned, tampered with, expired or oversized starts a new conversation, never an error.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import re
import time

# Accepted as a conversation_id at all (anything else is a 400); only tokens this
# server signed, and at most MAX_TOKEN long, carry a conversation.
CONVERSATION_PATTERN = r"^[A-Za-z0-9_-]{1,4096}$"
MAX_TOKEN = 1024
SIGNATURE_BYTES = 16
_SIGNATURE_CHARS = 22  # base64url of 16 bytes, unpadded
MAX_SUBJECT = 160
MAX_SAID = 8  # fingerprints of the last answer's sentences carried (models.said_key)
SAID_PATTERN = re.compile(r"^[0-9a-f]{12}$")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def secret_from(setting: str) -> bytes:
    """The signing key: the setting when given (the same on every machine), or a new
    random one, good for this process and the workers it forks only."""
    return setting.encode() if setting else os.urandom(32)


class ConversationTokens:
    """Reads and issues conversation tokens signed with HMAC-SHA256 under `secret`."""

    def __init__(self, secret: bytes, ttl_seconds: float = 3600, turns: int = 3) -> None:
        self._secret, self.ttl, self.turns = secret, ttl_seconds, turns

    def _sign(self, payload: bytes) -> str:
        digest = hmac.new(self._secret, payload, hashlib.sha256).digest()
        return _b64(digest[:SIGNATURE_BYTES])

    def read(self, conversation_id: str) -> tuple[list[str], tuple[str, ...]]:
        """The subjects of the conversation's recent answers, oldest first, and what its
        last answer quoted; nothing for anything but a fresh token this server signed.
        (Tokens from before the fingerprints were carried read as quoting nothing.)"""
        nothing: tuple[list[str], tuple[str, ...]] = ([], ())
        if not 0 < len(conversation_id) - _SIGNATURE_CHARS <= MAX_TOKEN - _SIGNATURE_CHARS:
            return nothing
        body, signature = conversation_id[:-_SIGNATURE_CHARS], conversation_id[-_SIGNATURE_CHARS:]
        try:
            payload = _unb64(body)
        except (binascii.Error, ValueError):
            return nothing
        if not hmac.compare_digest(self._sign(payload), signature):
            return nothing
        try:
            issued, subjects, *rest = json.loads(payload)
        except (ValueError, TypeError):
            return nothing
        if not isinstance(issued, (int, float)) or time.time() - issued > self.ttl:
            return nothing
        if not isinstance(subjects, list) or not all(isinstance(s, str) for s in subjects):
            return nothing
        said = rest[0] if rest and isinstance(rest[0], list) else []
        said = tuple(k for k in said[:MAX_SAID] if isinstance(k, str) and SAID_PATTERN.match(k))
        return subjects[-self.turns :], said

    def add(
        self, conversation_id: str, subject: str, previous: list[str], said: tuple[str, ...] = ()
    ) -> str:
        """The token for the conversation after an answer about `subject` that quoted
        the sentences fingerprinted in `said`: older subjects are dropped to keep it
        within MAX_TOKEN characters."""
        subjects = [s[:MAX_SUBJECT] for s in (previous + [subject])[-self.turns :]]
        said = list(said[:MAX_SAID])
        while True:
            body = [int(time.time()), subjects, said]
            payload = json.dumps(body, separators=(",", ":")).encode()
            token = _b64(payload) + self._sign(payload)
            if len(token) <= MAX_TOKEN or not subjects:
                return token
            subjects = subjects[1:]
