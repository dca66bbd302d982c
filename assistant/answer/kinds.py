"""What kind of answer a question wants, which sentences state that kind of answer, and
where in a sentence the exact answer (a name, a date, a figure) lies.

Rules rather than a model: they are few, cheap, explainable, and the same for every
corpus. Each pattern was written from the shape of English questions and sentences,
not from the question sets.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from ..text import STOP_WORDS, stem, tokens

DEFINITION = "definition"
WHO = "who"
WHEN = "when"
HOW_MUCH = "how_much"
HOW_TO = "how_to"
WHY = "why"
YES_NO = "yes_no"
EXAMPLES = "examples"
OTHER = "other"
EXACT = frozenset((WHO, WHEN, HOW_MUCH))  # kinds whose answer is a name, a date or a figure

# Where a question may start: the beginning, after a clause, or after a filler word.
_Q = (
    r"(?:^\s*|[.?!;:,]\s+|\s[-–—]\s+|\b(?:and|but|so|or)\s+)"
    r"(?:(?:honestly|really|actually|basically|just|please|then|roughly),?\s+)?"
)
# Where _Q lets a clause start after a question's first character: every pattern but
# EXAMPLES begins with _Q, so none can match later in a question without one of these.
_LATER_CLAUSE = re.compile(r"[.?!;:,]\s|\s[-–—]\s|\b(?:and|but|so|or)\s", re.I)
_PATTERNS: tuple[tuple[str, re.Pattern], ...] = tuple(
    (kind, re.compile(pattern, re.I))
    for kind, pattern in (
        (
            HOW_MUCH,
            _Q + r"(how (much|many|big|large|long)|what (was|is|were|are) the (total|"
            r"budget|cost|value|amount|number|size|scale|figure)|what percentage|"
            r"what proportion)\b",
        ),
        (WHEN, _Q + r"(when\b|what (year|date|month)|since when|in which year|which year)"),
        (
            WHO,
            _Q + r"(who(m|se)?\b|which (organi[sz]ations?|bodies|body|partners?|people|person|"
            r"charit(y|ies)|councils?|groups?|commissioners?|funders?)\b|by whom)",
        ),
        (
            WHY,
            _Q + r"(why\b|what (was|is|were|are) the (reason|point|purpose|rationale)|"
            r"how come\b)",
        ),
        (
            DEFINITION,
            _Q + r"(what(?:'s|’s|s)?\s+(?:(?:is|are|was|were|does|do)\s+)?"
            r"(?:(?:an?|the)\s+)?(?P<subject>[^?,;]{2,60}?)\s*(?:\bmean|\bstand for|\?|$|[,;]|"
            r"\s[-–—]\s|\s+and\s+(?=(?:is|are|was|were|do|does|did|can|how|what|who|why|when|"
            r"where|should|would|will)\b))|define\b|meaning of\b|what do (you|they|we|people) mean "
            r"by\b)",
        ),
        (  # a request to describe something asks what it is
            DEFINITION,
            _Q + r"(?:(?:can|could) you\s+|please\s+)?(?:tell me (?:more )?about|explain|describe|"
            r"what do you know about|(?:give me )?an? (?:overview|summary|short description) of)"
            r"\s+(?:(?:an?|the)\s+)?(?P<subject>[^?,;.]{2,60}?)\s*(?:please\b|\?|$|[,;.])",
        ),
        (
            EXAMPLES,
            r"\b(examples?|case stud(y|ies)|instances?|which (projects|schemes|"
            r"programmes|organi[sz]ations|places|areas))\b",
        ),
        (
            HOW_TO,
            _Q + r"(how (do|can|should|could|would|might|did) (i|we|you|they|one|an?|the|"
            r"small|arts?|cultural|our|my)\b|how to\b|what steps|what should|where (do|can|should|"
            r"could) (i|we)|tips|advice on|ways to|best way)",
        ),
        (
            YES_NO,
            _Q + r"(is|are|was|were|do|does|did|can|could|should|has|have|had|will|would|"
            r"may|might|must)\b",
        ),
    )
)
# "What is the difference between a grant and a contract?" is answered by saying what
# each is: a definition of the first, with the second (usually) close by.
_COMPARISON = re.compile(
    r"\bdifference between\s+(?:an?\s+|the\s+)?(?P<subject>[^?,;]{2,40}?)\s+and\s", re.I
)
# Words of a would-be definition subject that show the question asks something else
# ("what are commissioners looking for", "what is the difference between ...").
_NOT_A_SUBJECT = re.compile(
    r"\b(looking|doing|happening|going|coming|working|used|needed|offered|difference|between|best|main|key|role|point|purpose|happening|"
    r"involved|needed|required|available|like|about|for|do|does|did|can|should|will|have|has|"
    r"it|its|they|them|this|that|these|those|there|came|got|went|made|current|happen|happened|"
    r"learn|learned|learnt|found|find|said|achieved|changed|worked|ran|led|paid|mean|how|why|"
    r"when|where|whether|what|who|works)\b",
    re.I,
)


# Where a question turns to another part: "... and when did it come out?", "... - who
# took part?", or a new sentence that asks.
_ASKING = (
    r"(?:who|when|what|how|where|why|which|is|are|was|were|did|does|do|can|could|should|"
    r"would|will)\b"
)
_NEXT_PART = re.compile(
    rf"(?:\s*,\s*|\s+[-–—]\s+|\s+)(?:and|or|but)\s+(?={_ASKING})|(?<=[?])\s+"
    rf"|(?:\s*,\s*|\s+[-–—]\s+)(?=(?:who|when|what|how|where|why|which)\b)",
    re.I,
)
MAX_PARTS = 3  # parts of one question answered each on its own
# A piece of a question's sentence that does not open as a question asks all the same
# when it is this long ("Quick summary of the NEF report please - ..."); a shorter one
# names the topic ("museums on prescription - what was it?").
REQUEST_WORDS = 5
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")
_ASKS = re.compile(_ASKING, re.I)


def parts(question: str) -> list[str]:
    """The parts of a question that each ask something ("Who wrote it", "when did it
    come out?"), in order; sentences that only set the scene ("I'm updating our page.")
    are left out, unless nothing else asks. A sentence that ends in a question mark
    asks in each of its parts but a short topic ("Realistically can a charity our size
    win a contract on its own, or do we have to team up?")."""
    asking = []
    for sentence in _SENTENCE_END.split(question.strip()):
        pieces = [p.strip() for p in _NEXT_PART.split(sentence) if p and p.strip()]
        asks = sentence.rstrip().endswith("?")
        asking += [
            p
            for p in pieces
            if p.endswith("?") or _ASKS.match(p) or (asks and len(p.split()) >= REQUEST_WORDS)
        ]
    return (asking or [question.strip()])[:MAX_PARTS]


@dataclass(frozen=True, slots=True)
class QuestionKind:
    kind: str
    subject: str = ""  # for a definition: what is to be defined, as typed


def question_kind(question: str) -> QuestionKind:
    """Read the kind of answer a question wants from its wording. A question of several
    clauses is read by the first clause that asks something recognisable."""
    text = question.strip()
    comparison = _COMPARISON.search(text)
    if comparison:
        return QuestionKind(DEFINITION, comparison.group("subject").strip())
    opening = _opening_kind(text)
    if opening is not None:
        return opening
    if not _LATER_CLAUSE.search(text, 1):
        # No clause opens it or starts later: only "examples", asked anywhere, can be.
        return QuestionKind(EXAMPLES if _EXAMPLES.search(text) else OTHER)
    found: list[tuple[int, str, re.Match]] = []
    for kind, pattern in _PATTERNS:
        for match in pattern.finditer(text):
            if not _fits(kind, match):
                continue
            found.append((match.start(), kind, match))
            break
    if not found:
        return QuestionKind(OTHER)
    # The clause that comes first decides, except that "examples" anywhere wins over a
    # yes/no opening ("Are there any examples of ...?").
    found.sort(key=lambda f: f[0])
    start, kind, match = found[0]
    if kind == YES_NO and any(f[1] == EXAMPLES for f in found):
        kind = EXAMPLES
    return _kind_of(kind, match)


def _opening_kind(text: str) -> QuestionKind | None:
    """The kind asked by a clause that opens the question, if one does: what
    `question_kind` finds, as no clause comes before it (and of two kinds that both
    open it, the first in _PATTERNS wins there too). Most questions open with what they
    ask, and trying each pattern at the start alone costs a tenth of searching the
    whole question for every kind."""
    for kind, pattern in _PATTERNS:
        match = pattern.match(text)
        if match is not None and _fits(kind, match):
            if kind == YES_NO and _EXAMPLES.search(text):
                kind = EXAMPLES
            return _kind_of(kind, match)
    return None


def _fits(kind: str, match: re.Match) -> bool:
    """False for a would-be definition whose subject shows it asks something else."""
    if kind == DEFINITION and match.group("subject"):
        subject = match.group("subject").strip()
        return not (len(subject.split()) > 6 or _NOT_A_SUBJECT.search(subject))
    return True


def _kind_of(kind: str, match: re.Match) -> QuestionKind:
    subject = ""
    if kind == DEFINITION and match.group("subject"):
        subject = _MANNER.sub("", match.group("subject")).strip(" ,'\"‘’“”")
    return QuestionKind(kind, subject)


# Words that say how to answer or how much the asker means it, not what they ask about:
# "what does commissioning actually mean in plain English?" asks what commissioning is.
_MANNER = re.compile(
    r"\s*,?\s*\b(?:in (?:plain|simple|everyday|lay|layman'?s'?|basic) (?:english|terms|language|"
    r"words)|in a nutshell|in short|actually|really|exactly|basically|honestly|briefly|"
    r"roughly|genuinely|literally)\b",
    re.I,
)

_EXAMPLES = next(pattern for kind, pattern in _PATTERNS if kind == EXAMPLES)


# -- sentences that state a kind of answer -------------------------------------------

MONTH = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|"
    r"December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)"
)
_YEAR = r"(?:19|20)\d\d(?:/\d\d)?"
_MONTH_OR_DAY = re.compile(MONTH + r"|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday")
_RANGE = re.compile(r"(?:between|from)\s|.*\d\s*(?:-|–|to)\s*\d")
DATE = re.compile(
    rf"\b(?:(?:between|from)\s+(?:(?:early|late|mid-?)\s*)?(?:{MONTH}\s+)?{_YEAR}\s+"
    rf"(?:and|to|until|till)\s+"
    rf"(?:(?:early|late|mid-?)\s*)?(?:{MONTH}\s+)?{_YEAR}|(?:\d{{1,2}}\s+)?{MONTH}\s+{_YEAR}|"
    rf"(?:(?:early|late|mid-?)\s*)?{_YEAR}(?:\s*(?:-|–|to)\s*{_YEAR})?)\b"
)
_NUMBER_WORDS = (
    r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|"
    r"thirty|forty|fifty|sixty|hundred|dozen|half|a third|a quarter)"
)
FIGURE = re.compile(
    r"(?:£|\$|€)\s?\d[\d,]*(?:\.\d+)?(?:\s?(?:million|billion|thousand|m|bn|k)\b)?"
    r"|\b\d[\d,]*(?:\.\d+)?\s?(?:%|per ?cent\b|million\b|billion\b)"
    r"|\b\d[\d,]*(?:\.\d+)?(?:\s+(?:[a-z]+\s+){0,2}?(?:people|participants|organisations|"
    r"projects|schemes|members|places|sessions|weeks|months|years|days|hours|pages|"
    r"partners|localities|areas|events|services|providers|councils|libraries|museums))"
    rf"|\b{_NUMBER_WORDS}(?:\s+[a-z]+){{0,2}}\s+(?:people|organisations|projects|schemes|"
    r"members|places|sessions|weeks|months|years|partners|localities|areas|events|"
    r"pilots|days|workstreams|phases|strands)\b",
    re.I,
)
# Names: capitalised words (with "of", "for", "and", "the" between them), or acronyms.
NAME = re.compile(
    r"\b(?:[A-Z][a-z’'&-]+|[A-Z]{2,}[a-z]?)(?:\s+(?:(?:of|for|and|the|on|in|&)\s+)?"
    r"(?:[A-Z][a-z’'&-]+|[A-Z]{2,}[a-z]?))*"
)
_WHO_VERBS = re.compile(
    r"\b(led|leads|lead|ran|run|runs|managed|manages|delivered|delivers|chaired|chairs|"
    r"commissioned|commissions|funded|funds|paid|pays|evaluated|wrote|published|founded|"
    r"set up|hosted|partners?|partnership|members?|by|director|manager|chair|officer)\b",
    re.I,
)
_REASON = re.compile(
    r"\b(because|so that|in order to|the reason|reasons|aim(ed)? (was|to)|to help|as a "
    r"result|so it|so they|led to|meant that|since|why|purpose|rationale|to make|to show|"
    r"to give)\b",
    re.I,
)
_HOW = re.compile(
    r"\b(should|can|could|need to|needs to|start(ing)? (by|with)|first|steps?|ask|talk to|"
    r"approach|contact|look (at|for)|search|register|sign up|watch|check)\b",
    re.I,
)
_EXAMPLE = re.compile(r"\b(for example|for instance|such as|including|examples?|case stud)", re.I)
_DEFINING_VERBS = frozenset("is are was were means meant refers describes stands".split())
# What follows a subject in a sentence that defines it ("is a", "means", "refers to").
_COPULA = re.compile(r"^(?:(?:is|are|was|were) (?:a|an|the|one)\b|means\b|refers\b|stands for\b)")
_ARTICLES = frozenset(("a", "an", "the"))
_NEGATED = re.compile(r"\b(?:is|are|was|were)\s+not\b|\bisn't\b|\bwasn't\b", re.I)


def states(kind: QuestionKind, sentence: str) -> bool:
    """True when the sentence states the kind of answer the question wants."""
    k = kind.kind
    if k == WHO:
        names = [m for m in NAME.finditer(sentence) if m.start() > 0 or m.group(0).isupper()]
        return bool(names) and (bool(_WHO_VERBS.search(sentence)) or len(names) >= 2)
    if k == WHEN:
        return bool(DATE.search(sentence))
    if k == HOW_MUCH:
        return bool(FIGURE.search(sentence))
    if k == WHY:
        return bool(_REASON.search(sentence))
    if k == HOW_TO:
        return bool(_HOW.search(sentence))
    if k == EXAMPLES:
        return bool(_EXAMPLE.search(sentence)) or len(NAME.findall(sentence[1:])) >= 2
    if k == DEFINITION:
        return defines(kind.subject, sentence)
    return False


def defines(subject: str, sentence: str) -> bool:
    """True when the sentence says what `subject` is (see `definition_strength`)."""
    return definition_strength(subject, sentence) > 0


def definition_strength(subject: str, sentence: str) -> int:
    """How plainly the sentence says what `subject` is: 2 when it names the subject and
    goes straight on with "is a", "means", "refers to" ("The JSNA is a continuing
    assessment ..."); 1 when a defining verb follows a little later, or when it only
    opens with the subject ("Social prescribing links people ...", but also "The JSNA
    has two purposes."); 0 otherwise, and for "is not", which says what it is not.
    Words match by stem: "commissioner" does not name "commissioning"."""
    words = _subject_stems(subject)
    if not words:
        return 0
    read = _words(sentence)
    if read.negated:
        return 0
    if read.quotes and _quoted_definition(subject).search(sentence):
        return 2  # 'In the CCP, "cultural commissioning" meant ...'
    raw, said = read.raw, read.said
    for i, word in enumerate(said[:20]):
        if word == words[0] and set(words) <= set(said[i : i + len(words) + 1]):
            after = raw[i + len(words) : i + len(words) + 4]
            if f"({raw[i]})" in sentence.lower():  # an acronym after its full name:
                i -= len(raw[i].removesuffix("s"))  # where the name starts
            if i > 0 and raw[i - 1] not in _ARTICLES:
                after = after[:0]  # part of a longer name: "Liverpool Arts ... Consortium"
            elif after and f"({after[0]})" in sentence.lower():
                after = after[1:]  # "The joint strategic needs assessment (JSNA) is a"
            if _COPULA.match(" ".join(after)):
                return 2
            if _DEFINING_VERBS.intersection(after[:3]):
                return 1
    opening = set(said[: len(words) + 2])
    return int(set(words) <= opening)


@lru_cache(maxsize=1024)
def _subject_stems(subject: str) -> tuple[str, ...]:
    """The stems of a subject's content words, for comparing with every sentence."""
    return tuple(stem(w) for w in tokens(subject) if w not in STOP_WORDS)


class _Read(NamedTuple):
    """What `definition_strength` and its neighbours read in a sentence, whatever the
    subject."""

    raw: tuple[str, ...]  # its tokens
    said: tuple[str, ...]  # their stems
    negated: bool  # says near its start what something is not
    quotes: bool  # has a mark that can open a quoted term (see `_quoted_definition`)


@lru_cache(maxsize=4096)
def _words(sentence: str) -> _Read:
    """A sentence read once. Choosing a definition reads each candidate sentence several
    times (whether it defines, names or mentions each of the subject's names), and the
    same passages' sentences come back question after question. Tokens are interned,
    so sentences share their words: about 0.9 KB a sentence kept."""
    raw = tuple(map(sys.intern, tokens(sentence)))
    return _Read(
        raw,
        tuple(stem(w) for w in raw),
        _NEGATED.search(sentence[:160]) is not None,
        any(mark in sentence for mark in _OPENING_QUOTES),
    )


_OPENING_QUOTES = "\"“‘'"


@lru_cache(maxsize=256)
def _quoted_definition(subject: str) -> re.Pattern:
    """The subject in quotation marks, followed by what it means."""
    return re.compile(
        rf"[\"“‘']{re.escape(subject)}[\"”’']\s*(?:is|are|was|were|means|meant|refers)\b",
        re.I,
    )


def names(subject: str, sentence: str) -> bool:
    """True when the sentence names the subject as a phrase, word after word (by stem):
    "cultural organisations ... commissioning" does not name "cultural commissioning"."""
    wanted = " ".join(stem(w) for w in tokens(subject))
    return bool(wanted) and f" {wanted} " in " " + " ".join(_words(sentence)[1]) + " "


def heading_names(subject: str, heading: str) -> bool:
    """True when a section's heading is the subject itself, as a glossary entry's is
    ("Consortium", "Clinical commissioning group (CCG)"): its first sentence then says
    what the subject is without naming it."""
    return name_key(subject) in heading_keys(heading)


def title_names(subject: str, title: str) -> bool:
    """True when a page's title names the subject, give or take one word of its own
    ("The Kent commissioner pilot" for "the Kent pilot"; "Artlift: arts on prescription
    in Gloucestershire" for "Artlift"): the page's opening sentence then introduces it."""
    wanted, said = set(name_key(subject).split()), name_key(title_name(title)).split()
    return bool(wanted) and wanted <= set(said) and len(said) - len(wanted) <= 1


def title_name(title: str) -> str:
    """A page title's name: up to any subtitle, less a bracket that ends it ("Artlift:
    arts on prescription ..." -> "Artlift"; "CS3 (C3): ..." -> "CS3"). A bracket inside
    a name is part of it ("The Public Services (Social Value) Act 2012")."""
    name = re.split(r"\s*(?::|\s[-–—]\s)", title, maxsplit=1)[0]
    return re.sub(r"\s*\([^()]*\)$", "", name).strip()


@lru_cache(maxsize=65_536)
def name_key(phrase: str) -> str:
    """A phrase's words by stem, without articles: what two ways of writing one name
    share ("The JSNA", "JSNA"), and what a heading that says more does not ("What
    commissioning is not" is no name for "commissioning")."""
    return " ".join(sorted({stem(w) for w in tokens(phrase) if w not in _ARTICLES}))


@lru_cache(maxsize=65_536)
def heading_keys(heading: str) -> frozenset[str]:
    """The names a heading gives its subject: itself, and a bracketed acronym."""
    name, _, short = heading.partition("(")
    return frozenset(key for key in (name_key(name), name_key(short.rstrip(")"))) if key)


def acronyms(subject: str, equivalents: list[tuple[tuple[str, ...], str]]) -> list[str]:
    """The equivalents (from `expand_synonyms`) that are the subject's acronym or
    spell its acronym out ("SROI" for "social return on investment"): other names of
    the same thing. Looser synonyms ("arts on prescription" for "social prescribing")
    name something else, whose definition would not answer."""
    return [
        phrase
        for _, phrase in equivalents
        if _initials(phrase) in _compact(subject) or _initials(subject) in _compact(phrase)
    ]


def _initials(phrase: str) -> str:
    return "".join(w[0] for w in tokens(phrase) if w not in {"and", "of", "the", "for"})


def _compact(phrase: str) -> tuple[str, str]:
    """A phrase as an acronym would spell it, with and without a plural "s"."""
    letters = re.sub(r"[^a-z]", "", phrase.lower())
    return letters, letters.removesuffix("s")


def mentions(subject: str, sentence: str) -> bool:
    """True when every content word of `subject` appears in the sentence."""
    words = [w for w in tokens(subject) if w not in STOP_WORDS]
    text = " ".join(_words(sentence)[0])
    return bool(words) and all(re.search(rf"\b{re.escape(w[:5])}", text) for w in words)


# -- the exact answer inside a sentence ----------------------------------------------


def answer_span(kind: QuestionKind, sentence: str, question: str) -> tuple[int, int] | None:
    """Offsets of the exact answer in `sentence` (a name for "who", a date for "when",
    a figure for "how much"), or None. A candidate the question itself contains is not
    an answer; for "who", the name that does what the question asks ("who led" ->
    "NCVO led", "led by NCVO") comes before any other."""
    pattern = {WHO: NAME, WHEN: DATE, HOW_MUCH: FIGURE}.get(kind.kind)
    if pattern is None:
        return None
    asked = {w for w in tokens(question) if w not in STOP_WORDS}
    found = []
    for match in pattern.finditer(sentence):
        text = match.group(0)
        start = match.start()
        if kind.kind == WHO:
            first, _, rest = text.partition(" ")
            if rest and first.lower() in STOP_WORDS:
                start, text = start + len(first) + 1, rest  # "In January", "When ACE ..."
            if (
                (start == 0 and not text.isupper() and " " not in text)
                or text.lower() in STOP_WORDS
                or _MONTH_OR_DAY.fullmatch(text)
                or _is_asked_about(text, asked, question)
            ):
                continue  # an ordinary word that starts the sentence, a month, the subject
        words = {w for w in tokens(text) if w not in STOP_WORDS}
        if words and words <= asked:
            continue  # the question named it already
        found.append((start, start + len(text)))
    if not found:
        return None
    if kind.kind == HOW_MUCH:
        # "How much ..." asks for money when the sentence gives some; "how many" for a count.
        money = [(a, b) for a, b in found if sentence[a] in "£$€"]
        if re.search(r"\bhow\s+much\b", question, re.I) and money:
            return money[0]
        if re.search(r"\bhow\s+many\b", question, re.I):
            return next(((a, b) for a, b in found if (a, b) not in money), found[0])
    if kind.kind == WHEN:
        # A stretch of time ("from July 2016 to December 2017") says more than a date in it.
        spans = [(a, b) for a, b in found if _RANGE.match(sentence, a, b)]
        if spans:
            return spans[0]
    if kind.kind == WHO:
        verbs = [
            m for m in _WHO_VERBS.finditer(sentence) if stem(m.group(0).lower()) in _stems(question)
        ]
        if verbs:
            verb = verbs[0]
            after_by = re.match(r"\s+by\s+", sentence[verb.end() :])
            if after_by:
                start = verb.end() + after_by.end()
                return next(((a, b) for a, b in found if a == start), found[0])
            before = [(a, b) for a, b in found if b <= verb.start()]
            if before:
                return before[-1]
    return found[0]


def _is_asked_about(name: str, asked: set[str], question: str) -> bool:
    """A name for what the question is about rather than its answer: one whose last word
    the question uses ("the programme": "Cultural Commissioning Programme"), or the
    initials of its capitalised words ("CCP")."""
    words = tokens(name)
    if len(words) > 1 and words[-1] in asked:
        return True
    initials = "".join(w[0] for w in re.findall(r"\b[A-Z][a-z]+", question))
    return name.isupper() and len(name) > 1 and name in initials


def _stems(text: str) -> set[str]:
    return {stem(w) for w in tokens(text)}
