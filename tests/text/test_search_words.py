"""Search words: the same for indexed text and queries, with the Arabic article removed."""

import pytest

from frameline.store.query import parse_query
from frameline.text.search_words import index_text, search_words
from frameline.text.snippets import make_snippet


@pytest.mark.parametrize("written", ["الموصل", "بالموصل", "والموصل", "للموصل", "فالموصل", "كالموصل", "وبالموصل",
                                     "فللموصل", "موصل"])
def test_every_form_with_the_article_indexes_as_the_bare_word(written):
    assert search_words(written) == ["موصل"]


@pytest.mark.parametrize("written", ["الله", "والله", "بالله", "لله"])
def test_allah_is_never_reduced_to_the_preposition(written):
    assert search_words(written) == ["الله"]


def test_short_words_keep_their_letters():
    assert search_words("الى ال") == ["الى", "ال"]  # nothing left but one letter


def test_latin_words_and_digits_are_split_on_punctuation_and_underscores():
    assert index_text("Example.org u.s. 2.5 ISIS_media") == "example org u s 2 5 isis media"


def test_a_query_is_reduced_the_same_way_as_the_text():
    (clause,) = parse_query("بالموصل").clauses
    assert clause.alternatives[0].text == "موصل"


def test_snippets_highlight_the_whole_written_word_article_included():
    fragments = make_snippet("قتال عنيف في الموصل وبالموصل", [("موصل", False)])
    assert [f.text for f in fragments if f.highlighted] == ["الموصل", "وبالموصل"]
