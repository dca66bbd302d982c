"""What answering keeps between questions to go faster never answers for another index."""

from assistant.answer.referrals import referral_for
from assistant.index.search import SearchIndex
from assistant.models import Referral


def test_each_referrals_file_is_searched_for_its_own_phrases():
    old = (Referral("personal data", "We do not give contact details.", ("email*",)),)
    new = (Referral("legal and tax", "Ask an adviser.", ("vat",)),)
    question = "What is the email address for VAT questions?"
    assert referral_for(question, old).name == "personal data"
    assert referral_for(question, new).name == "legal and tax"  # an updated index's
    assert referral_for(question, old).name == "personal data"
    assert referral_for(question, ()) is None
    assert referral_for("Who ran the Kent pilot?", new) is None


def test_the_latest_update_follows_the_sources_an_index_holds(fixture_index):
    index = SearchIndex(
        fixture_index.passages,
        fixture_index.terms,
        fixture_index.idf,
        fixture_index.matrix,
        fixture_index.manifest,
        sources={"a.html": {"indexed": True, "updated": "2015-03-01"}},
    )
    assert index.content_updated == "2015-03-01"
    index.sources = {"b.html": {"indexed": True, "updated": "2019-10-02"}}
    assert index.content_updated == "2019-10-02"
