import json
import shutil
import warnings

import numpy as np
import pytest

from assistant import IndexUnusable, SearchIndex, load_current
from assistant.build import BuildRefused, build
from assistant.index.versions import current_dir, publish

from .conftest import FIXTURE_SITE


def test_save_load_round_trip_gives_identical_results(fixture_index, tmp_path):
    fixture_index.save(tmp_path / "copy")
    loaded = SearchIndex.load(tmp_path / "copy")
    assert loaded.version == fixture_index.version
    assert loaded.passages == fixture_index.passages
    assert loaded.terms == fixture_index.terms
    for query in ("second phase influence", "analyse evidence of need", "Kent mental health"):
        before = [(h.passage.id, round(h.score, 6)) for h in fixture_index.search(query, 5)]
        after = [(h.passage.id, round(h.score, 6)) for h in loaded.search(query, 5)]
        assert before == after and before


def test_index_directory_is_plain_documented_files(fixture_index_root):
    directory = current_dir(fixture_index_root)
    assert sorted(p.name for p in directory.iterdir()) == [
        "counts.npz",
        "idf.npy",
        "manifest.json",
        "matrix.npz",
        "passages.jsonl",
        "referrals.json",
        "sources.json",
        "synonyms.json",
        "vectors.npy",
        "vocabulary.json",
        "words.json",
    ]
    manifest = json.loads((directory / "manifest.json").read_text())
    assert manifest["format"] == "ccp-assistant-index" and manifest["format_version"] == 2
    vectors = np.load(directory / "vectors.npy", allow_pickle=False)
    assert vectors.dtype == np.float16 and vectors.shape == (manifest["passages"], 256)
    # Everything loads without pickle.
    np.load(directory / "idf.npy", allow_pickle=False)
    with np.load(directory / "matrix.npz", allow_pickle=False) as arrays:
        assert set(arrays.files) == {"data", "indices", "indptr", "shape"}


def test_search_ranks_the_section_that_answers(fixture_index):
    hits = fixture_index.search("what happens in the review step, key performance indicators")
    assert hits[0].passage.anchor == "review"
    assert hits[0].score > hits[-1].score >= 0
    assert fixture_index.search("zzzz qqqq") == []


def test_missing_damaged_or_newer_index_gives_a_clear_error(fixture_index_root, tmp_path):
    with pytest.raises(IndexUnusable, match="build one"):
        load_current(tmp_path / "nothing-here")
    copy = tmp_path / "copy"
    shutil.copytree(current_dir(fixture_index_root), copy)
    manifest = json.loads((copy / "manifest.json").read_text())
    (copy / "manifest.json").write_text(json.dumps({**manifest, "format_version": 99}))
    with pytest.raises(IndexUnusable, match="rebuild"):
        SearchIndex.load(copy)
    (copy / "manifest.json").write_text(json.dumps(manifest))
    (copy / "matrix.npz").write_bytes(b"truncated")
    with pytest.raises(IndexUnusable, match="damaged"):
        SearchIndex.load(copy)


def test_an_index_analysed_otherwise_than_questions_asks_to_be_rebuilt(
    fixture_index_root, tmp_path
):
    copy = tmp_path / "copy"
    shutil.copytree(current_dir(fixture_index_root), copy)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        SearchIndex.load(copy)  # built with today's analysis: no warning
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest["weighting"]["analysis"] = "snowball-english"
    (copy / "manifest.json").write_text(json.dumps(manifest))
    with pytest.warns(UserWarning, match=r"'snowball-english'.*rebuild it"):
        index = SearchIndex.load(copy)
    assert index.search("commissioning", k=1)  # still serves meanwhile


def test_files_are_checked_against_their_record_in_the_manifest(fixture_index_root, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(current_dir(fixture_index_root), copy)
    passages = copy / "passages.jsonl"
    passages.write_bytes(passages.read_bytes().replace(b"Reviewing", b"Reviewinx"))
    assert SearchIndex.load(copy).passages  # the size is right: only the checksum differs
    with pytest.raises(IndexUnusable, match=r"damaged \(passages.jsonl has changed"):
        SearchIndex.load(copy, checksums=True)
    # An index written before files were recorded loads, unverified.
    manifest = json.loads((copy / "manifest.json").read_text())
    del manifest["files"]
    (copy / "manifest.json").write_text(json.dumps(manifest))
    assert SearchIndex.load(copy, checksums=True).passages


def test_an_update_of_a_damaged_index_builds_it_afresh(tmp_path, caplog):
    root = tmp_path / "index"
    build(FIXTURE_SITE, root, progress=False)
    passages = current_dir(root) / "passages.jsonl"
    passages.write_bytes(passages.read_bytes().replace(b"Reviewing", b"Reviewinx"))
    report = build(FIXTURE_SITE, root, incremental=True, progress=False)
    assert len(report.added) == 3 and "building afresh" in caplog.text
    index = load_current(root, checksums=True)
    assert any("Reviewing" in p.text for p in index.passages)
    assert not any("Reviewinx" in p.text for p in index.passages)


def edited_copy(tmp_path):
    site = tmp_path / "site"
    shutil.copytree(FIXTURE_SITE, site)
    page = site / "guides" / "commissioning-cycle.html"
    page.write_bytes(page.read_bytes().replace(b"Reviewing checks", b"Reviewing tests"))
    return site


def test_failed_build_leaves_the_previous_index_current(tmp_path, monkeypatch):
    root = tmp_path / "index"
    build(FIXTURE_SITE, root, progress=False)
    before = load_current(root).version

    def broken_save(self, directory):
        (directory / "partial").write_text("half written")
        raise OSError("disk full")

    monkeypatch.setattr(SearchIndex, "save", broken_save)
    with pytest.raises(OSError):
        build(edited_copy(tmp_path), root, progress=False)
    monkeypatch.undo()
    assert load_current(root).version == before
    assert not [p for p in (root / "versions").iterdir() if p.name.startswith(".")]


def test_build_that_would_empty_the_index_is_refused_and_keeps_the_old_one(tmp_path):
    root = tmp_path / "index"
    build(FIXTURE_SITE, root, progress=False)
    before = load_current(root).version
    (tmp_path / "empty").mkdir()
    with pytest.raises(BuildRefused, match="remove 3 of 3 pages"):
        build(tmp_path / "empty", root, progress=False)
    with pytest.raises(IndexUnusable, match="no passages"):
        build(tmp_path / "empty", root, progress=False, force=True)
    assert load_current(root).version == before


def test_publish_keeps_a_few_versions(fixture_index, tmp_path):
    for n in range(5):
        fixture_index.manifest["version"] = f"v{n}"
        publish(fixture_index, tmp_path, keep=3)
    versions = sorted(p.name for p in (tmp_path / "versions").iterdir())
    assert versions == ["v2", "v3", "v4"]
    assert (tmp_path / "CURRENT").read_text().strip() == "v4"


def test_a_damaged_version_is_replaced_by_a_build_of_the_same_name(fixture_index, tmp_path):
    publish(fixture_index, tmp_path)
    (current_dir(tmp_path) / "matrix.npz").unlink()
    publish(fixture_index, tmp_path)  # same content, same name
    assert load_current(tmp_path, checksums=True).version == fixture_index.version
    assert [p.name for p in (tmp_path / "versions").iterdir()] == [fixture_index.version]
