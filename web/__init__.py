"""The CCP Assistant web app: a chat page and a JSON API over one answer function."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from flask import Flask

from assistant import IndexUnusable, load_current
from assistant.settings import validated

from .conversations import ConversationStore

log = logging.getLogger(__name__)

DEFAULTS = {
    "INDEX_DIR": "index",
    # Folder of the local site snapshot to serve under /site/ so citation links work;
    # empty means "the folder the index was built from, if it is still there".
    "SITE_DIR": "",
    # Where citation links point: "/site/" for the served snapshot, or the live site.
    "BASE_URL": "",
    "MAX_CONTENT_LENGTH": 64 * 1024,
    "SETTINGS": {},
}
ENV_PREFIX = "CCP_"  # e.g. CCP_INDEX_DIR=/srv/index, CCP_BASE_URL=https://example.org/


def create_app(test_config: dict | None = None) -> Flask:
    """Create the app: defaults, then CCP_* environment variables, then `test_config`."""
    app = Flask(__name__)
    app.config.from_mapping(DEFAULTS)
    app.config.from_prefixed_env(ENV_PREFIX.rstrip("_"))
    if test_config:
        app.config.from_mapping(test_config)
    app.config["SETTINGS"] = validated(app.config["SETTINGS"])

    index_dir = Path(app.config["INDEX_DIR"])
    try:
        index = load_current(index_dir)
    except IndexUnusable as exc:
        log.error("serving without an index: %s", exc)
        index, app.config["INDEX_ERROR"] = None, str(exc)
    app.extensions["ccp_index"] = index
    app.extensions["ccp_conversations"] = ConversationStore()
    _configure_site(app, index)

    from . import api, chat, errors, security

    errors.register(app)
    security.register(app)
    app.register_blueprint(api.bp)
    app.register_blueprint(chat.bp)
    return app


def _configure_site(app: Flask, index) -> None:
    site_dir = app.config["SITE_DIR"]
    if not site_dir and index is not None:
        source = index.manifest.get("source", "")
        if source and os.path.isdir(source):
            site_dir = source
    app.config["SITE_DIR"] = str(Path(site_dir).resolve()) if site_dir else ""
    if not app.config["BASE_URL"] and app.config["SITE_DIR"]:
        app.config["BASE_URL"] = "/site/"
