"""The normalize stage: offsets that round-trip on mixed-script text, and its place in the pipeline."""

from __future__ import annotations

import pickle

from hypothesis import given, settings
from hypothesis import strategies as st

from frameline.analysis.base import DocumentInput
from frameline.analysis.normalize import NormalizeStage, table_digest
from frameline.pipeline import analyze
from frameline.pipeline.runner import recorded_config_version
from frameline.text.normalize import folding_table, normalize_text, normalize_with_offsets

ARABIC_LETTERS = list("ابتثجحخدذرزسشصضطظعغفقكلمنهوي")
ARABIC_VARIANTS = ["أ", "إ", "آ", "ٱ", "ى", "ة", "ؤ", "ئ", "ی", "ک"]
MARKS = ["\u064b", "\u064e", "\u064f", "\u0650", "\u0651", "\u0652", "\u0670", "\u0640"]  # harakat, shadda, tatweel
LATIN = list("abcXYZ") + ["é", "È", "ñ", "ß", "ﬁ", "Å", "e\u0301", "İ"]  # precomposed, combining, ligature
OTHER = [" ", "\n", ".", "،", "٣", "7", "\u200f", "\u200d", "\ufeff", "\u00ad", "ﻻ", "Ｍ"]  # bidi, ZWJ, BOM, forms
ASTRAL = ["😀", "👍🏽", "🇮🇶", "❤\ufe0f", "👨\u200d👩\u200d👧", "𝐀", "𐎀"]  # emoji, skin tone, flags, VS16, math bold

MIXED = st.lists(st.sampled_from(ARABIC_LETTERS + ARABIC_VARIANTS + MARKS + LATIN + OTHER + ASTRAL),
                 max_size=60).map("".join)


def reference_offsets(text: str) -> tuple[str, list[int]]:
    """The map built the slow, obvious way: each character folds to zero, one or several characters."""
    table, normalized, origin = folding_table(), [], []
    for index, char in enumerate(text):
        folded = table.get(ord(char), char)
        normalized.append(folded)
        origin += [index] * len(folded)
    return "".join(normalized), origin + [len(text)]


@given(MIXED)
@settings(max_examples=400, deadline=None)
def test_the_offset_map_is_the_one_character_by_character_folding_gives(text):
    normalized = normalize_with_offsets(text)
    expected_text, expected_origin = reference_offsets(text)
    assert normalized.text == normalize_text(text) == expected_text
    origin = list(range(len(text) + 1)) if normalized.origin is None else list(normalized.origin)
    assert origin == expected_origin


@given(MIXED, st.data())
@settings(max_examples=300, deadline=None)
def test_every_normalised_range_maps_back_to_original_text_that_normalises_to_it(text, data):
    normalized = normalize_with_offsets(text)
    length = len(normalized.text)
    start = data.draw(st.integers(0, length))
    end = data.draw(st.integers(start, length))
    begin, finish = normalized.to_original(start, end)
    assert 0 <= begin <= finish <= len(text)
    assert normalized.text[start:end] in normalize_text(text[begin:finish])
    if start < end:
        assert normalized.to_normalized(begin) <= start  # and back again, to where the range starts or before


@given(st.lists(st.sampled_from(ARABIC_LETTERS), min_size=2, max_size=8).map("".join),
       st.lists(st.sampled_from(MARKS), max_size=4), MIXED, MIXED)
@settings(max_examples=200, deadline=None)
def test_a_word_found_in_normalised_text_is_reported_over_the_written_word(word, marks, before, after):
    """What every detector relies on: match the plain form, highlight the decorated original."""
    decorated = word[0] + "".join(marks) + word[1:]
    text = f"{before} {decorated} {after}"
    normalized = normalize_with_offsets(text)
    position = normalized.text.index(f" {normalize_text(word)} ", len(normalize_text(before))) + 1
    begin, end = normalized.to_original(position, position + len(normalize_text(word)))
    assert text[begin:end] == decorated


def test_emoji_and_astral_characters_keep_their_place():
    text = "👍🏽 الدولـــة 𝐀 ❤\ufe0f Mósul"
    normalized = normalize_with_offsets(text)
    assert normalized.text == "👍🏽 الدوله 𝐀 ❤ mosul"
    start = normalized.text.index("mosul")
    assert text[slice(*normalized.to_original(start, start + 5))] == "Mósul"


def test_empty_text():
    normalized = normalize_with_offsets("")
    assert (normalized.text, normalized.origin, normalized.to_original(0, 0)) == ("", None, (0, 0))
    assert DocumentInput(1, "").normalized.text == ""


def test_a_document_computes_its_normalised_form_once_and_never_ships_it():
    document = DocumentInput(7, "قال الدَّوْلَةُ")
    assert document.normalized is document.normalized
    assert "normalized" not in pickle.loads(pickle.dumps(document)).__dict__


def test_the_stage_is_required_not_scheduled_and_its_version_reaches_its_dependants(tmp_path):
    from frameline.analysis.entities import EntityAnalyser
    from frameline.records import RawDocument, SourceRef
    from frameline.store import open_store, sqlite_url

    store = open_store(sqlite_url(tmp_path / "x.db"))
    store.write_documents([RawDocument(SourceRef("telegram", "Amaq"), text, native_id=str(n)) for n, text in
                           enumerate(["Fighting in Mosul", "قتال في الموصـــل", ""])])
    report = analyze(store, analysers=[EntityAnalyser], workers=1)  # normalize is added because entities needs it
    assert [(stage.name, stage.where, stage.documents) for stage in report.analysers] == [
        ("normalize", "on demand", 0), ("entities", "inline", 3)]
    assert report["normalize"].config_version == table_digest()
    stage = NormalizeStage()
    upstream = {"normalize": (stage.version, stage.config_version())}
    changed = {"normalize": ("2", stage.config_version())}
    entities = EntityAnalyser()
    assert recorded_config_version(entities, upstream) != recorded_config_version(entities, changed)
    assert {row["analyser"] for row in store.status()["analysis"]} == {"entities"}  # nothing stored for the stage
