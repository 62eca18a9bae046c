"""The watchlist: loading and validating analysts' YAML, and matching its aliases in any script."""

from __future__ import annotations

import pytest
from frameline.analysis.watchlist import Watchlist, WatchlistError, WatchlistMatcher
from frameline.workspace import init_workspace

SMALL = """
entities:
  - id: mosul
    name: Mosul
    type: place
    aliases: [Mosul, الموصل]
  - id: islamic-state
    name: Islamic State
    type: group
    aliases: [ISIS, Islamic State of Iraq and the Levant, "{IS}", داعش, الدولة الإسلامية]
"""


@pytest.fixture(scope="module")
def matcher():
    return WatchlistMatcher(Watchlist.default())


def found(matcher, text):  # noqa: ANN001, ANN201
    return [(text[m.start:m.end], m.entity.id) for m in matcher.find(text)]


def test_the_default_watchlist_loads_and_covers_the_founding_case():
    watchlist = Watchlist.default()
    ids = {entity.id for entity in watchlist.entities}
    assert {"islamic-state", "al-qaeda", "amaq", "mosul", "raqqa", "abu-bakr-al-baghdadi", "haider-al-abadi",
            "popular-mobilization-forces", "counter-terrorism-service", "sdf", "dabiq", "dabiq-magazine"} <= ids
    assert watchlist.get("islamic-state").watch is True
    assert watchlist.config_version().startswith("watchlist:")


def test_the_default_watchlist_names_the_coalition_officials_places_and_media_outlets(matcher):
    watchlist = Watchlist.default()
    expected = {
        "global-coalition": "organisation", "cjtf-oir": "armed-force", "iraqi-security-forces": "armed-force",
        "brett-mcgurk": "person", "haider-al-abadi": "person", "abu-muhammad-al-adnani": "person",
        "abu-bakr-al-baghdadi": "person", "masoud-barzani": "person",
        "mosul": "place", "nineveh": "place", "tal-afar": "place", "al-nuri-mosque": "place", "raqqa": "place",
        "fallujah": "place", "deir-ez-zor": "place",
        "amaq": "media-outlet", "al-naba": "media-outlet", "rumiyah": "media-outlet", "al-furqan": "media-outlet",
        "al-hayat-media-center": "media-outlet", "nashir": "media-outlet",
    }
    assert {entity_id: watchlist.get(entity_id).type for entity_id in expected if watchlist.get(entity_id)} == expected
    # The coalition under its own names and the Islamic State's, in both scripts.
    for text in ("the US-led coalition said", "strikes by the Global Coalition", "طائرات التحالف الدولي",
                 "قصف التحالف الصليبي"):
        assert "global-coalition" in [entity_id for _, entity_id in found(matcher, text)], text
    assert [entity_id for _, entity_id in found(matcher, "McGurk met al-Abadi in Baghdad")] == [
        "brett-mcgurk", "haider-al-abadi", "baghdad"]


def test_english_and_arabic_aliases_match_whole_words(matcher):
    text = "Daesh lost Mosul; داعش خسرت الموصل. Baghdadi is not Baghdad, and Mosuls is no word."
    assert found(matcher, text) == [("Daesh", "islamic-state"), ("Mosul", "mosul"), ("داعش", "islamic-state"),
                                    ("الموصل", "mosul"), ("Baghdadi", "abu-bakr-al-baghdadi"),
                                    ("Baghdad", "baghdad")]


def test_arabic_particles_fused_in_front_are_accepted(matcher):
    text = "معارك بالموصل وبالموصل والموصل للموصل وداعش والدولة الإسلامية"
    assert [entity for _, entity in found(matcher, text)] == [
        "mosul", "mosul", "mosul", "mosul", "islamic-state", "islamic-state"]
    assert found(matcher, "بالموصل")[0][0] == "بالموصل"  # the span is the written word


def test_an_alias_written_with_the_article_needs_it(matcher):
    assert found(matcher, "تنظيم القاعدة") == [("تنظيم القاعدة", "al-qaeda")]
    assert found(matcher, "هذه قاعدة عامة") == []  # "a rule", not al-Qaeda


