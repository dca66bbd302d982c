"""Answers a person can use: each rule shown with a real question on the real corpus."""

import re

import pytest

from assistant import answer
from assistant.answer import kinds
from assistant.answer.compose import EXACT_CONFIDENCE
from assistant.answer.kinds import question_kind
from assistant.answer.query import prepare
from assistant.answer.select import LEANS_BACK, NOT_OPENING
from assistant.answer.units import layout
from assistant.evaluate import load_questions
from web.chat import EXAMPLES

from .test_eval import SETS


def first(result) -> str:
    return result.sentences[0].text


# -- the home page's examples ------------------------------------------------------


def test_every_home_page_example_gets_a_cited_answer(corpus_index):
    for question in EXAMPLES:
        result = answer(question, corpus_index)
        assert not result.no_answer, question
        assert result.citations and result.sentences, question


def test_what_was_the_programme(corpus_index):
    result = answer(EXAMPLES[0], corpus_index)
    assert first(result).startswith("The Cultural Commissioning Programme (CCP) was a national")
    assert "Arts Council England" in first(result)
    assert result.citations[0].url.startswith("about/what-the-programme-was.html")


def test_kent_mental_health_example_quotes_kent(corpus_index):
    result = answer(EXAMPLES[1], corpus_index)
    assert all("kent" in c.url for c in result.citations)
    assert "mental health" in result.text and "£4m" in result.text


def test_grant_and_contract_are_each_defined(corpus_index):
    result = answer(EXAMPLES[2], corpus_index)
    assert (
        first(result)
        == "A grant funds an organisation to pursue a purpose it has put forward itself."
    )
    assert "A contract is a legally binding agreement" in result.text


def test_finding_tenders_opens_with_where_to_look(corpus_index):
    result = answer(EXAMPLES[3], corpus_index)
    assert first(result).startswith("Contracts Finder is the government website")
    assert not first(result).startswith("The figure")


# -- the first sentence states the kind of answer asked for --------------------------


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("What is social prescribing?", "definition"),
        ("whats a JSNA? someone mentioned it in a meeting", "definition"),
        ("What's the difference between a grant and a contract?", "definition"),
        ("Who led the programme?", "who"),
        ("When did phase two run?", "when"),
        ("How much did Arts Council England put in?", "how_much"),
        ("How do I find the right commissioner?", "how_to"),
        ("Why did Arts Council England fund the programme?", "why"),
        ("Did the programme give grants?", "yes_no"),
        ("Are there any examples of museums on prescription?", "examples"),
        ("kent pilot results?", "other"),
        ("Tell me about Artlift", "definition"),
        ("Can you explain social prescribing?", "definition"),
        ("Could you describe how commissioning works?", "yes_no"),
    ],
)
def test_the_kind_of_answer_wanted_is_read(question, kind):
    assert question_kind(question).kind == kind


def test_each_part_of_a_question_is_answered(corpus_index):
    assert kinds.parts("museums on prescription - what was it and who took part?") == [
        "what was it",
        "who took part?",
    ]
    result = answer("Who wrote Opportunities for alignment and when did it come out?", corpus_index)
    assert "Sally Bagwell" in result.text and "June 2014" in result.text
    result = answer("museums on prescription - what was it and who took part?", corpus_index)
    assert result.text.startswith("Museums on Prescription was a three-year research project")
    assert "University College London" in result.text


def test_a_part_of_a_question_may_be_answered_from_any_section_of_the_best_page(corpus_index):
    # "when did it come out?": the day is in a section of the best page that the search
    # for the whole question did not return.
    question = "Who wrote Opportunities for alignment and when did it come out?"
    result = answer(question, corpus_index)
    dated = next(s for s in result.sentences if "6 June 2014" in s.text)
    searched = corpus_index.search(question, k=5)
    assert dated.passage_id not in {h.passage.id for h in searched}
    assert corpus_index.by_id[dated.passage_id].url == searched[0].passage.url


def test_a_request_in_a_question_is_a_part_of_it(corpus_index):
    # Every part of a sentence that ends in a question mark asks, however it opens; a
    # short topic before a dash does not, and scene-setting sentences do not.
    assert kinds.parts(
        "We're six staff. Realistically can a charity our size win a contract on our own, "
        "or do we have to team up with a bigger provider?"
    ) == [
        "Realistically can a charity our size win a contract on our own",
        "do we have to team up with a bigger provider?",
    ]
    question = (
        "Quick summary of the NEF Art of Commissioning report please - what were the main barriers?"
    )
    assert kinds.parts(question)[1] == "what were the main barriers?"
    result = answer(question, corpus_index)
    assert "The burden of proof on new providers" in result.text


def test_each_further_part_of_a_question_gets_room_of_its_own(corpus_index):
    # "who was involved" takes a sentence of its own; what the group did is still quoted
    # (in four sentences it was cut).
    question = "What did the Torbay locality group do and who was involved?"
    result = answer(question, corpus_index)
    assert "Daisi" in result.text and "Sustainability and Transformation Plan" in result.text
    assert len(result.sentences) == 5
    assert len(answer(question, corpus_index, max_sentences=3).sentences) <= 4


