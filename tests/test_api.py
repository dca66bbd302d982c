"""The JSON API over real HTTP, against the production server on loopback."""

import json
import urllib.error
import urllib.request

import pytest

from web import create_app
from web.conversations import MAX_SAID, ConversationTokens

from .conftest import LiveServer


def call(server, path, body=None, *, method=None, content_type="application/json", headers=None):
    data = body if body is None or isinstance(body, bytes) else json.dumps(body).encode()
    request = urllib.request.Request(server.url + path, data, headers or {}, method=method)
    if data is not None:
        request.add_header("Content-Type", content_type)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers, err.read()


def call_json(server, path, body=None, **kw):
    status, headers, raw = call(server, path, body, **kw)
    assert headers["Content-Type"].startswith("application/json"), raw[:200]
    return status, json.loads(raw)


def test_health_reports_the_index(live_server, corpus_index):
    status, data = call_json(live_server, "/api/health")
    assert status == 200
    assert data == {
        "status": "ok",
        "index_version": corpus_index.version,
        "pages": corpus_index.manifest["pages"],
        "passages": len(corpus_index.passages),
    }


def test_query_returns_the_documented_shape(live_server, corpus_index):
    status, data = call_json(
        live_server,
        "/api/query",
        {"question": "What was the Cultural Commissioning Programme?", "top_k": 3},
    )
    assert status == 200
    for key, kind in [
        ("answer", str),
        ("no_answer", bool),
        ("confidence", float),
        ("citations", list),
        ("conversation_id", str),
        ("index_version", str),
        ("took_ms", float),
    ]:
        assert isinstance(data[key], kind), key
    assert data["index_version"] == corpus_index.version
    assert not data["no_answer"] and data["citations"]
    for c in data["citations"]:
        assert set(c) >= {"n", "title", "url", "section", "snippet", "score"}
    assert "[1]" in data["answer"]


def test_an_id_this_server_did_not_sign_starts_a_new_conversation(live_server):
    first = {"question": "Who led the Gloucestershire pilot?"}
    _, data = call_json(live_server, "/api/query", first)
    token = data["conversation_id"]
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    forged = {"question": "And when did it start?"}
    for conversation_id in ("abc-1", tampered, token[:-22] + "x" * 22, "A" * 4000):
        status, data = call_json(
            live_server, "/api/query", {**forged, "conversation_id": conversation_id}
        )
        assert status == 200 and data["follow_up"] is False, conversation_id
        assert data["conversation_id"] != conversation_id


def test_conversation_id_carries_the_conversation_to_another_server(corpus_index_root):
    """Two servers (two machines) with one CCP_SECRET_KEY and no shared store: a
    follow-up asked of the second is read with the first's answer."""
    config = {"INDEX_DIR": str(corpus_index_root), "DB_PATH": "", "SECRET_KEY": "shared"}
    with LiveServer(create_app(config)) as one, LiveServer(create_app(config)) as two:
        _, data = call_json(one, "/api/query", {"question": "Who led the Gloucestershire pilot?"})
        follow = {"question": "And when did it start?", "conversation_id": data["conversation_id"]}
        _, data = call_json(two, "/api/query", follow)
        assert data["follow_up"] is True and "2014" in data["answer"]
    # Another key does not read it: the token is signed, not just encoded.
    config["SECRET_KEY"] = "other"
    with LiveServer(create_app(config)) as three:
        _, data = call_json(three, "/api/query", follow)
        assert data["follow_up"] is False


def test_a_follow_up_on_another_server_does_not_repeat_the_last_answer(corpus_index_root):
    """What the last answer quoted travels in the conversation id, as its subject does,
    so whichever server answers the follow-up does not quote it again."""
    config = {"INDEX_DIR": str(corpus_index_root), "DB_PATH": "", "SECRET_KEY": "shared"}
    with LiveServer(create_app(config)) as one, LiveServer(create_app(config)) as two:
        first = {"question": "what were the start and end dates of phase two?"}
        _, before = call_json(one, "/api/query", first)
        follow = {
            "question": "What changed compared with phase one?",
            "conversation_id": before["conversation_id"],
        }
        _, after = call_json(two, "/api/query", follow)
    assert after["follow_up"] is True and not after["no_answer"]
    quoted = {s["text"] for s in before["sentences"]}
    assert quoted and not quoted & {s["text"] for s in after["sentences"]}


def test_a_conversation_id_carries_at_most_a_few_fingerprints():
    tokens = ConversationTokens(b"key")
    said = tuple(f"{n:012x}" for n in range(20))
    token = tokens.add("", "Phase two", [], said)
    assert tokens.read(token) == (["Phase two"], said[:MAX_SAID])
    # what is not a fingerprint is dropped, the rest still read
    odd = tokens.add("", "Phase two", [], ("<script>", "a" * 12))
    assert tokens.read(odd) == (["Phase two"], ("a" * 12,))


