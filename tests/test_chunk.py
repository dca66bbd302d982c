from pathlib import Path

from assistant.ingest.chunk import chunk
from assistant.ingest.extract import extract
from assistant.models import Document, RawPage, Section

FIXTURES = Path(__file__).parent / "fixtures" / "site"


def fixture_doc(name="guides/commissioning-cycle.html"):
    return extract(RawPage(url=name, content=(FIXTURES / name).read_bytes()))


def test_one_passage_per_section_with_title_path_and_deep_link():
    passages = chunk(fixture_doc())
    assert [p.heading_path for p in passages][:4] == [
        (),
        ("Analyse",),
        ("Plan",),
        ("Plan", "Tips for planning events"),
    ]
    tips = passages[3]
    assert tips.title == "The commissioning cycle"
    assert tips.section == "Tips for planning events"
    assert tips.link == "guides/commissioning-cycle.html#plan-tips"


def test_ids_are_deterministic_and_unique():
    first, second = chunk(fixture_doc()), chunk(fixture_doc())
    assert [p.id for p in first] == [p.id for p in second]
    assert len({p.id for p in first}) == len(first)


def test_sentence_offsets_point_at_the_sentences():
    for p in chunk(fixture_doc()):
        assert p.sentences
        for start, end in p.sentences:
            sentence = p.text[start:end]
            assert sentence and sentence == sentence.strip()
            assert "\n" not in sentence  # sentences never run across blocks
    tips = chunk(fixture_doc())[3]
    assert [tips.text[a:b] for a, b in tips.sentences] == [
        "Bring examples of outcomes, not a description of art forms.",
        "Dr. Lee, a commissioner, found this the most useful advice.",
    ]


def test_long_sections_are_split_at_block_boundaries():
    blocks = tuple(f"Paragraph {i} " + "word " * 60 for i in range(10))
    doc = Document("long.html", "Long", (Section(("Body",), "body", blocks),))
    passages = chunk(doc, max_words=150)
    assert len(passages) == 5
    assert all(len(p.text.split()) <= 150 for p in passages)
    assert all(p.anchor == "body" for p in passages)
    assert "\n".join(p.text for p in passages) == "\n".join(b.strip() for b in blocks) or all(
        b.strip() in "\n".join(p.text for p in passages) for b in blocks
    )


def test_a_short_introduction_lists_its_subsections_headings():
    doc = Document(
        url="b.html",
        title="Barriers",
        sections=(
            Section(("Barriers",), "barriers", ("The report found three barriers.",)),
            Section(("Barriers", "Left out"), "left-out", ("Providers were not invited.",)),
            Section(("Barriers", "Left out", "Detail"), "detail", ("More on it.",)),
            Section(("Barriers", "Tight specifications"), "tight", ("Specs were tight.",)),
            Section(("Barriers", "Burden of proof"), "proof", ("Proof came first.",)),
            Section(("Next",), "next", ("Unrelated.",)),
            Section(("Next", "Sub"), "sub", ("Alone.",)),
        ),
    )
    texts = [p.text for p in chunk(doc)]
    assert texts[0] == (
        "The report found three barriers.\n• Left out\n• Tight specifications\n• Burden of proof"
    )
    assert texts[1] == "Providers were not invited."  # the subsections stay as they were
    assert texts[5] == "Unrelated."  # one subsection is not a list
    long = Section(("Long",), "long", (" ".join(["word"] * 100) + ".",))
    child = Section(("Long", "A"), "a", ("A.",))
    other = Section(("Long", "B"), "b", ("B.",))
    doc = Document(url="l.html", title="Long", sections=(long, child, other))
    assert "•" not in chunk(doc)[0].text  # a section with its own say is left alone


def test_a_passage_knows_where_the_pages_links_fall_in_its_text():
    doc = Document(
        url="pilots/kent.html",
        title="The Kent pilot",
        sections=(
            Section((), "top", ("Kent worked with the Gloucestershire pilot's team.",)),
            Section(("Results",), "results", ("Results are on the Gloucestershire pilot page.",)),
        ),
        links=(
            ("the Gloucestershire pilot", "pilots/gloucestershire.html"),
            ("Gloucestershire", "https://www.gloucestershire.gov.uk/"),
        ),
    )
    first, second = chunk(doc)
    # The longer link text wins where both could fall; each passage finds its own.
    for passage in (first, second):
        (start, end, url), *others = passage.links
        assert passage.text[start:end] == "the Gloucestershire pilot"
        assert url == "pilots/gloucestershire.html" and not others