def test_a_definition_opens_with_what_the_subject_is(corpus_index):
    result = answer("What is social prescribing?", corpus_index)
    opening = result.sentences[0]
    # a sentence that names it, or its own glossary entry under its heading; never the
    # arts-on-prescription entry, whose body never says its subject
    assert opening.text.startswith("Social prescribing ") or opening.term == "Social prescribing"
    assert "non-clinical support" in opening.text


def test_how_a_question_asks_is_not_what_it_asks_about(corpus_index):
    # "actually" and "in plain English" say how to answer, not what to define
    assert question_kind("what does commissioning actually mean in plain english").subject == (
        "commissioning"
    )
    assert question_kind("roughly how much did the programme cost?").kind == "how_much"
    result = answer("what does commissioning actually mean in plain english", corpus_index)
    assert result.sentences[0].term == "Commissioning"
    assert result.sentences[0].text.startswith("The whole process by which a public body")


def test_a_glossarys_note_on_its_entries_is_not_quoted(corpus_index):
    """The glossaries' lead sections say how their entries are written ("Definitions
    describe how the terms were used during the ... Programme"): about the page, not an
    answer to anything."""
    note = re.compile(r"(Definitions|Entries) describe\b")
    assert sum(bool(note.search(p.text)) for p in corpus_index.passages) == 2
    for q in load_questions(*SETS):
        for s in answer(q["question"], corpus_index).sentences:
            assert not note.match(s.text), (q["question"], s.text)


def test_a_request_to_describe_something_opens_with_what_it_is(corpus_index):
    assert first(answer("Tell me about Artlift", corpus_index)).startswith("Artlift was ")
    assert first(answer("Explain the JSNA", corpus_index)).startswith("The JSNA is a ")


def test_a_definition_opens_a_page_titled_by_its_subject_and_goes_on_from_that_page(
    corpus_index,
):
    result = answer("What was Museums on Prescription?", corpus_index)
    assert first(result).startswith("Museums on Prescription was a three-year research project")
    assert len(result.sentences) >= 2
    assert {c.url.split("#")[0] for c in result.citations} == {
        "case-studies/museums-on-prescription.html"
    }
    assert kinds.title_names("the Kent pilot", "The Kent commissioner pilot")
    assert kinds.title_names("Artlift", "Artlift: arts on prescription in Gloucestershire")
    assert not kinds.title_names("the JSNA", "Health and wellbeing boards and the JSNA")


def test_a_definition_finds_the_page_titled_by_its_subject(corpus_index):
    # The example: "What was the Kent pilot?" opened with how Kent planned it,
    # as the page's opening section was not among the passages found.
    result = answer("What was the Kent pilot?", corpus_index)
    assert result.sentences[0].text.startswith(
        "Kent County Council was one of the Cultural Commissioning Programme's two"
    )
    # A one-word subject is not named by a title with a word more ("The commissioning
    # cycle" is no definition of commissioning).
    result = answer("What is commissioning?", corpus_index)
    assert "four stages" not in result.sentences[0].text


def test_a_glossary_entry_answers_under_its_heading(corpus_index):
    result = answer("What does commissioning mean?", corpus_index)
    opening = result.sentences[0]
    assert opening.term == "Commissioning"
    assert opening.text.startswith("The whole process by which a public body")
    assert result.text.startswith("Commissioning: The whole process")


def test_what_defines_a_subject_is_read_plainly():
    strength = kinds.definition_strength
    # the subject, then "is a": plainest; its acronym in brackets may come between
    assert strength("JSNA", "The JSNA is a continuing assessment of needs.") == 2
    sentence = "The joint strategic needs assessment (JSNA) is an ongoing picture of need."
    assert strength("JSNA", sentence) == 2
    # opening with the subject says less; part of a longer name or a compound, nothing
    assert strength("JSNA", "The JSNA has two purposes.") == 1
    quoted = 'In the CCP, "cultural commissioning" meant public bodies buying services.'
    assert strength("cultural commissioning", quoted) == 2
    assert not kinds.names("cultural commissioning", "cultural organisations commissioning")
    larc = "The Liverpool Arts Regeneration Consortium (LARC) is a partnership of eight."
    assert strength("consortium", larc) == 0
    assert strength("grant", "At the time, grant commissions were a new way of working.") == 0
    assert strength("commissioning", "A commissioner's published statement of plans.") == 0
    # only an acronym is another name for a subject; a looser synonym names something else
    pairs = [(("social", "prescrib"), "arts on prescription"), (("sroi",), "SROI")]
    assert kinds.acronyms("social prescribing", pairs[:1]) == []
    assert kinds.acronyms("social return on investment", pairs[1:]) == ["SROI"]
    assert kinds.heading_names("CCG", "Clinical commissioning group (CCG)")
    assert not kinds.heading_names("commissioning", "What commissioning is not")
    # an acronym defines only after its own full name, not after a body's name
    gloucestershire = "NHS Gloucestershire Clinical Commissioning Group (CCG) was the NHS body."
    assert strength("CCG", gloucestershire) == 0


