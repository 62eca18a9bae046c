"""The batch n-gram hasher gives exactly scikit-learn's HashingVectorizer counts (so shipped models stay valid)."""

from __future__ import annotations

import csv

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.feature_extraction.text import HashingVectorizer

from frameline.analysis import ngram_hashing
from frameline.analysis.frames_model import CHAR_SIZES, HASH_FEATURES, TOKEN, hashed_counts, ngrams
from frameline.analysis.ngram_hashing import hashed_ngram_counts
from frameline.text.normalize import normalize_text


def reference(texts: list[str], n_features: int = HASH_FEATURES):
    vectorizer = HashingVectorizer(analyzer=ngrams, n_features=n_features, alternate_sign=False, norm=None,
                                   dtype="float64")
    return vectorizer.transform(texts)


def assert_same(texts: list[str], n_features: int = HASH_FEATURES) -> None:
    expected = reference(texts, n_features)
    found = hashed_ngram_counts(texts, n_features, CHAR_SIZES, TOKEN)
    assert found.shape == expected.shape
    assert np.array_equal(found.indptr, expected.indptr)
    assert np.array_equal(found.indices, expected.indices)
    assert np.array_equal(found.data, expected.data)


def test_real_tweets_and_quotations_hash_to_the_same_counts(shared_data, monkeypatch):
    texts = []
    with open(shared_data / "isis-tweets" / "IsisFanboy.csv", encoding="utf-8", errors="replace") as handle:
        texts += [row["tweets"] or "" for row in csv.DictReader(handle)][:3000]  # English and Arabic, emoji, links
    with open(shared_data / "isis-texts" / "isis-religious-texts.csv", encoding="utf-8", errors="replace") as handle:
        texts += [row[5] for row in list(csv.reader(handle))[1:600] if len(row) > 5]
    normalised = [normalize_text(text) for text in texts]
    assert any(not text.isascii() for text in normalised) and any(len(text) > 300 for text in normalised)
    monkeypatch.setattr(ngram_hashing, "CHUNK_SENTENCES", 700)  # several chunks, stacked
    assert_same(normalised)


def test_edge_cases_hash_to_the_same_counts():
    texts = ["", "   ", "a", "ab", "abc", "abcd", "a b", "don't stop", "x" * 70_000, "ا", "الدولة الإسلامية باقية",
             "emoji 😀😀 and 𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "tab\tand\nnewline", "___ 123 ٣٤٥", "é" * 5]
    assert_same(texts)
    assert_same(texts, n_features=2 ** 10)  # many collisions: counts summed the same way
    assert hashed_ngram_counts([], HASH_FEATURES, CHAR_SIZES, TOKEN).shape == (0, HASH_FEATURES)
    assert hashed_counts([]).shape == (0, HASH_FEATURES)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(alphabet=list("ab Z'_9\n\t-ا لةى😀éß一\u0301"), max_size=40), min_size=1, max_size=6))
def test_random_text_hashes_to_the_same_counts(texts):
    assert_same(texts, n_features=2 ** 12)


def test_hashed_counts_are_sublinear_term_frequencies():
    counts = hashed_counts(["war war war"])
    expected = reference([normalize_text("war war war")])
    assert np.array_equal(counts.indices, expected.indices)
    assert np.allclose(counts.data, 1 + np.log(expected.data))
    assert counts.max() == pytest.approx(1 + np.log(3))  # the word "war" three times
