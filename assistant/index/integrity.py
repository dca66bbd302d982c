"""Each file of an index version is recorded by size and SHA-256 in the version's
manifest when it is written, and checked against that record when it is read, so a
truncated, deleted or altered file is found before it is served (and a server can fall
back to an earlier version that is whole) rather than after a restart.

What is checked when: sizes on every load and, by the server, every few seconds for
the version it serves (a stat a file). Checksums read every byte again, about a second
for a million-passage index (SHA-256 runs near 2 GB/s where the CPU has SHA
instructions), small beside the load itself: the server checks them whenever it loads a
version (at start-up, and off the request path when a new one becomes current), and a
build checks the version it updates from; the other commands (ask, stats, eval) check
sizes only. A version written before files were recorded has no record and loads
unverified, as it always did.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path


def record(directory: Path, manifest: str) -> dict[str, dict]:
    """The size and SHA-256 of each file in `directory` but the manifest, for the manifest."""
    return {
        path.name: {"bytes": path.stat().st_size, "sha256": _sha256(path)}
        for path in sorted(directory.iterdir())
        if path.is_file() and path.name != manifest
    }


def fault(directory: Path, files: Mapping[str, Mapping], checksums: bool) -> str | None:
    """What is wrong with the recorded `files` in `directory`, or None if they match the
    record. Every size is checked before any checksum, so most damage costs no reading."""
    for name, expected in files.items():
        try:
            size = (directory / name).stat().st_size
        except FileNotFoundError:
            return f"{name} is missing"
        except OSError as exc:
            return f"{name} is unreadable ({exc.strerror})"
        if size != expected["bytes"]:
            return f"{name} has {size} bytes, {expected['bytes']} when it was written"
    if checksums:
        for name, expected in files.items():
            try:
                digest = _sha256(directory / name)
            except OSError as exc:
                return f"{name} is unreadable ({exc.strerror})"
            if digest != expected["sha256"]:
                return f"{name} has changed since it was written (its SHA-256 differs)"
    return None


def _sha256(path: Path) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()