def test_a_glossary_entry_ranked_low_still_defines(corpus_index):
    # the short entry ranks below longer sections about one consortium or another
    result = answer("What is a consortium?", corpus_index)
    assert result.text.startswith("Consortium: A group of providers")
    assert answer("What's a CCG?", corpus_index).text.startswith("Clinical commissioning group")


def test_a_who_question_marks_the_name(corpus_index):
    result = answer("Who led the programme?", corpus_index)
    i, start, end = result.answer_span
    assert result.sentences[i].text[start:end] == "NCVO"
    assert result.to_json()["answer_span"] == {"sentence": i, "start": start, "end": end}


def test_who_ran_it_is_asked_as_who_led_it(corpus_index):
    # The guidance's "ran" mostly says how long things ran: "Who ran the programme?"
    # opened with "The Cultural Commissioning Programme had a second phase that ran for
    # 18 months".
    result = answer("Who ran the programme?", corpus_index)
    assert "NCVO" in _plain_first(result) and "18 months" not in _plain_first(result)


def _plain_first(result) -> str:
    s = result.sentences[0]
    return " ".join((s.text, *s.items, *(" ".join(r) for r in s.rows)))


def test_a_who_question_marks_no_month_and_not_what_it_asks_about(corpus_index):
    def marked(question, previous=None):
        result = answer(question, corpus_index, previous=previous)
        if result.answer_span is None:
            return None
        i, start, end = result.answer_span
        return result.sentences[i].text[start:end]

    # Once "In January", "CCP" and "The Cultural Commissioning Programme" were marked.
    framework = "Who wrote Public Health England's arts and health evaluation framework?"
    assert marked(framework) == "Norma Daykin"
    assert marked("and who paid for it?", ["Cultural Commissioning Programme"]) == (
        "Arts Council England"
    )
    assert marked("Who ran the programme?") in (None, "NCVO")


def test_when_marks_a_stretch_of_time_and_how_much_marks_money(corpus_index):
    def marked(question, previous=None):
        result = answer(question, corpus_index, previous=previous)
        i, start, end = result.answer_span
        return result.sentences[i].text[start:end]

    # Not the news item's dateline ("February 2016: ..."), but the phase it announces.
    assert marked("when did this programme run") == "from July 2016 until December 2017"
    # Not "two Bridge organisations": money, for how much.
    sentence = (
        "The two Bridge organisations' co-investment levered £120,000 of the council's "
        "public health commissioning money."
    )
    question = "how much was the contract worth?"
    start, end = kinds.answer_span(kinds.question_kind(question), sentence, question)
    assert sentence[start:end] == "£120,000"


def test_an_answer_the_assistant_doubts_marks_no_exact_answer(corpus_index):
    questions = (
        "how much was the contract worth?",
        "Who led the programme?",
        "When did Consilium start evaluating the programme?",
        "who paid for it?",
        "Who sat on the advisory group?",
    )
    results = [answer(q, corpus_index, previous=["Six Ways to Wellbeing"]) for q in questions]
    assert any(r.answer_span for r in results) and any(
        r.confidence < EXACT_CONFIDENCE for r in results
    )
    for r in results:
        assert (r.answer_span is None) or r.confidence >= EXACT_CONFIDENCE


def test_a_how_much_question_marks_the_figure(corpus_index):
    result = answer("How much did Arts Council England put into the programme?", corpus_index)
    i, start, end = result.answer_span
    assert result.sentences[i].text[start:end] == "£895,000"


def test_a_when_question_marks_a_date(corpus_index):
    result = answer("When did Consilium start evaluating the programme?", corpus_index)
    i, start, end = result.answer_span
    assert re.fullmatch(r"(\w+ )?20\d\d", result.sentences[i].text[start:end])


# -- lists and tables stay whole -------------------------------------------------------


def test_a_list_comes_with_its_lead_in_and_all_its_items(corpus_index):
    result = answer("What did NEF recommend commissioners do?", corpus_index)
    listed = next(s for s in result.sentences if s.kind == "list")
    assert listed.lead.endswith(":") and len(listed.items) >= 4
    assert all(item in listed.text for item in listed.items)  # verbatim from the passage
    data = result.to_json()["sentences"]
    assert any(s["kind"] == "list" and s["items"] == list(listed.items) for s in data)


def test_a_list_that_goes_on_from_a_quoted_sentence_comes_with_it(corpus_index):
    # The issue's own example: the answer quoted only "The report's recommendations were
    # addressed to commissioners.", not the list of them that follows.
    result = answer("What did NEF's Art of Commissioning report recommend?", corpus_index)
    listed = next(s for s in result.sentences if s.kind == "list" and "NEF asked" in s.lead)
    assert any(item.startswith("Commission for outcomes.") for item in listed.items)


