"""The CCP Assistant web app: a chat page and a JSON API over one answer function."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from flask import Flask

from assistant.records.logbook import Logbook
from assistant.settings import validated

from .conversations import ConversationTokens, secret_from
from .holder import IndexHolder
from .reindex import Reindexer

log = logging.getLogger(__name__)

DEFAULTS = {
    "INDEX_DIR": "index",
    # Folder of the local site snapshot to serve under /site/ so citation links work;
    # empty means "the folder the index was built from, if it is still there".
    "SITE_DIR": "",
    # Where citation links point: "/site/" for the served snapshot, or the live site.
    "BASE_URL": "",
    # Folder that POST /api/admin/reindex updates from; empty means the index's source.
    "SOURCE_DIR": "",
    # Bearer token for /api/admin/*; empty turns the admin API off.
    "ADMIN_TOKEN": "",
    # Seconds between checks for a new current index version.
    "RELOAD_CHECK_SECONDS": 1.0,
    # SQLite file for questions, answers and feedback (no personal data); empty: off.
    "DB_PATH": "feedback.sqlite3",
    # PostgreSQL for them instead (postgresql://user@host/db), shared by every machine
    # so `indexer.py report --db` on that URL sees all their questions; needs psycopg.
    "DB_URL": "",
    "RETENTION_DAYS": 90,
    # Origins allowed to call the API from a browser, comma-separated ("*" for any).
    "CORS_ORIGINS": "",
    # Per-client limit on questions, and another on feedback (Flask-Limiter syntax).
    "RATE_LIMIT": "60 per minute",
    # Reverse proxies in front that append the client's address to X-Forwarded-For; 0
    # (the default) believes no such header. Set it only when every request comes
    # through them, or a client can choose the address it is counted as.
    "TRUSTED_PROXIES": 0,
    # Largest request body; waitress refuses a larger one from its Content-Length alone.
    "MAX_CONTENT_LENGTH": 64 * 1024,
    # Waitress: connections open at once (each holds a file descriptor; raise `ulimit -n`
    # before raising this), and seconds a connection may send nothing before it is closed.
    "CONNECTION_LIMIT": 500,
    "CHANNEL_TIMEOUT": 30,
    # Processes serving this app (python -m web --workers sets it).
    "WORKERS": 1,
    # Signs conversation_id tokens, which carry a conversation's subjects; empty: a new
    # random key per server start. Several machines answering one service need the same.
    "SECRET_KEY": "",
    # Where rate-limit counts are kept (Flask-Limiter storage URI): this process's memory,
    # or e.g. redis://host:6379/0 to share one limit across workers and machines.
    "RATE_LIMIT_STORAGE": "memory://",
    "SETTINGS": {},
}
ENV_PREFIX = "CCP_"  # e.g. CCP_INDEX_DIR=/srv/index, CCP_BASE_URL=https://example.org/
# Whole-number settings the server is built from, with their allowed ranges.
WHOLE_NUMBERS = {
    "MAX_CONTENT_LENGTH": (1024, 1 << 30),
    "TRUSTED_PROXIES": (0, 10),
    "CONNECTION_LIMIT": (1, 100_000),
    "CHANNEL_TIMEOUT": (1, 3600),
}


def create_app(test_config: dict | None = None) -> Flask:
    """Create the app: defaults, then CCP_* environment variables, then `test_config`."""
    app = Flask(__name__)
    configure(app, test_config)
    # JSON as UTF-8 in the order it was built: cheaper than sorted and escaped.
    app.json.sort_keys = False
    app.json.ensure_ascii = False

    index_dir = Path(app.config["INDEX_DIR"])
    holder = IndexHolder(index_dir, float(app.config["RELOAD_CHECK_SECONDS"]))
    holder.load()
    index = holder.index
    app.extensions["ccp_index"] = holder
    _configure_site(app, index)
    source = app.config["SOURCE_DIR"] or (index.manifest.get("source") if index else "")
    app.extensions["ccp_reindexer"] = Reindexer(
        Path(source) if source else None, index_dir, app.config["SETTINGS"]
    )
    db = app.config["DB_URL"] or (Path(app.config["DB_PATH"]) if app.config["DB_PATH"] else None)
    logbook = Logbook(db, float(app.config["RETENTION_DAYS"])) if db else None
    app.extensions["ccp_logbook"] = logbook
    # Follow-ups need the conversation's earlier subjects: they travel in its signed id.
    secret = secret_from(str(app.config["SECRET_KEY"]))
    app.extensions["ccp_conversations"] = ConversationTokens(secret)

    from . import admin, api, chat, errors, limits, preview, security, widget

    errors.register(app)
    security.register(app)
    app.register_blueprint(api.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(chat.bp)
    app.register_blueprint(preview.bp)
    app.register_blueprint(widget.bp)
    limits.register(app)
    # Compile templates now, before any thread serves: see assistant/index/disk.py LOAD_LOCK.
    for name in ("chat.html", "answer.html", "preview.html"):
        app.jinja_env.get_template(name)
    return app


def configure(app: Flask, test_config: dict | None = None) -> None:
    """Read the configuration; a bad setting raises ValueError naming it."""
    app.config.from_mapping(DEFAULTS)
    app.config.from_prefixed_env(ENV_PREFIX.rstrip("_"))
    if test_config:
        app.config.from_mapping(test_config)
    app.config["SETTINGS"] = validated(app.config["SETTINGS"])
    for name, (low, high) in WHOLE_NUMBERS.items():
        value = app.config[name]
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ValueError(f"{ENV_PREFIX}{name} must be a whole number from {low} to {high}")


def _configure_site(app: Flask, index) -> None:
    site_dir = app.config["SITE_DIR"]
    if not site_dir and index is not None:
        source = index.manifest.get("source", "")
        if source and os.path.isdir(source):
            site_dir = source
    app.config["SITE_DIR"] = str(Path(site_dir).resolve()) if site_dir else ""
    if not app.config["BASE_URL"] and app.config["SITE_DIR"]:
        app.config["BASE_URL"] = "/site/"
