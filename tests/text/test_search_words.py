"""Search words: the same for indexed text and queries, with the Arabic article removed."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from frameline.store.query import parse_query
from frameline.text.normalize import normalize_text
from frameline.text.search_words import WORD, index_text, search_words, strip_arabic_article
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


# Words (and word starts) where the article rules bite, plus separators and characters the
# index's translation table treats specially: diacritics, tatweel, presentation forms, emoji.
_PIECES = ["ال", "وال", "بال", "فال", "كال", "لل", "و", "ف", "ب", "لله", "الله", "موصل", "رقه", "ي", "ى", "ة",
           " ", "  ", "\n", ".", "-", "_", "#", "1", "٣", "A", "é", "Ö", "\u064e", "\u0640", "\u200d", "ﻻ", "ﷺ",
           "😀", "x"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=12).map("".join))
def test_the_whole_text_passes_agree_with_stripping_word_by_word(text):
    normalised = normalize_text(text)
    by_word = [strip_arabic_article(word) for word in WORD.findall(normalised)]
    assert search_words(normalised) == by_word
    assert index_text(text) == " ".join(by_word)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=30))
def test_index_text_is_the_search_words_of_the_normalised_text_for_any_text(text):
    assert index_text(text) == " ".join(strip_arabic_article(w) for w in WORD.findall(normalize_text(text)))