def test_a_section_that_announces_its_subsections_quotes_their_headings(corpus_index):
    """The barriers section says only that there were four; each has a subsection."""
    result = answer("What barriers did NEF find?", corpus_index)
    listed = next(s for s in result.sentences if s.kind == "list")
    assert listed.lead.startswith("Drawing on its work with the Kent and Gloucestershire")
    assert "four main ways" in listed.lead and len(listed.items) == 4
    assert "Procurement that favours large organisations" in listed.items
    assert kinds_of_leads("It found four things.\n• a\n• b\n• c\n• d") == ["It found four things."]
    assert kinds_of_leads("It found four things.\n• a\n• b") == []  # not these two


def kinds_of_leads(text: str) -> list[str]:
    shape = layout(text)
    return [text[g.lead[0] : g.lead[1]] for g in shape.groups if g.lead]


def test_a_figure_the_guidance_does_not_give_is_said_to_be_missing(corpus_index):
    # No sentence gives the number, and one says the sources do not record it: that one
    # answers, rather than a sentence about something else.
    result = answer(
        "How many Making Connections events were there and where were they held?", corpus_index
    )
    assert "do not record" in result.sentences[0].text


def test_a_follow_up_asking_a_figure_the_guidance_lacks_is_declined(corpus_index):
    # The Reader's page says nothing of what it was paid: say so rather than quote it.
    before = answer("Tell me about The Reader", corpus_index)
    follow = answer("roughly how much were they paid?", corpus_index, previous=[before.subject])
    assert follow.follow_up and follow.no_answer
    # ... while one whose answer gives a figure is answered with it.
    before = answer("What was the Six Ways to Wellbeing commission?", corpus_index)
    follow = answer("how much was it worth?", corpus_index, previous=[before.subject])
    assert not follow.no_answer and "£" in follow.sentences[0].text


def test_a_sentence_announcing_what_follows_comes_with_it(corpus_index):
    # "The JSNA has two purposes." was the answer's last sentence; the purposes follow it.
    result = answer("What is a JSNA?", corpus_index)
    texts = [s.text for s in result.sentences]
    announced = texts.index("The JSNA has two purposes.")
    assert texts[announced + 1].startswith("It steers what is commissioned")


def test_an_answer_goes_on_from_its_first_sentences_section(corpus_index):
    # The first sentence comes from a section that ranked below another; what follows it
    # in its own section comes next, and the better-ranked section's sentence after.
    question = "When did the CCP's second phase start?"
    result = answer(question, corpus_index)
    opener, then, *rest = result.sentences
    assert opener.text.startswith("Phase two started in July 2016")
    assert then.passage_id == opener.passage_id
    assert rest and rest[-1].passage_id != opener.passage_id
    best = corpus_index.search(question, k=1)[0].passage.id
    assert best != opener.passage_id  # else the rule would not be at work here


def test_a_list_that_opens_without_a_lead_in_comes_under_its_heading(corpus_index):
    result = answer("How did Kent get arts into its waste management contract?", corpus_index)
    opening = result.sentences[0]
    assert opening.kind == "list" and not opening.lead
    assert opening.term == "What others can learn from Kent's approach"
    assert result.text.startswith("What others can learn from Kent's approach:\n• ")


def test_a_sentence_about_the_others_comes_after_the_one_it_leans_on(corpus_index):
    # "The others included Audience focus ..." means ACE's other grant commissions.
    question = "How much was Arts Council England's grant to run the programme?"
    texts = [s.text for s in answer(question, corpus_index).sentences]
    others = next(i for i, t in enumerate(texts) if t.startswith("The others included"))
    assert texts[others - 1].startswith("Cultural commissioning was one of several grant")


def test_a_sentence_that_points_back_in_its_first_words_does_not_open(corpus_index):
    # "that money" is HACT's £750m, "these inequalities" the ones the review's central
    # claim names: each reads after its antecedent, not before it.
    texts = [
        s.text
        for s in answer(
            "Is it worth approaching housing associations? There are a couple of big "
            "estates near us and they must have budgets for residents' wellbeing",
            corpus_index,
        ).sentences
    ]
    assert texts[0].startswith("HACT estimated") and texts[1].startswith("Very little of that")
    first = answer("how did the marmot review feed into the case for culture", corpus_index)
    assert not first.sentences[0].text.startswith("Marmot argued that most of these")


def test_where_a_page_stands_is_quoted_only_when_asked(corpus_index):
    # "This is an example from the wider field, not one of the ... programme's own case
    # studies." follows the Music in Mind page's first sentence: it does not carry on
    # what Music in Mind is, but it answers whether it was one of the programme's own.
    line = "This is an example from the wider field"
    assert line not in answer("What is Music in Mind?", corpus_index).text
    asked = answer("Was Music in Mind one of the programme's own case studies?", corpus_index)
    assert line in asked.text


def test_a_table_row_comes_with_its_headings(corpus_index):
    result = answer("How many words could each heading of the application run to?", corpus_index)
    table = next(s for s in result.sentences if s.kind == "table")
    assert table.header == ("Heading", "Word limit")
    assert ("Meeting the brief", "up to 3,000 words") in table.rows


