"""Content updates: incremental, atomic, locked, reversible, and picked up live."""

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request

import pytest

import assistant.build
from assistant import load_current
from assistant.build import BuildRefused, build
from assistant.index.versions import BuildLocked, build_lock, current_version, rollback
from web import create_app

from .conftest import CORPUS, FIXTURE_SITE, ROOT, LiveServer, run_python
from .test_api import call_json

PAGE = "pilots/kent-pilot.html"


@pytest.fixture()
def site(tmp_path):
    copy = tmp_path / "site"
    shutil.copytree(CORPUS, copy)
    return copy


def edit(site, page=PAGE, old=b"Laura Bailey", new=b"Laura Q. Bailey"):
    path = site / page
    path.write_bytes(path.read_bytes().replace(old, new))


def test_update_redoes_only_what_changed(site, tmp_path, monkeypatch):
    root = tmp_path / "index"
    first = build(site, root, progress=False)
    total = len(first.added)
    edit(site)
    shutil.copy(site / "pilots" / "york-locality.html", site / "pilots" / "york-copy.html")
    removed = site / "news" / "second-phase-announced.html"
    removed.unlink()

    extracted = []
    real = assistant.build.read
    monkeypatch.setattr(
        assistant.build, "read", lambda raw, limits: extracted.append(raw.url) or real(raw, limits)
    )
    report = build(site, root, incremental=True, progress=False)

    assert sorted(extracted) == [PAGE, "pilots/york-copy.html"]
    assert report.changed == [PAGE] and report.added == ["pilots/york-copy.html"]
    assert report.removed == ["news/second-phase-announced.html"]
    assert report.unchanged == total - 2
    assert report.passages_before == first.passages_after
    index = load_current(root)
    assert not [p for p in index.passages if p.url == "news/second-phase-announced.html"]
    assert any("Laura Q. Bailey" in p.text for p in index.passages)
    assert index.search("Laura Q. Bailey KCC")[0].passage.url == PAGE


def test_update_remakes_pages_whose_passages_were_made_another_way(site, tmp_path, monkeypatch):
    """Unchanged pages are reused only when made by the same rules and passage length:
    after an upgrade of the extraction or chunking rules, an update reaches every page."""
    root = tmp_path / "index"
    first = build(site, root, progress=False)
    shorter = build(site, root, incremental=True, max_words=80, progress=False)
    assert shorter.passages_after > first.passages_after  # long sections split again
    assert load_current(root).passages == build_fresh(site, tmp_path, max_words=80)

    monkeypatch.setattr(assistant.build, "CHUNKING_RULES", 99)
    extracted = []
    real = assistant.build.read
    monkeypatch.setattr(
        assistant.build, "read", lambda raw, limits: extracted.append(raw.url) or real(raw, limits)
    )
    build(site, root, incremental=True, max_words=80, progress=False)
    assert len(extracted) == len(first.added)


def build_fresh(site, tmp_path, **options):
    root = tmp_path / "fresh"
    build(site, root, progress=False, **options)
    return load_current(root).passages


def test_update_matches_a_full_build(site, tmp_path):
    build(site, tmp_path / "a", progress=False)
    edit(site)
    build(site, tmp_path / "a", incremental=True, progress=False)
    build(site, tmp_path / "b", progress=False)
    a, b = load_current(tmp_path / "a"), load_current(tmp_path / "b")
    assert a.manifest["content_hash"] == b.manifest["content_hash"]
    assert a.terms == b.terms and (abs(a.matrix - b.matrix) > 1e-6).nnz == 0


def test_unchanged_update_publishes_nothing(site, tmp_path):
    root = tmp_path / "index"
    version = build(site, root, progress=False).version
    assert build(site, root, incremental=True, progress=False).version == version
    assert len(list((root / "versions").iterdir())) == 1


DRAFT = (
    '<html><head><title>Draft</title><meta name="robots" content="noindex"></head>'
    "<body><main><h1>Draft</h1><p>%s ready for readers yet.</p></main></body></html>"
)


def test_an_update_that_changes_nothing_indexed_says_so(tmp_path):
    site = tmp_path / "site"
    shutil.copytree(FIXTURE_SITE, site)
    (site / "draft.html").write_text(DRAFT % "Not")
    root = tmp_path / "index"
    version = build(site, root, progress=False).version
    (site / "draft.html").write_text(DRAFT % "Still not")  # nothing in it to index
    edit(site, "kent-pilot.html", b"Accept all cookies", b"Accept every cookie")  # chrome

    report = build(site, root, incremental=True, progress=False)
    assert report.changed == ["draft.html", "kent-pilot.html"] and report.version == version
    assert (
        f"the index is unchanged, still version {version}: 1 added or changed page(s) have "
        "no text to index; 1 changed page(s) differ only outside the text indexed"
    ) in report.summary()


def test_removing_many_pages_is_refused_unless_forced(site, tmp_path):
    root = tmp_path / "index"
    before = build(site, root, progress=False).version
    shutil.rmtree(site / "case-studies")
    with pytest.raises(BuildRefused, match="would remove 25 of"):
        build(site, root, incremental=True, progress=False)
    assert current_version(root) == before
    report = build(site, root, incremental=True, force=True, progress=False)
    assert len(report.removed) == 25 and current_version(root) != before


def test_two_builds_at_once_are_prevented(site, tmp_path):
    root = tmp_path / "index"
    with build_lock(root):
        with pytest.raises(BuildLocked, match="another build"):
            build(site, root, progress=False)
        done = run_python("indexer.py", "update", "--source", str(site), "--index", str(root))
    assert done.returncode == 2 and "another build" in done.stderr
    assert "Traceback" not in done.stderr


