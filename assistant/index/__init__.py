"""Index stage: term counts and passage vectors, the searchable index, and its versions on disk."""

from .search import IndexUnusable, SearchIndex
from .versions import load_current

__all__ = ["IndexUnusable", "SearchIndex", "load_current"]
