"""CCP Assistant: cited answers from the Cultural Commissioning Programme's guidance."""

from .answer import answer
from .index.search import IndexUnusable, SearchIndex
from .index.versions import load_current
from .models import Answer, Citation, Hit, Passage

__all__ = [
    "Answer",
    "Citation",
    "Hit",
    "IndexUnusable",
    "Passage",
    "SearchIndex",
    "answer",
    "load_current",
]
