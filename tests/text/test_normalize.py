"""Arabic-aware normalisation and the offset map back to the original text."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from frameline.text.normalize import normalize_text, normalize_with_offsets


@pytest.mark.parametrize("variant, expected", [
    ("أمير", "امير"), ("إسلام", "اسلام"), ("آمن", "امن"), ("ٱلله", "الله"),  # alef forms
    ("مستشفى", "مستشفي"),  # alef maqsura
    ("الدولة", "الدوله"),  # ta marbuta
    ("مؤمن", "مومن"), ("شيئ", "شيي"),  # hamza seats
    ("الخلافـــة", "الخلافه"),  # tatweel
    ("الشَّهَادَةُ", "الشهاده"),  # diacritics
    ("٢٠١٧", "2017"),  # Arabic-Indic digits
    ("Mósul STRASSE Straße", "mosul strasse strasse"),  # case and accents
    ("ﻻ", "لا"),  # presentation form from a PDF
    ("a\u200fb\u202ec", "abc"),  # bidi controls vanish
])
def test_spelling_variants_normalise_to_one_form(variant, expected):
    assert normalize_text(variant) == expected


def test_plain_ascii_maps_by_identity():
    assert normalize_with_offsets("mosul").origin is None


def test_a_match_in_normalised_text_maps_back_to_the_original_word_with_its_marks():
    original = "قال: الدَّوْلَةُ الإسلاميـــة باقية"
    normalized = normalize_with_offsets(original)
    start = normalized.text.index("الاسلاميه")
    begin, end = normalized.to_original(start, start + len("الاسلاميه"))
    assert original[begin:end] == "الإسلاميـــة"
    start = normalized.text.index("الدوله")
    begin, end = normalized.to_original(start, start + len("الدوله"))
    assert original[begin:end] == "الدَّوْلَةُ"


def test_expansions_map_back_to_the_single_original_character():
    original = "Die Straße"
    normalized = normalize_with_offsets(original)
    assert normalized.text == "die strasse"
    start = normalized.text.index("strasse")
    assert original[slice(*normalized.to_original(start, start + 7))] == "Straße"
    assert original[slice(*normalized.to_original(start + 4, start + 5))] == "ß"  # half of "ss"


TEXT = st.text(alphabet=st.sampled_from(list("abc ßÉé") + ["\u0640", "\u064e", "\u0651", "ة", "أ", "ى", "ل", "م", "\u200f", "٣"]),
               max_size=40)


@given(TEXT)
@settings(max_examples=300, deadline=None)
def test_every_normalised_word_maps_back_to_an_original_range_that_normalises_to_it(text):
    normalized = normalize_with_offsets(text)
    assert normalized.text == normalize_text(text)
    for match in re.finditer(r"\w+", normalized.text):
        begin, end = normalized.to_original(match.start(), match.end())
        assert 0 <= begin <= end <= len(text)
        assert match.group() in normalize_text(text[begin:end])


def test_five_megabytes_of_mixed_text_normalise_with_offsets():
    text = ("الدَّوْلَةُ الإسلاميـــة in Mósul " * 200_000)[:5_000_000]
    normalized = normalize_with_offsets(text)
    assert len(normalized.origin) == len(normalized.text) + 1
    assert normalized.origin[-1] == len(text)