def test_no_answer_opens_with_a_fragment_or_a_pronoun(corpus_index):
    """Over every question in the sets: the first piece is never a lead-in left without
    its list, a bare table row, nor a sentence or list leaning on one the reader never
    saw."""
    for q in load_questions(*SETS):
        result = answer(q["question"], corpus_index)
        if result.no_answer:
            continue
        opening = result.sentences[0]
        if opening.kind == "sentence":
            assert not opening.text.rstrip().endswith(":"), q["question"]
            assert " | " not in opening.text, q["question"]
            assert not LEANS_BACK.match(opening.text), q["question"]
            assert not NOT_OPENING.match(opening.text), q["question"]  # "NEF also ..."
        else:  # a list's lead-in, "Its findings include:", comes after what "its" is
            assert not re.match(r"\s*(It|Its|They|Their|He|She|His|Her)\b", opening.text), q[
                "question"
            ]
            # and a list with no lead-in comes under its heading, never bare
            assert opening.kind != "list" or opening.lead or opening.term, q["question"]
        texts = [s.text for s in result.sentences]
        assert len(texts) == len(set(texts)), q["question"]  # nothing shown twice
        for s in result.sentences:  # no title or running line from a PDF passes as one
            if s.kind == "sentence":
                assert re.search(r"[.!?:;)\]\"”’']\s*$", s.text), (q["question"], s.text)


@pytest.mark.parametrize(
    "question, supporting",
    [
        # "Two charities, Porchlight and the Shaw Trust, run it ...": under the heading
        # about who runs it, on the Live Well Kent page, without naming Live Well Kent.
        ("Who runs Live Well Kent?", "Porchlight and the Shaw Trust"),
        ("who developed the singing for health network in east kent", "Sidney De Haan"),
    ],
)
def test_a_sentence_supports_by_what_its_heading_and_page_are_about(
    corpus_index, question, supporting
):
    result = answer(question, corpus_index)
    assert supporting not in first(result)
    assert supporting in result.text


def test_what_another_page_says_in_other_words_is_shown_once(corpus_index):
    """NPC's figures on contract income appear on two pages in different words (the
    report's page and the seminar's); an answer quotes them once."""
    pages = [p for p in corpus_index.passages if "£300m" in p.text]
    assert len({p.url.split("#")[0] for p in pages}) >= 2
    result = answer(
        "What share of arts organisations' income came from contracts compared with other "
        "charities?",
        corpus_index,
    )
    assert result.text.count("£300m") == 1


def test_what_a_page_says_twice_is_shown_once(corpus_index):
    """The A Dance A Day page opens by saying what it is and says it again, in other
    words, under a heading further down; an answer quotes it once."""
    result = answer("What is A Dance A Day?", corpus_index)
    texts = [s.text for s in result.sentences]
    assert texts[0].startswith("A Dance A Day is a community dance project")
    assert "A Dance A Day is Activate's community dance project for people aged over 50." in {
        p.text[a:b] for p in corpus_index.passages for a, b in p.sentences
    }
    assert not any(t.startswith("A Dance A Day is Activate's") for t in texts)


def test_a_list_two_pages_give_is_shown_once(corpus_index):
    """Two pages list the York consortium's eight partners, each in its own words ("the
    National Centre for Early Music;", "National Centre for Early Music;")."""
    lists = [p for p in corpus_index.passages if p.text.count("York Theatre Royal;") == 1]
    assert len({p.url for p in lists}) >= 2
    result = answer("York consortium partners", corpus_index)
    assert [s.kind for s in result.sentences].count("list") == 1
    assert result.text.count("York Theatre Royal") == 1


def test_no_answer_quotes_a_list_of_web_addresses(corpus_index):
    # A document's "Sources" section, a list of bare addresses, was quoted as two walls
    # of links under an answer about the programme's evaluation.
    question = (
        "Did the programme's own evaluation find it actually changed how commissioners "
        "behaved, or was it mostly arts orgs that benefited?"
    )
    result = answer(question, corpus_index)
    quoted = [s.text for s in result.sentences] + [i for s in result.sentences for i in s.items]
    assert quoted and not any(q.strip().startswith(("http://", "https://")) for q in quoted)


def test_no_answer_quotes_a_pointer_to_another_page(corpus_index):
    """The corpus has sentences that only send the reader elsewhere, some long ("For the
    research evidence ... including ..., see research and reviews.", "The JSNA is
    explained on the page about health and wellbeing boards and the JSNA.", "More about
    PCCs is on the police and crime commissioners page.", "The page on who commissions
    describes each body's role."); citations do that job, so no answer quotes them."""
    pointer = re.compile(
        r"\s*(For|To)\b[^.;:]*,\s*see\b|.*\bhave their own page\b"
        r"|[^.;:]*\b(is|are) (covered|described|explained|summarised) (in|on)\b"
        r"|[^.;:]*\b(is|are) in the ([\w,]+ ){0,4}glossary\b|This glossary\b"
        r"|More about [^.;:]* is on the\b|[^.;:]*\bis on the [\w ]+ page\.$"
        r"|The (\w+ )?pages? on [^.;:]* (explains?|describes?|covers?)\b"
    )
    in_corpus = [p.text for p in corpus_index.passages if pointer.search(p.text)]
    assert len(in_corpus) > 20
    for q in load_questions(*SETS):
        result = answer(q["question"], corpus_index)
        for s in result.sentences:
            assert not pointer.match(s.text), (q["question"], s.text)


