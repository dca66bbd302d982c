"""Citation links land on the quoted sentence: text fragments, the side panel's
section, and the served snapshot's pages."""

from bs4 import BeautifulSoup

from assistant.answer.fragments import text_fragment, with_fragment

QUESTION = "Who chaired the programme's advisory group?"


def test_text_fragment_names_the_quote_by_its_ends_and_encodes_its_syntax():
    assert text_fragment("Short one-off sentence, here.") == (
        ":~:text=Short%20one%2Doff%20sentence%2C%20here."
    )
    long = "The advisory group was chaired by Lord Bichard, who is named as chair in print."
    assert text_fragment(long) == ":~:text=The%20advisory%20group%20was,as%20chair%20in%20print."
    assert text_fragment("Lead in:\n• first item\n• last item") == (
        ":~:text=Lead%20in%3A%20first%20item%20last%20item"
    )
    assert with_fragment("/p.html#a:~:text=old", "New words") == "/p.html#a:~:text=New%20words"
    assert with_fragment("/p.html", "New") == "/p.html#:~:text=New"


def test_citations_carry_the_quoted_sentence(client):
    body = client.post("/api/query", json={"question": QUESTION}).json
    citation = body["citations"][0]
    quote = citation["quote"]
    assert citation["url"].startswith("/site/about/advisory-group.html#chair-lord-bichard:~:text=")
    sentence = next(s for s in body["sentences"] if s["passage_id"] == citation["passage_id"])
    assert (quote["start"], quote["end"]) == (sentence["start"], sentence["end"])


def test_live_site_links_carry_the_fragment_too(corpus_index_root):
    from web import create_app

    app = create_app(
        {"INDEX_DIR": str(corpus_index_root), "BASE_URL": "https://ccp-hub.example.org/"}
    )
    body = app.test_client().post("/api/query", json={"question": QUESTION}).json
    assert body["citations"][0]["url"].startswith(
        "https://ccp-hub.example.org/about/advisory-group.html#chair-lord-bichard:~:text=The"
    )


def test_each_citation_mark_lands_on_its_own_sentence(client):
    html = BeautifulSoup(client.get("/", query_string={"q": QUESTION}).data, "html.parser")
    cites = html.select("a.cite[data-passage]")
    assert len({a["href"] for a in cites}) == len(cites) >= 2
    assert all(":~:text=" in a["href"] and a["data-start"] for a in cites)


def test_preview_marks_the_quoted_piece(client):
    body = client.post("/api/query", json={"question": QUESTION}).json
    c = body["citations"][0]
    html = client.get(f"/preview/{c['passage_id']}", query_string={**c["quote"]}).data.decode()
    preview = BeautifulSoup(html, "html.parser")
    assert "Bichard" in preview.select_one("mark.quote").get_text()
    link = preview.find("a", string="Open the full page in a new tab")
    assert link["href"] == c["url"] and link["target"] == "_blank"
    plain = BeautifulSoup(client.get(f"/preview/{c['passage_id']}").data, "html.parser")
    assert not plain.select("mark")
    assert client.get("/preview/nothing-like-it").status_code == 404


def test_served_pages_lead_back_and_load_the_marker(client):
    html = BeautifulSoup(client.get("/site/about/advisory-group.html").data, "html.parser")
    assert html.find("a", string="Back to the assistant")["href"] == "/"
    assert html.select_one('head script[src="/static/site.js"]')
    assert not html.select("script:not([src])")  # no inline script (CSP)
