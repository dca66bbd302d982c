"""Symbolic links in the content folder: a link that leads out of it is neither served
under /site/ nor indexed (it could be to /etc/passwd or the repository's .git); a link
within it is both."""

import shutil

import pytest

from assistant import load_current
from assistant.build import build
from web import create_app

from .conftest import FIXTURE_SITE, LiveServer
from .test_api import call


@pytest.mark.parametrize("link", ["file", "folder"])
def test_a_link_out_of_the_content_folder_is_neither_served_nor_indexed(tmp_path, link):
    outside = tmp_path / "outside"
    outside.mkdir()
    page = (FIXTURE_SITE / "kent-pilot.html").read_bytes().replace(b"Kent", b"Swordfish")
    (outside / "secret.html").write_bytes(page)
    site = tmp_path / "site"
    shutil.copytree(FIXTURE_SITE, site)
    (site / "within.html").symlink_to(site / "kent-pilot.html")
    if link == "file":
        (site / "secret.html").symlink_to(outside / "secret.html")
        url = "secret.html"
    else:
        (site / "private").symlink_to(outside, target_is_directory=True)
        url = "private/secret.html"

    root = tmp_path / "index"
    report = build(site, root, progress=False)
    index = load_current(root)
    assert not [p for p in index.passages if "Swordfish" in p.text or p.url == url]
    assert [p for p in index.passages if p.url == "within.html"]
    if link == "file":
        assert "out of the source folder" in report.skipped[url]

    app = create_app({"INDEX_DIR": str(root), "SITE_DIR": str(site), "DB_PATH": ""})
    with LiveServer(app) as server:
        assert call(server, "/site/" + url)[0] == 404
        status, _, body = call(server, "/site/within.html")
        assert status == 200 and b"Kent" in body