def test_out_of_scope_question_is_not_answered(live_server):
    status, data = call_json(live_server, "/api/query", {"question": "How do I renew my passport?"})
    assert status == 200
    assert data["no_answer"] is True and data["citations"] == []
    assert "does not" in data["answer"]


def test_citation_links_open_the_cited_section(live_server):
    _, data = call_json(live_server, "/api/query", {"question": "Who chaired the advisory group?"})
    url = data["citations"][0]["url"]
    path, anchor = url.split(":~:")[0].split("#")  # the text fragment is for the browser
    status, headers, html = call(live_server, path)
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert f'id="{anchor}"'.encode() in html


@pytest.mark.parametrize(
    "body, code",
    [
        (b"this is not json", "invalid_json"),
        (b'["a list"]', "invalid_json"),
        (b"[" * 30_000, "invalid_json"),  # nested deeper than the parser goes
        ({}, "missing_question"),
        ({"question": None}, "missing_question"),
        ({"question": ""}, "empty_question"),
        ({"question": "   \n\t "}, "empty_question"),
        ({"question": "x" * 1001}, "question_too_long"),
        ({"question": 42}, "invalid_question"),
        ({"question": ["a"]}, "invalid_question"),
        ({"question": "ok?", "top_k": 0}, "invalid_top_k"),
        ({"question": "ok?", "top_k": 21}, "invalid_top_k"),
        ({"question": "ok?", "top_k": "5"}, "invalid_top_k"),
        ({"question": "ok?", "top_k": True}, "invalid_top_k"),
        ({"question": "ok?", "conversation_id": "<script>"}, "invalid_conversation_id"),
    ],
)
def test_bad_input_gets_a_json_400(live_server, body, code):
    status, data = call_json(live_server, "/api/query", body)
    assert status == 400
    assert data["error"]["code"] == code
    assert data["error"]["message"]


@pytest.mark.parametrize(
    "path, body, code",
    [
        ("/api/feedback", b"[" * 30_000, "invalid_json"),
        ("/turn", b"[" * 30_000, "invalid_json"),
        ("/api/feedback", {"answer_id": "abc", "rating": ["up"]}, "invalid_rating"),
        ("/api/feedback", {"answer_id": "abc", "rating": {"up": 1}}, "invalid_rating"),
    ],
)
def test_malformed_json_elsewhere_gets_a_json_400(live_server, path, body, code):
    status, data = call_json(live_server, path, body)
    assert status == 400 and data["error"]["code"] == code and data["error"]["message"]


def test_wrong_content_type_and_methods_and_paths_get_json_errors(live_server):
    status, data = call_json(
        live_server, "/api/query", b'{"question": "hi"}', content_type="text/plain"
    )
    assert status == 400 and data["error"]["code"] == "invalid_json"
    status, data = call_json(live_server, "/api/query", method="DELETE")
    assert status == 405 and data["error"]["code"] == "method_not_allowed"
    status, data = call_json(live_server, "/api/nothing-here")
    assert status == 404 and data["error"]["code"] == "not_found"


def test_a_wrong_method_is_told_the_allowed_ones(live_server):
    for path, allowed in [("/api/query", {"GET", "POST"}), ("/api/feedback", {"POST"})]:
        status, headers, _ = call(live_server, path, method="DELETE")
        assert status == 405
        assert allowed <= {m.strip() for m in headers["Allow"].split(",")}, path


def test_security_headers(live_server):
    _, headers, _ = call(live_server, "/")
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert "unsafe-inline" not in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"


def test_served_snapshot_does_not_leave_its_folder(live_server):
    for path in ("/site/../pyproject.toml", "/site/%2e%2e/pyproject.toml", "/site/nope.html"):
        status, _, _ = call(live_server, path)
        assert status == 404, path


def test_server_without_index_reports_unavailable(tmp_path):
    from web import create_app

    from .conftest import LiveServer

    with LiveServer(create_app({"INDEX_DIR": str(tmp_path)})) as server:
        status, data = call_json(server, "/api/health")
        assert status == 503 and data["status"] == "unavailable"
        status, data = call_json(server, "/api/query", {"question": "Anything?"})
        assert status == 503 and data["error"]["code"] == "index_unavailable"


def test_every_answer_sentence_is_verbatim_at_its_offsets(live_server, corpus_index):
    for question in (
        "Who chaired the advisory group?",
        "Which organisations took part in the Kent pilot?",
        "What is social prescribing?",
        "How can a small arts organisation find local tenders?",
    ):
        _, data = call_json(live_server, "/api/query", {"question": question})
        assert data["sentences"], question
        for s in data["sentences"]:
            passage = corpus_index.by_id[s["passage_id"]]
            assert passage.text[s["start"] : s["end"]] == s["text"]
            assert s["text"] in data["answer"]


