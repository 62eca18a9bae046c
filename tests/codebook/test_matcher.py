"""Cue matching: word boundaries, English inflections, Arabic clitics and suffixes, patterns, negatives."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from frameline.codebook import packaged_codebooks, parse_codebook
from frameline.codebook.matcher import CodebookMatcher

BOOK = """\
id: test
name: Test
frames:
  - id: enemy
    name: Enemy
    definition: The enemy named in the group's own words.
    sources: [test]
    cues:
      en: [crusader, apostate army, celebrate, casualty, "martyr*", {text: shiites, weight: 0.5}, {text: coalition, weight: 0.5}]
      ar: [الصليبيين, روافض, الخلافة]
    negative:
      en: [crusade against terror]
  - id: setback
    name: Setback
    definition: Losses made small and temporary.
    sources: [test]
    patterns:
      - id: small-setback
        regex: "(small|temporary|minor) setback"
"""


def find(text):
    matcher = CodebookMatcher([parse_codebook(BOOK)])
    return [(hit.frame.id, [text[item.start:item.end] for item in hit.evidence]) for hit in matcher.find(text)]


def test_english_inflections_match_but_other_words_do_not():
    assert find("The Crusaders came.") == [("enemy", ["Crusaders"])]
    assert find("They are celebrating. Casualties rose. Martyrdom.") == [
        ("enemy", ["celebrating"]), ("enemy", ["Casualties"]), ("enemy", ["Martyrdom"])]
    assert find("Crusaderism and precrusader are not cues.") == []


def test_weak_cues_need_company_in_the_same_sentence():
    assert find("The Shiites fled.") == []
    assert find("The Shiites fled. The coalition came.") == []
    assert find("The Shiites and the coalition came.") == [("enemy", ["Shiites", "coalition"])]


def test_arabic_clitics_suffixes_and_ta_marbuta():
    text = "قاتلوا والصليبيين وللروافض وخلافتهم"
    hits = find(text)
    assert hits == [("enemy", ["والصليبيين", "وللروافض", "وخلافتهم"])]


def test_arabic_article_cue_needs_the_article_and_folding_applies():
    assert find("صليبيين") == []  # written with the article in the codebook, so the bare form is another word
    assert find("الْصَّلِيبِيِّين") == [("enemy", ["الْصَّلِيبِيِّين"])]


def test_patterns_and_negative_cues():
    assert find("It was one SMALL setback in a larger war.") == [("setback", ["SMALL setback"])]
    assert find("The crusader states launched a crusade against terror.") == []


def test_a_pattern_hit_inside_a_sentence_is_found_after_a_match_that_ran_across_sentences():
    book = BOOK + """      - id: bombed-civilians
        regex: "jets bombed .{0,40}civilians"
"""
    text = "The jets bombed the base. Jets bombed civilians."
    hits = CodebookMatcher([parse_codebook(book)]).find(text)
    # Run over the whole text, the first match would span both sentences (and be dropped as such) and hide
    # the second sentence's own match.
    assert [(hit.sentence_index, [text[item.start:item.end] for item in hit.evidence]) for hit in hits] == [
        (1, ["Jets bombed civilians"])]


def test_evidence_offsets_are_into_the_original_text():
    text = "Said:  «the CRUSADERS — and the apostate-army»."
    hits = CodebookMatcher([parse_codebook(BOOK)]).find(text)
    assert [text[item.start:item.end] for item in hits[0].evidence] == ["CRUSADERS", "apostate-army"]


def test_the_founding_case_framings_are_found_by_the_default_codebooks():
    matcher = CodebookMatcher(packaged_codebooks())
    text = ("The soldiers of the Caliphate continue until victory or martyrdom. "
            "The loss of Mosul is one small setback in a much larger war against the Shiites and the Crusader coalition.")
    frames = {(hit.sentence_index, hit.frame.id) for hit in matcher.find(text)}
    assert {(0, "steadfastness"), (1, "minimisation-of-loss"), (1, "sectarian-enemy"), (1, "crusader-enemy")} <= frames


def test_hashtags_and_runs_of_white_space_do_not_break_phrases():
    text = "Fighting the #apostate   army; #الصليبيين"
    assert find(text) == [("enemy", ["apostate   army", "الصليبيين"])]


def test_long_vowels_damaged_to_question_marks_read_as_the_cue_word():
    # The Fifth Tribe release of the Dabiq/Rumiyah quotations wrote "?" for ā/ī/ū and for the hamza.
    text = "They fight the cr?saders and the apostate army of the R?fidah."
    book = BOOK.replace("[crusader,", "[crusader, rafidah,")
    hits = CodebookMatcher([parse_codebook(book)]).find(text)
    assert [text[item.start:item.end] for item in hits[0].evidence] == ["cr?saders", "apostate army", "R?fidah"]
    assert hits[0].evidence[0].rule == "cue:en:crusader"
    assert find("Qu?te unrelated?") == []


def test_the_default_war_patterns_match_the_communique_sentence_shapes():
    matcher = CodebookMatcher(packaged_codebooks())

    def frames(text):
        return {hit.frame.id for hit in matcher.find(text)}

    assert "war" in frames("IS killed 60 VSO militants in Mare city.")
    assert "war" in frames("50 of the Syrian army troops killed in the night raid.")
    assert "war" not in frames("50 ISIS militants killed by Turkish strikes on IS positions.")


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=list("ab  \t\n\r"), max_size=30))
def test_collapsed_offsets_map_back_to_the_first_character_at_or_after(text):
    from frameline.codebook.matcher import _Collapsed

    collapsed = _Collapsed(text)
    assert "  " not in collapsed.text and not any(char in collapsed.text for char in "\t\n\r")
    for index in range(len(text) + 1):  # every character and the end
        expected = next((position for position in range(len(collapsed.text) + 1)
                         if collapsed.to_spaced(position) >= index), len(collapsed.text))
        assert collapsed.to_collapsed(index) == expected, (text, index)
