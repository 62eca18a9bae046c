"""The codebook voice gate: a sentence in the reporting voice gets none of a jihadist codebook's frames.

Annotation guide, "whose voice": a news sentence that names the group in an outsider's words or attributes
what it tells to officials is not the group's framing, unless it reports the group's own speech; a
supporter's tweet is the group's voice whatever names it uses.
"""

from __future__ import annotations

import dataclasses

import pytest

from frameline.codebook import CodebookError, packaged_codebooks, parse_codebook
from frameline.codebook.matcher import CodebookMatcher

FRAMES = """\
frames:
  - id: brutality
    name: Brutality
    definition: Executions shown as just punishment.
    sources: [test]
    cues:
      en: [behead*]
"""
VOICE = """\
voice:
  reporting:
    - id: outsider-name
      regex: "\\\\b(isis|is) militants\\\\b|\\\\bjihadists?\\\\b"
    - id: officials-said
      regex: "\\\\bofficials (said|say)\\\\b"
  speech:
    - id: group-statement
      regex: "\\\\b(statement|amaq)\\\\b"
"""
WITH_VOICE = "id: gated\nname: Gated\n" + VOICE + FRAMES
WITHOUT_VOICE = "id: plain\nname: Plain\n" + FRAMES


def frames(book: str, text: str) -> list[str]:
    return [hit.frame.id for hit in CodebookMatcher([parse_codebook(book)]).find(text)]


def test_a_news_sentence_naming_the_group_as_outsiders_do_gets_no_frame():
    assert frames(WITH_VOICE, "ISIS militants beheaded two aid workers, officials said.") == []
    assert frames(WITH_VOICE, "Jihadists beheaded two aid workers.") == []


def test_the_same_cue_in_the_groups_reported_speech_or_a_supporters_tweet_keeps_its_frame():
    assert frames(WITH_VOICE, "ISIS militants beheaded two spies, the group's statement said.") == ["brutality"]
    assert frames(WITH_VOICE, "#ISIS beheaded 2 spies in Sirte, Allahu akbar") == ["brutality"]
    # the gate is per sentence: the reporting sentence loses its frame, the supporter's keeps it
    assert frames(WITH_VOICE, "Jihadists beheaded a man. #IS soldiers beheaded the spy.") == ["brutality"]


def test_a_codebook_without_a_voice_is_matched_as_before():
    assert parse_codebook(WITHOUT_VOICE).voice is None
    assert frames(WITHOUT_VOICE, "ISIS militants beheaded two aid workers, officials said.") == ["brutality"]
    gated, plain = parse_codebook(WITH_VOICE), parse_codebook(WITHOUT_VOICE)
    matcher = CodebookMatcher([gated, plain])
    found = [(hit.codebook.id, hit.frame.id) for hit in matcher.find("Jihadists beheaded two aid workers.")]
    assert found == [("plain", "brutality")]


def test_the_shipped_jihadist_codebook_respects_the_reporting_voice():
    book = next(book for book in packaged_codebooks() if book.id == "jihadist-narratives")
    assert book.voice is not None

    def found(codebook, text):
        return sorted({hit.frame.id for hit in CodebookMatcher([codebook]).find(text)})

    ungated = dataclasses.replace(book, voice=None)
    for report in ["The extremists in Raqqa beheaded the apostate spies, according to police.",
                   "Extremists in Raqqa tell recruits it is victory or martyrdom, analysts say."]:
        assert found(ungated, report) and found(book, report) == []  # the cues are there; the voice removes them
    assert "brutality" in found(book, "ISIS beheaded the apostate spies in the city square.")
    assert "brutality" in found(book, "In a statement, the Islamic State said its soldiers beheaded the apostate spies.")
    assert found(book, "IS militants said the loss of Mosul was a small setback.") == ["minimisation-of-loss"]


@pytest.mark.parametrize("voice, line, location, reason", [
    ("voice:\n  speech: []\n", 4, "voice", "'reporting' is a required property"),
    ("voice:\n  reporting:\n    - id: loud\n      regex: \"ISIL\"\n", 6, "voice.reporting[0].regex", "capital letters"),
    ("voice:\n  reporting:\n    - id: open\n      regex: \"(isil\"\n", 6, "voice.reporting[0].regex", "does not compile"),
    ("voice:\n  reporting:\n    - id: w\n      regex: \"isil\"\n      weight: 2\n", 5, "voice.reporting[0]",
     "weight"),
])
def test_a_broken_voice_is_reported_with_its_path_and_line(voice, line, location, reason):
    with pytest.raises(CodebookError) as caught:
        parse_codebook("id: gated\nname: Gated\n" + voice + FRAMES, "gated.yaml")
    assert caught.value.location == location
    assert caught.value.line == line
    assert reason in caught.value.reason


def test_validate_reports_the_gate_and_diff_lists_its_markers(tmp_path):
    from typer.testing import CliRunner

    from frameline.cli import app
    from frameline.codebook.diff import diff_codebooks

    path = tmp_path / "gated.yaml"
    path.write_text(WITH_VOICE, encoding="utf-8")
    result = CliRunner().invoke(app, ["codebook", "validate", str(path)])
    assert result.exit_code == 0 and "voice gate: 2 reporting and 1 speech markers" in result.output
    changes = diff_codebooks(parse_codebook(WITHOUT_VOICE), parse_codebook(WITH_VOICE))
    assert [(change.frame, change.details[0]) for change in changes] == [
        ("(voice)", "+ reporting marker officials-said: \\bofficials (said|say)\\b")]