def test_snippet_highlights_mark_the_question_words(live_server):
    _, data = call_json(live_server, "/api/query", {"question": "Who chaired the advisory group?"})
    marked = [c["snippet"][a:b].lower() for c in data["citations"] for a, b in c["highlights"]]
    assert marked and {"advisory", "group"} <= set(marked)


def test_a_follow_up_in_the_same_conversation_is_read_in_context(live_server):
    first = {"question": "Who led the Gloucestershire pilot?", "conversation_id": "fu-test"}
    _, data = call_json(live_server, "/api/query", first)
    assert data["follow_up"] is False
    _, data = call_json(
        live_server,
        "/api/query",
        {"question": "And when did it start?", "conversation_id": data["conversation_id"]},
    )
    assert data["follow_up"] is True
    # The follow-up is read as being about the subject, not with the question pasted in.
    subject, _, question = data["reading"].partition(": ")
    assert "Gloucestershire pilot" in subject and "Who" not in subject
    assert question == "And when did it start?"
    assert not data["no_answer"] and "2014" in data["answer"]


def test_follow_ups_work_with_recording_turned_off(corpus_index_root):
    app = create_app({"INDEX_DIR": str(corpus_index_root), "DB_PATH": ""})
    with LiveServer(app) as server:
        status, data = call_json(server, "/api/query", {"question": "Who led the Kent pilot?"})
        assert status == 200 and data["answer_id"] is None
        follow = {"question": "And when did it start?", "conversation_id": data["conversation_id"]}
        status, data = call_json(server, "/api/query", follow)
        assert status == 200 and data["follow_up"] is True
        status, data = call_json(server, "/api/feedback", {"answer_id": "x", "rating": "up"})
        assert status == 404 and data["error"]["code"] == "feedback_off"


def test_not_covered_offers_nearest_sections_and_names_missing_words(live_server):
    _, data = call_json(live_server, "/api/query", {"question": "How do I renew my passport?"})
    assert data["no_answer"] and data["citations"] == []
    assert "passport" in data["unmatched_terms"]
    assert 1 <= len(data["nearest"]) <= 3
    assert all(n["url"].startswith("/site/") for n in data["nearest"])


def test_spelling_corrections_are_reported(live_server):
    _, data = call_json(live_server, "/api/query", {"question": "what is comissioning?"})
    assert {"from": "comissioning", "to": "commissioning"} in data["corrections"]


def test_responses_name_the_index_version_that_answered(live_server, corpus_index):
    _, headers, _ = call(live_server, "/api/query", {"question": "What is a JSNA?"})
    assert headers["X-Index-Version"] == corpus_index.version
    _, headers, _ = call(live_server, "/?q=JSNA")
    assert headers["X-Index-Version"] == corpus_index.version


NOT_TEXT = b'{"question": "commissioning \\ud800"}'  # JSON's escape for a lone surrogate


def test_text_that_is_not_utf8_is_refused_every_way_of_asking(live_server):
    for path in ("/api/query", "/turn"):
        status, data = call_json(live_server, path, NOT_TEXT)
        assert status == 400 and data["error"]["code"] == "invalid_question", path
        assert "not text" in data["error"]["message"]
    # In a URL the same surrogate can only come as bytes that are not UTF-8.
    status, data = call_json(live_server, "/api/query?q=commissioning%ED%A0%80")
    assert status == 400 and data["error"]["code"] == "invalid_question"
    status, _, page = call(live_server, "/?q=commissioning%ED%A0%80")
    assert status == 200 and b"holds something that is not text" in page
    comment = b'{"answer_id": "abc", "rating": "up", "comment": "thanks \\ud800"}'
    status, data = call_json(live_server, "/api/feedback", comment)
    assert status == 400 and data["error"]["code"] == "invalid_comment"


def test_links_in_quoted_text_are_returned_and_open_their_page(live_server):
    question = {"question": "What did NEF do in the programme?"}
    _, data = call_json(live_server, "/api/query", question)
    links = [(s, link) for s in data["sentences"] for link in s.get("links", ())]
    assert links, "an answer quoting 'the housing strand' and the like links them"
    for sentence, link in links:
        shown = " ".join([sentence["text"], sentence.get("lead", ""), *sentence.get("items", ())])
        assert link["text"] in shown
        status, headers, _ = call(live_server, link["url"].split("#")[0])
        assert status == 200 and headers["Content-Type"].startswith("text/html")