# -- declining well ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "referral"),
    [
        (
            "Can you give me the email address of the person who led the Kent pilot?",
            "personal data",
        ),
        ("What is the phone number for the CCP programme manager?", "personal data"),
        ("How do I apply for a National Lottery Project Grant?", "other funders"),
        ("Do we need to charge VAT on a council contract?", "legal and tax"),
        ("Who is our integrated care board's arts lead?", "later developments"),
        ("can u give me the mobile for the Artlift manager", "personal data"),
        ("Who owns the copyright in the case study photos?", "legal and tax"),
        ("Could you send me the slides from the Doncaster seminar?", "records not held"),
        ("Is the Artlift coordinator still working at the surgery?", "personal data"),
        ("Which trusts and foundations fund arts for older people?", "other funders"),
        ("What's the direct line for whoever ran the York consortium?", "personal data"),
    ],
)
def test_questions_for_someone_else_are_declined_with_where_to_go(corpus_index, question, referral):
    result = answer(question, corpus_index)
    assert result.no_answer and result.sentences == ()
    assert result.referral.name == referral
    assert result.text == result.referral.reason  # a sentence that says why
    links = result.to_json()["referral"]["links"]
    assert links and all(link["url"].startswith("https://") for link in links)


def test_an_askers_own_funders_are_not_a_question_about_funders(corpus_index):
    result = answer(
        "Our trusts and foundations are happy with stories and photos but the NHS people keep "
        "asking for numbers. Which wellbeing scales do commissioners actually trust?",
        corpus_index,
    )
    assert result.referral is None and not result.no_answer


def test_a_question_answered_word_for_word_is_not_declined_for_its_meaning(corpus_index):
    # the report's long section sits far from the question in meaning, yet holds it all
    result = answer("What did locality participants call shouting into the ether?", corpus_index)
    assert not result.no_answer
    assert result.citations[0].url.endswith(".pdf#page=7")


def test_a_question_plainly_about_a_section_is_answered_in_its_own_words(corpus_index):
    # Few of its words are in the best section ("using", "case", "cultural services"),
    # but it is plainly about the JSNA: answered, not "not covered".
    result = answer(
        "How should we be using the JSNA to make the case for cultural services?", corpus_index
    )
    assert not result.no_answer and "JSNA" in result.sentences[0].text


def test_a_question_that_sets_a_scene_is_judged_by_what_it_asks(corpus_index):
    # The scene ("feedback forms, photos and quotes") diluted how much of the question
    # the best section covered, and the question was declined as not covered.
    question = (
        "We've only ever done feedback forms, photos and quotes from participants. "
        "What wellbeing questionnaires or scales do commissioners actually trust?"
    )
    result = answer(question, corpus_index)
    assert not result.no_answer
    assert "WEMWBS" in result.text


def test_practical_details_are_declined_with_a_reason(corpus_index):
    result = answer("How much is a ticket for the seminar and how do I book a place?", corpus_index)
    assert result.no_answer and result.referral.name == "practical details"
    assert result.text.startswith("The guidance does not hold practical details")


def test_questions_about_this_year_are_declined_as_after_the_guidance(corpus_index):
    result = answer("What is Torbay's public health grant for this financial year?", corpus_index)
    assert result.no_answer and "2013" not in result.text


@pytest.mark.parametrize(
    "question",
    [
        "Can our library staff join the Reading Well training next month?",
        "Which arts on prescription schemes are recruiting artists this term?",
    ],
)
def test_next_month_and_this_term_ask_about_the_present(corpus_index, question):
    result = answer(question, corpus_index)
    assert result.no_answer and result.text.startswith("The guidance describes the programme")


def test_the_askers_own_present_is_not_a_question_about_now(corpus_index):
    # "a service we currently run" says where the asker stands; "the current
    # thresholds" asks what holds today, which the guidance cannot say.
    own = answer(
        "Can a local arts organisation use the community right to challenge to take over a "
        "service we currently run in-house?",
        corpus_index,
    )
    assert not own.no_answer and "in principle, use the right" in own.text
    now = answer("What are the current procurement thresholds?", corpus_index)
    assert now.no_answer and "cannot say what is current" in now.text


