"""Content types and topics: read from page metadata, kept on passages, shown as
citation badges, and used to filter answers (API, chat page, GET /api/facets)."""

from bs4 import BeautifulSoup

from assistant.facets import TOPICS, TYPES, page_topics, page_type
from assistant.models import Passage

from .test_api import call_json
from .test_service_features import check

QUESTION = "How did Kent bring arts into mental health services?"


def test_type_and_topics_come_from_the_page_metadata():
    assert page_type({"page-type": "case-study", "tags": "kent"}) == "case-study"
    assert page_type({"page-type": "guidance", "tags": "reports, evaluation"}) == "report"
    assert page_type({"page-type": "guidance", "tags": "news, phase two"}) == "news"
    assert page_type({"page-type": "report"}) == "report"
    assert page_type({"page-type": "brochure"}) == page_type({}) == ""
    assert page_topics({"tags": "mental health, tendering, kent"}) == ("health", "procurement")


def test_passages_keep_them_and_older_indexes_still_load():
    old = {
        "id": "a-000",
        "url": "a.html",
        "title": "A",
        "heading_path": ["A"],
        "anchor": None,
        "text": "Text.",
        "sentences": [[0, 5]],
    }
    passage = Passage.from_json(old)
    assert passage.page_type == "" and passage.topics == ()
    assert passage.to_json() == old  # nothing new written when there is nothing to keep
    tagged = Passage.from_json({**old, "page_type": "news", "topics": ["health"]})
    assert Passage.from_json(tagged.to_json()) == tagged


def test_facets_count_the_pages_of_each_type_and_topic(corpus_index, live_server):
    status, body = call_json(live_server, "/api/facets")
    assert status == 200
    check(_spec(live_server), "/api/facets", "get", 200, body)
    types = {f["value"]: f["pages"] for f in body["types"]}
    assert list(types) == list(TYPES) and [f["value"] for f in body["topics"]] == list(TOPICS)
    pages = {p.url for p in corpus_index.passages}
    assert sum(types.values()) == len(pages)
    assert types["case-study"] >= 20 and types["news"] >= 1 and types["report"] >= 1


def _spec(live_server) -> dict:
    return call_json(live_server, "/api/openapi.json")[1]


def test_filters_keep_answers_to_matching_pages(corpus_index, live_server):
    spec = _spec(live_server)
    status, plain = call_json(live_server, "/api/query", {"question": QUESTION})
    assert {c["type"] for c in plain["citations"]} == {"guidance"}
    body = {"question": QUESTION, "filters": {"type": ["case-study"]}}
    status, cases = call_json(live_server, "/api/query", body)
    assert status == 200 and not cases["no_answer"]
    check(spec, "/api/query", "post", 200, cases)
    assert {c["type"] for c in cases["citations"]} == {"case-study"}
    body = {"question": QUESTION, "filters": {"type": ["guidance"], "topic": ["housing"]}}
    _, housing = call_json(live_server, "/api/query", body)
    for c in housing["citations"] + housing["nearest"]:
        passage = corpus_index.by_id[c["passage_id"]]
        assert passage.page_type == "guidance" and "housing" in passage.topics
    _, got = call_json(live_server, "/api/query?q=What+is+social+prescribing%3F&type=case-study")
    assert {c["type"] for c in got["citations"] + got["nearest"]} == {"case-study"}


def test_unknown_filters_are_refused_naming_the_allowed_ones(live_server):
    spec = _spec(live_server)
    status, body = call_json(
        live_server, "/api/query", {"question": QUESTION, "filters": {"type": ["podcast"]}}
    )
    assert status == 400 and body["error"]["code"] == "invalid_filters"
    assert "'podcast'" in body["error"]["message"]
    assert "guidance, case-study, report, news" in body["error"]["message"]
    check(spec, "/api/query", "post", 400, body)
    status, body = call_json(live_server, "/api/query?q=arts&topic=cookery")
    assert status == 400 and "health" in body["error"]["message"]
    status, _ = call_json(live_server, "/api/query", {"question": QUESTION, "filters": [1]})
    assert status == 400


def test_the_page_offers_chips_and_badges_its_sources(client):
    html = BeautifulSoup(
        client.get("/", query_string={"q": QUESTION, "type": "case-study"}).data, "html.parser"
    )
    chips = {i["value"]: i for i in html.select(".filters input[form=ask]")}
    assert set(chips) == set(TYPES) | set(TOPICS)
    assert chips["case-study"].has_attr("checked") and not chips["guidance"].has_attr("checked")
    badges = [b.get_text() for b in html.select("ol.sources .badge")]
    assert badges and set(badges) == {"Case study"}
