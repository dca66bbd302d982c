"""Settings: declared once (assistant/settings.py), read once at start-up, in force as
one frozen object; a bad one stops the server with its name and range."""

import dataclasses
import os
import subprocess
import sys

import pytest
from flask import Flask

from assistant.settings import BUNDLE, DECLARED, DEFAULTS, Settings, with_table
from web import configure, settings_of
from web.__main__ import main

from .conftest import ROOT


def test_the_readme_table_of_settings_is_made_from_the_declarations():
    readme = (ROOT / "README.md").read_text("utf-8")
    assert with_table(readme) == readme, "stale: run python scripts/settings_table.py"
    for setting in DECLARED.values():
        assert f"`{setting.env}`" in readme


def test_python_m_web_help_lists_every_setting(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    shown = capsys.readouterr().out
    for setting in DECLARED.values():
        assert setting.env in shown and setting.help.split()[0] in shown


def test_each_setting_has_help_a_default_of_its_kind_and_a_range_if_a_number():
    for setting in DECLARED.values():
        assert setting.help and isinstance(setting.default, setting.kind)
        if setting.kind is not str:
            assert setting.low <= setting.default <= setting.high, setting.name
    assert Settings() == DEFAULTS and DEFAULTS.top_k == DECLARED["top_k"].default


def test_settings_are_frozen_and_checked_when_made():
    with pytest.raises(dataclasses.FrozenInstanceError):
        DEFAULTS.top_k = 8
    with pytest.raises(ValueError, match="CCP_TOP_K must be a whole number from 1 to 20"):
        dataclasses.replace(DEFAULTS, top_k=50)
    assert dataclasses.replace(DEFAULTS, retention_days=30).retention_days == 30.0


def test_later_sources_win_default_bundle_variable_mapping():
    env = {"CCP_SETTINGS": '{"top_k": 3, "min_coverage": 0.4}', "CCP_TOP_K": "8"}
    read = Settings.read(env)
    assert (read.top_k, read.min_coverage, read.answer_sentences) == (8, 0.4, 4)
    given = {BUNDLE: {"top_k": 9, "answer_sentences": 2}, "ANSWER_SENTENCES": 6}
    read = Settings.read(env, given)
    assert (read.top_k, read.min_coverage, read.answer_sentences) == (9, 0.4, 6)


def test_the_environment_variables_of_before_still_work():
    env = {
        "CCP_INDEX_DIR": "/srv/index",
        "CCP_RATE_LIMIT": "",
        "CCP_CHANNEL_TIMEOUT": "5",
        "CCP_RELOAD_CHECK_SECONDS": "0.5",
        "CCP_SETTINGS": '{"max_question_chars": 200}',
    }
    read = Settings.read(env)
    assert read.index_dir == "/srv/index" and read.rate_limit == ""
    assert read.channel_timeout == 5 and read.reload_check_seconds == 0.5
    assert read.max_question_chars == 200
    # Text is taken as written, never read as JSON: a token of digits stays text.
    assert Settings.read({"CCP_ADMIN_TOKEN": "12345"}).admin_token == "12345"
    # The search module reads this one itself; the server must still accept it.
    assert Settings.read({"CCP_SEARCH_KERNEL": "numpy"}).search_kernel == "numpy"


@pytest.mark.parametrize(
    "env, message",
    [
        ({"CCP_TOPK": "8"}, r"unknown setting CCP_TOPK \(did you mean CCP_TOP_K\?\)"),
        ({"CCP_SETTINGS": '{"topk": 8}'}, r"unknown setting 'topk' in CCP_SETTINGS"),
        ({"CCP_SETTINGS": '{"index_dir": "x"}'}, r"set it as CCP_INDEX_DIR"),
        ({"CCP_SETTINGS": "top_k=8"}, r"CCP_SETTINGS must be a JSON object"),
        ({"CCP_SETTINGS": '{"top_k": 50}'}, r"top_k in CCP_SETTINGS must be a whole number from 1"),
        ({"CCP_SETTINGS": '{"top_k": 2.5}'}, r"top_k in CCP_SETTINGS must be a whole number"),
        ({"CCP_TOP_K": "50"}, r"CCP_TOP_K must be a whole number from 1 to 20 \(passages"),
        ({"CCP_MIN_COVERAGE": "lots"}, r"CCP_MIN_COVERAGE must be a number from 0 to 1"),
        ({"CCP_MIN_COVERAGE": "nan"}, r"CCP_MIN_COVERAGE must be a number from 0 to 1"),
        ({"CCP_RETENTION_DAYS": "-1"}, r"CCP_RETENTION_DAYS must be a number from 0 to 36500"),
    ],
)
def test_a_bad_setting_is_named_with_what_it_may_be(env, message):
    with pytest.raises(ValueError, match=message):
        Settings.read(env)


def test_the_app_keeps_the_settings_it_started_with(monkeypatch):
    monkeypatch.setenv("CCP_TOP_K", "8")
    app = Flask(__name__)
    settings = configure(app, {"MAX_QUESTION_CHARS": 200, "TESTING": True})
    assert settings_of(app) is settings
    assert (settings.top_k, settings.max_question_chars) == (8, 200)
    assert app.config["TESTING"] and app.config["MAX_CONTENT_LENGTH"] == 64 * 1024


def test_the_server_will_not_start_with_a_bad_setting():
    done = subprocess.run(
        [sys.executable, "-m", "web", "--port", "1"],
        cwd=ROOT,
        env={**os.environ, "CCP_ANSWER_SENTENCES": "99"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "CCP_ANSWER_SENTENCES must be a whole number from 1 to 8" in done.stderr