def test_a_year_that_bounds_a_period_is_read_as_one(corpus_index):
    # "after 2013" need not be in the answer; "after 2017" asks what the guidance,
    # last updated in December 2017, cannot know.
    query = prepare("Why did health become a big opportunity for arts after 2013?", corpus_index)
    assert query.years == query.bounds == query.onwards == ("2013",)
    assert not answer(
        "Why did health become such a big opportunity for arts organisations after 2013?",
        corpus_index,
    ).no_answer
    later = "Did Arts Council England fund anything to replace the programme after 2017?"
    assert answer(later, corpus_index).no_answer
    assert answer("What did Kent do until 2017?", corpus_index).no_answer is False


def test_contact_questions_answer_nothing_about_the_person(corpus_index):
    result = answer(
        "Can you give me the email address of the person who led the Kent pilot?", corpus_index
    )
    assert "Laura Bailey" not in result.text


def test_a_question_wrapped_in_everyday_words_is_still_answered(corpus_index):
    # "honestly", "nod" and "posh" appear nowhere in the guidance; the subject does.
    result = answer(
        "Our board keeps saying we need to get commissioned and I nod along, but honestly "
        "what does commissioning actually mean? Is it just a posh word for funding?",
        corpus_index,
    )
    assert not result.no_answer
    assert "commissioning" in first(result).lower()


# -- follow-ups carry the subject --------------------------------------------------------


def test_a_follow_up_is_read_as_about_the_last_answers_subject(corpus_index):
    first_answer = answer("What's Artlift?", corpus_index)
    assert first_answer.subject == "Artlift"
    follow = answer("who paid for it?", corpus_index, previous=[first_answer.subject])
    assert follow.follow_up and follow.reading == "Artlift: who paid for it?"
    assert all("artlift" in c.url for c in follow.citations[:1])


def test_a_short_question_without_a_pronoun_is_a_follow_up(corpus_index):
    first_answer = answer("What is social prescribing?", corpus_index)
    follow = answer("Any case studies?", corpus_index, previous=[first_answer.subject])
    assert follow.follow_up and follow.reading.startswith("social prescribing: ")
    assert not follow.no_answer


def test_a_follow_up_is_read_with_the_words_of_the_question_before(corpus_index):
    # The reading is shown ("Read as a follow-up: ..."): the earlier question's words as
    # it said them, not a list of its content words.
    before = answer(
        "We run dance sessions for older people. Are there any examples of arts groups "
        "that got paid by the council or the NHS to do this kind of work?",
        corpus_index,
    )
    follow = answer("how did they show it was working?", corpus_index, previous=[before.subject])
    assert follow.follow_up and follow.reading == (
        "examples of arts groups that got paid by the council or the NHS to do this kind "
        "of work: how did they show it was working?"
    )


@pytest.mark.parametrize(
    ("first", "then", "subject"),
    [
        (
            "What was the Kent commissioner pilot?",
            "and the Gloucestershire one?",
            "Gloucestershire commissioner pilot",
        ),
        (
            "What did the Torbay locality project do?",
            "What about Birmingham?",
            "Birmingham locality project",
        ),
        ("kent pilot results?", "and in gloucestershire?", "gloucestershire commissioner pilot"),
    ],
)
def test_a_follow_up_naming_something_else_asks_the_same_of_it(corpus_index, first, then, subject):
    # "What about Birmingham?" after Torbay's project is about Birmingham's project: the
    # new name takes the old one's place rather than searching for pages naming both.
    before = answer(first, corpus_index)
    follow = answer(then, corpus_index, previous=[before.subject])
    assert follow.follow_up and follow.subject == subject
    assert follow.reading.startswith(subject + ": ")
    place = subject.split()[0].lower()
    assert place in follow.citations[0].url and place in follow.sentences[0].text.lower()
    # and what comes next is asked of the new subject
    after = answer("who was involved?", corpus_index, previous=[before.subject, follow.subject])
    assert after.reading.startswith(subject + ": ")


def test_a_follow_up_that_points_back_keeps_its_subject(corpus_index):
    # "GP" is a name, but "it" says the question is still about Artlift.
    follow = answer(
        "how many GP practices referred patients to it?", corpus_index, previous=["Artlift"]
    )
    assert follow.subject == "Artlift"
    after = answer("was there a cost saving?", corpus_index, previous=["Artlift", "Artlift"])
    assert after.reading.startswith("Artlift: ")


def test_a_glossary_entry_quoted_in_any_answer_is_shown_under_its_term(corpus_index):
    # not a definition question, yet it quotes the Contracts Finder entry, whose body
    # leaves its subject unsaid: it is shown under its term, not as a fragment
    result = answer(
        "How can my arts organisation get involved before a tender is advertised?", corpus_index
    )
    entry = next(s for s in result.sentences if s.text.startswith("The UK government website"))
    assert entry.term == "Contracts Finder"
    assert "Contracts Finder: The UK government website" in result.text
    # an entry that opens with its own name needs no term ("A grant funds ...")
    result = answer("When is a grant better than a tender for a small arts provider?", corpus_index)
    named = next(s for s in result.sentences if s.text.startswith("A grant funds"))
    assert named.term == ""