def test_rollback_makes_the_previous_version_current(site, tmp_path):
    root = tmp_path / "index"
    first = build(site, root, progress=False).version
    edit(site)
    second = build(site, root, incremental=True, progress=False).version
    assert first != second
    done = run_python("indexer.py", "rollback", "--index", str(root))
    assert done.returncode == 0 and first in done.stdout
    assert load_current(root).version == first
    with pytest.raises(Exception, match="no earlier version"):
        rollback(root)


def test_cli_update_writes_a_json_report_and_lists_changed_answers(site, tmp_path):
    root = tmp_path / "index"
    build(site, root, progress=False)
    edit(
        site, old=b"Lord Bichard", new=b"Lord Bichard (the chair)", page="about/advisory-group.html"
    )
    questions = tmp_path / "q.jsonl"
    questions.write_text(
        json.dumps(
            {
                "id": "q1",
                "question": "Who chaired the advisory group?",
                "page": "about/advisory-group",
                "heading": "top",
            }
        )
        + "\n"
    )
    report_file = tmp_path / "report.json"
    done = run_python(
        "indexer.py",
        "update",
        "--source",
        str(site),
        "--index",
        str(root),
        "--json",
        str(report_file),
        "--diff",
        "--questions",
        str(questions),
    )
    assert done.returncode == 0, done.stderr
    assert "1 changed" in done.stdout
    assert "1 of the saved questions get a different answer" in done.stdout
    report = json.loads(report_file.read_text())
    assert report["changed"] == ["about/advisory-group.html"] and report["seconds"] > 0


def test_a_build_killed_at_any_point_leaves_a_complete_current_index(site, tmp_path):
    root = tmp_path / "index"
    old = build(site, root, progress=False).version
    for page in list(site.rglob("*.html"))[:40]:  # enough work to be killed part way
        page.write_bytes(page.read_bytes().replace(b"</article>", b"<p>Edited.</p></article>"))
    for delay in (0.05, 0.2, 0.4, 0.6, 0.8, 1.0, 1.5):
        proc = subprocess.Popen(
            [sys.executable, "indexer.py", "build", "--source", str(site), "--index", str(root)],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        index = load_current(root)  # loads completely, whichever version it is
        assert index.version == old or index.manifest["passages"] == len(index.passages)
        assert len(index.passages) > 500
        # The killed build's lock dies with it: the next build is not blocked.
    report = build(site, root, progress=False)
    assert load_current(root).version == report.version


def test_server_answers_throughout_swaps_and_serves_the_new_version(site, tmp_path):
    root = tmp_path / "index"
    versions = {build(site, root, progress=False).version}
    app = create_app({"INDEX_DIR": str(root), "RELOAD_CHECK_SECONDS": 0.02})
    results, stop = [], threading.Event()

    def hammer(server):
        while not stop.is_set():
            status, data = call_json(server, "/api/query", {"question": "Who led the Kent pilot?"})
            results.append((status, data.get("index_version")))

    with LiveServer(app) as server:
        workers = [threading.Thread(target=hammer, args=(server,)) for _ in range(3)]
        for w in workers:
            w.start()
        for n in range(4):
            edit(site, old=b"Laura", new=f"Laura{n}".encode())
            versions.add(build(site, root, incremental=True, progress=False).version)
            time.sleep(0.3)
        deadline = time.monotonic() + 10
        latest = current_version(root)
        while time.monotonic() < deadline:
            _, health = call_json(server, "/api/health")
            if health["index_version"] == latest:
                break
            time.sleep(0.05)
        stop.set()
        for w in workers:
            w.join()
    assert health["index_version"] == latest
    assert len(results) > 20
    assert all(status == 200 for status, _ in results)
    assert {v for _, v in results} <= versions and len({v for _, v in results}) > 1


def test_admin_api_is_off_without_a_token_and_guarded_with_one(site, tmp_path):
    root = tmp_path / "index"
    build(site, root, progress=False)
    with LiveServer(create_app({"INDEX_DIR": str(root)})) as server:
        status, data = call_json(server, "/api/admin/status")
        assert status == 404 and data["error"]["code"] == "not_found"
    app = create_app(
        {"INDEX_DIR": str(root), "ADMIN_TOKEN": "s3cret", "RELOAD_CHECK_SECONDS": 0.02}
    )
    with LiveServer(app) as server:
        status, data = call_json(server, "/api/admin/reindex", {})
        assert status == 401 and data["error"]["code"] == "unauthorized"
        auth = {"Authorization": "Bearer s3cret"}
        edit(site)
        status, data = admin_call(server, "/api/admin/reindex", auth, method="POST")
        assert status == 202 and data["status"] == "started"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            status, data = admin_call(server, "/api/admin/status", auth)
            if not data["building"]:
                break
            time.sleep(0.1)
        assert data["last_error"] is None, data
        assert data["last_report"]["changed"] == [PAGE]
        assert data["index_version"] in (
            data["last_report"]["previous_version"],
            data["last_report"]["version"],
        )


def admin_call(server, path, headers, method="GET"):
    request = urllib.request.Request(
        server.url + path, method=method, headers=headers, data=b"" if method == "POST" else None
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as err:
        return err.code, json.load(err)


@pytest.mark.skipif(os.name != "posix", reason="flock")
def test_lock_file_names_the_holder(tmp_path):
    with build_lock(tmp_path):
        assert (tmp_path / ".lock").read_text() == str(os.getpid())
