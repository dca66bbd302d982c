"""The CCP Assistant web app: a chat page and a JSON API over one answer function."""

from __future__ import annotations

import logging
import os
from dataclasses import replace
from pathlib import Path

from flask import Flask

from assistant.records.logbook import Logbook
from assistant.settings import BUNDLE, DECLARED, Settings
from assistant.settings import DEFAULTS as DEFAULTS  # every setting at its default

from .answers import AnswerCache
from .conversations import ConversationTokens, secret_from
from .holder import IndexHolder
from .reindex import Reindexer

log = logging.getLogger(__name__)


def settings_of(app: Flask) -> Settings:
    """The settings `app` runs with (read once, at start-up)."""
    return app.extensions["ccp_settings"]


def create_app(test_config: dict | None = None) -> Flask:
    """Create the app with the settings in force: declared defaults, then CCP_*
    environment variables, then `test_config` (see assistant/settings.py)."""
    app = Flask(__name__)
    settings = configure(app, test_config)
    # JSON as UTF-8 in the order it was built: cheaper than sorted and escaped.
    app.json.sort_keys = False
    app.json.ensure_ascii = False

    index_dir = Path(settings.index_dir)
    holder = IndexHolder(index_dir, settings.reload_check_seconds)
    holder.load()
    index = holder.index
    app.extensions["ccp_index_holder"] = holder
    settings = app.extensions["ccp_settings"] = _with_site(settings, index)
    source = settings.source_dir or (index.manifest.get("source") if index else "")
    app.extensions["ccp_reindexer"] = Reindexer(
        Path(source) if source else None, index_dir, settings
    )
    db = settings.db_url or (Path(settings.db_path) if settings.db_path else None)
    logbook = Logbook(db, settings.retention_days) if db else None
    app.extensions["ccp_logbook"] = logbook
    # Follow-ups need the conversation's earlier subjects: they travel in its signed id.
    secret = secret_from(settings.secret_key)
    app.extensions["ccp_conversations"] = ConversationTokens(secret)
    app.extensions["ccp_answers"] = AnswerCache(settings.answer_cache)

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


def configure(app: Flask, test_config: dict | None = None) -> Settings:
    """Read the settings into app.extensions["ccp_settings"]; a bad one raises
    ValueError naming it. `test_config` takes the settings by their environment
    variable's name without CCP_ ("INDEX_DIR", "SETTINGS"); its other keys are Flask's
    own configuration ("TESTING")."""
    given = test_config or {}
    settings = Settings.read(os.environ, given)
    app.config.from_mapping(
        {k: v for k, v in given.items() if k != BUNDLE and k.lower() not in DECLARED}
    )
    app.config["MAX_CONTENT_LENGTH"] = settings.max_content_length  # Flask refuses more
    app.extensions["ccp_settings"] = settings
    return settings


def _with_site(settings: Settings, index) -> Settings:
    """The settings with the snapshot folder served under /site/ and the base of
    citation links worked out from the index when they are not set."""
    site_dir = settings.site_dir
    if not site_dir and index is not None:
        source = index.manifest.get("source", "")
        if source and os.path.isdir(source):
            site_dir = source
    site_dir = str(Path(site_dir).resolve()) if site_dir else ""
    base_url = settings.base_url or ("/site/" if site_dir else "")
    return replace(settings, site_dir=site_dir, base_url=base_url)