def test_a_follow_up_does_not_quote_again_what_the_last_answer_quoted(corpus_index):
    before = answer("what were the start and end dates of phase two?", corpus_index)
    quoted = {s.text for s in before.sentences}
    question = "What changed compared with phase one?"
    again = answer(question, corpus_index, previous=[before.subject])
    assert quoted & {s.text for s in again.sentences}  # else the rule would not be at work
    follow = answer(question, corpus_index, previous=[before.subject], said=before.said)
    assert follow.follow_up and not follow.no_answer
    assert not quoted & {s.text for s in follow.sentences}
    assert "phase" in follow.text.lower()


def test_a_follow_up_carries_the_page_a_question_named(corpus_index):
    # The question's first asking part ("which museums took part") would lose its name.
    before = answer(
        "museums on prescription - which museums took part and which university did the research?",
        corpus_index,
    )
    assert before.subject == "Museums on Prescription"
    # a name is found by its content words, whatever small words the question adds
    members = "Which organisations were members of the Cultural Consortium for Wellbeing in York?"
    assert answer(members, corpus_index).subject == "The Cultural Consortium for Wellbeing York"
    follow = answer("how long did it run?", corpus_index, previous=[before.subject])
    assert follow.reading == "Museums on Prescription: how long did it run?"
    assert all("museums-on-prescription" in c.url for c in follow.citations)


def test_an_asking_part_of_small_words_carries_what_the_answer_was_about(corpus_index):
    # "What was that about?" names nothing: the follow-up is about what the answer said.
    before = answer(
        "I heard Kent council paid for some arts projects for teenagers' wellbeing instead "
        "of the usual services. What was that about?",
        corpus_index,
    )
    opened = next(p for p in corpus_index.passages if p.id == before.sentences[0].passage_id)
    assert before.subject == kinds.title_name(opened.title)
    follow = answer("who delivered the sessions?", corpus_index, previous=[before.subject])
    assert follow.reading == f"{before.subject}: who delivered the sessions?"


def test_a_bracket_inside_a_title_is_part_of_its_name(corpus_index):
    # "The Public Services (Social Value) Act 2012" names the Act, not "public services":
    # a question about libraries delivering public services is about the library it finds.
    assert kinds.title_name("The Public Services (Social Value) Act 2012") == (
        "The Public Services (Social Value) Act 2012"
    )
    assert kinds.title_name("CS3 (C3): a culture and sport consortium") == "CS3"
    before = answer(
        "Is there a case study of a library service being commissioned to deliver public services?",
        corpus_index,
    )
    assert before.subject == "Suffolk Libraries"


@pytest.mark.parametrize(
    ("question", "subject"),
    [
        ("Who ran the Cultural Commissioning Programme?", "Cultural Commissioning Programme"),
        ("When did the CCP's second phase start?", "CCP's second phase"),
        (
            "Who wrote Opportunities for alignment and when did it come out?",
            "Opportunities for alignment",
        ),
    ],
)
def test_what_a_follow_up_carries_is_what_was_asked_about(corpus_index, question, subject):
    # the question's main verb ("ran", "start") is no part of what it was about
    result = answer(question, corpus_index)
    assert result.subject == subject


def test_a_follow_ups_own_words_choose_its_first_sentence(corpus_index):
    # The context finds the section; "replaced" then picks the sentence, rather than
    # the sentences that only name what the first answer was about.
    first_answer = answer(
        "Who commissioned NHS services locally during the programme?", corpus_index
    )
    follow = answer("What replaced them?", corpus_index, previous=[first_answer.subject])
    assert follow.follow_up
    assert "integrated care boards" in " ".join(s.text for s in follow.sentences[:2])


def test_what_a_conversation_carries_is_bounded(corpus_index):
    previous: list[str] = []
    for _ in range(50):
        result = answer("and what else?", corpus_index, previous=previous or ["Artlift"])
        previous.append(result.subject)
    assert max(len(s) for s in previous) <= 120
    assert len(result.reading) <= 120 + len(": and what else?")


# -- confidence ----------------------------------------------------------------------------


def test_confidence_is_a_fitted_probability(corpus_index):
    from assistant.answer.confidence import calibrated

    # The shipped model was fitted on the current evidence features (refit with
    # benchmarks/calibration.py --write after changing them).
    assert calibrated()
    answered = answer("How much did Arts Council England put into the programme?", corpus_index)
    declined = answer("What is the capital of France?", corpus_index)
    assert 0 < declined.confidence < answered.confidence < 1


def test_every_kind_but_examples_starts_where_a_clause_may():
    # question_kind skips searching a question with no later clause for every kind
    # (kinds._LATER_CLAUSE): right only while each pattern but EXAMPLES starts with _Q.
    for kind, pattern in kinds._PATTERNS:
        assert kind == kinds.EXAMPLES or pattern.pattern.startswith(kinds._Q), kind
    assert question_kind("Any case studies of museums").kind == kinds.EXAMPLES
    assert question_kind("Kent pilot results").kind == kinds.OTHER