def test_diacritics_tatweel_and_variants_match_and_offsets_round_trip(matcher):
    text = "أعلنت «الدَّوْلَةُ الإسلاميّـــة» سيطرتها على المـــوصــل"
    result = found(matcher, text)
    assert result == [("الدَّوْلَةُ الإسلاميّـــة", "islamic-state"), ("المـــوصــل", "mosul")]


def test_is_matches_only_as_a_capitalised_word_outside_shouting(matcher):
    assert found(matcher, "IS claimed the attack") == [("IS", "islamic-state")]
    assert found(matcher, "this is what it is") == []
    assert found(matcher, "Is it true?") == []
    assert found(matcher, "SACRIFICE IS EASY FOR THE PEOPLE OF INTEGRITY") == []


def test_the_longest_alias_wins(matcher):
    assert found(matcher, "Dabiq magazine, issue 15, and the town of Dabiq") == [
        ("Dabiq magazine", "dabiq-magazine"), ("Dabiq", "dabiq")]
    assert found(matcher, "Abu Bakr al-Baghdadi") == [("Abu Bakr al-Baghdadi", "abu-bakr-al-baghdadi")]
    assert found(matcher, "Islamic State of Iraq and the Levant") == [
        ("Islamic State of Iraq and the Levant", "islamic-state")]


def test_hyphens_and_spaces_are_the_same(matcher):
    assert found(matcher, "al Baghdadi and al-Baghdadi and Deir ez Zor") == [
        ("al Baghdadi", "abu-bakr-al-baghdadi"), ("al-Baghdadi", "abu-bakr-al-baghdadi"), ("Deir ez Zor", "deir-ez-zor")]


def test_empty_text_and_an_empty_watchlist():
    assert WatchlistMatcher(Watchlist.default()).find("") == []
    assert WatchlistMatcher(Watchlist([])).find("Mosul") == []


def test_a_workspace_without_watchlists_uses_the_default(tmp_path):
    workspace = init_workspace(tmp_path / "ws")
    assert Watchlist.from_workspace(workspace).config_version() == Watchlist.default().config_version()


def test_editing_the_workspace_watchlist_changes_the_config_version(tmp_path):
    workspace = init_workspace(tmp_path / "ws")
    path = workspace.watchlists_dir / "case.yaml"
    path.write_text(SMALL, encoding="utf-8")
    first = Watchlist.from_workspace(workspace)
    assert [entity.id for entity in first.entities] == ["mosul", "islamic-state"]
    assert first.config_version() != Watchlist.default().config_version()
    path.write_text(SMALL.replace("[Mosul, الموصل]", "[Mosul, Mossul, الموصل]"), encoding="utf-8")
    assert Watchlist.from_workspace(workspace).config_version() != first.config_version()
    path.write_text(SMALL, encoding="utf-8")
    assert Watchlist.from_workspace(workspace).config_version() == first.config_version()


@pytest.mark.parametrize(("text", "message"), [
    ("entities: [{id: x, name: X}]", "entry #1 (x): 'type' is missing"),
    ("entities: [{id: x, name: X, type: place, colour: red}]", "unknown keys ['colour']"),
    ("entities: [{id: x, name: X, type: place, aliases: Mosul}]", "'aliases' must be a list"),
    ("entities: [{id: x, name: X, type: place}, {id: x, name: Y, type: place}]", "entry x: id already used"),
    ("entities: [{id: x, name: X, type: place, aliases: [Mosul]}, {id: y, name: Y, type: place, aliases: [MOSUL]}]",
     "alias 'MOSUL' is also an alias of 'x'"),
    ("entities: [{id: x, name: X, type: place, aliases: [{text: IS, case: true}]}]", "must be a string or"),
    ("entities: {id: x}", "expected a mapping with an 'entities' list"),
    ("entities: [x", "not valid YAML"),
])
def test_invalid_watchlists_say_which_file_and_entry(tmp_path, text, message):
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(WatchlistError) as error:
        Watchlist.from_files([path])
    assert str(path) in str(error.value) and message in str(error.value)

