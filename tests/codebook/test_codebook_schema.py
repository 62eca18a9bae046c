"""Codebook files: the packaged ones are valid; broken ones are rejected with the YAML path and line."""

from __future__ import annotations

import pytest

from frameline.codebook import CodebookError, packaged_codebooks, parse_codebook

MINIMAL = """\
id: tiny
name: Tiny
themes:
  - {id: t, name: Theme}
frames:
  - id: steadfast
    name: Steadfast
    parent: t
    definition: Vows to fight on until victory or martyrdom.
    sources: [mosul2017]
    cues:
      en: [steadfast, {text: patience, weight: 0.5}]
      ar: [ثبات]
    patterns:
      - id: victory-or-martyrdom
        regex: "victory or martyrdom"
"""


def test_the_packaged_codebooks_are_valid_and_ground_every_frame_in_a_reference():
    books = {book.id: book for book in packaged_codebooks()}
    assert set(books) == {"jihadist-narratives", "counter-narratives"}
    winter = {"brutality", "mercy", "victimhood", "war", "belonging", "utopia"}
    assert winter <= set(books["jihadist-narratives"].frame_ids())
    assert {"official-victory", "celebration", "humanitarian-cost", "threat-persistence",
            "delegitimise-group"} == set(books["counter-narratives"].frame_ids())
    for book in books.values():
        for frame in book.frames:
            assert all(source in book.references for source in frame.sources), frame.id
            assert {cue.language for cue in frame.cues} >= {"en", "ar"}, frame.id


def test_a_minimal_codebook_parses_with_weights_and_patterns():
    book = parse_codebook(MINIMAL, "tiny.yaml")
    frame = book.frame("steadfast")
    assert [(cue.text, cue.language, cue.weight) for cue in frame.cues] == [
        ("steadfast", "en", 1.0), ("patience", "en", 0.5), ("ثبات", "ar", 1.0)]
    assert frame.patterns[0].id == "victory-or-martyrdom"
    assert book.frame_list()[0].parent_name == "Theme"


def test_the_version_is_the_content_hash():
    assert parse_codebook(MINIMAL).version == parse_codebook(MINIMAL).version
    assert parse_codebook(MINIMAL).version != parse_codebook(MINIMAL.replace("Tiny", "Small")).version


@pytest.mark.parametrize(("broken", "line", "location", "reason"), [
    (MINIMAL.replace("    sources: [mosul2017]\n", ""), 6, "frames[0]", "'sources' is a required property"),
    (MINIMAL.replace("weight: 0.5", "weight: -1"), 12, "frames[0].cues.en[1]", "must be a string or a mapping"),
    (MINIMAL.replace("    parent: t\n", "    parent: t\n    colour: red\n"), 9, "frames[0].colour", "does not match"),
    (MINIMAL.replace("parent: t", "parent: nowhere"), 8, "frames[0].parent", "not a theme id"),
    (MINIMAL.replace('"victory or martyrdom"', '"victory (or martyrdom"'), 16, "frames[0].patterns[0].regex",
     "does not compile"),
    (MINIMAL.replace("  - id: steadfast", "  - id: steadfast\n    colour_of_sky: x"), 6, "frames[0]", "colour_of_sky"),
])
def test_errors_name_the_yaml_path_and_line(broken, line, location, reason):
    with pytest.raises(CodebookError) as caught:
        parse_codebook(broken, "tiny.yaml")
    error = caught.value
    assert (error.line, error.location) == (line, location)
    assert reason in error.reason
    assert str(error).startswith(f"tiny.yaml:{line} ({location})")


def test_invalid_yaml_reports_its_line():
    with pytest.raises(CodebookError) as caught:
        parse_codebook("id: x\nname: [unclosed\nframes: []\n", "bad.yaml")
    assert caught.value.line == 3 and "not valid YAML" in caught.value.reason


def test_duplicate_frame_ids_are_rejected():
    doubled = MINIMAL + MINIMAL[MINIMAL.index("  - id: steadfast"):]
    with pytest.raises(CodebookError, match="used twice"):
        parse_codebook(doubled, "tiny.yaml")
