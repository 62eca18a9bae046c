"""Overlapping spans become well-nested marks, cut at every boundary and line break."""

from __future__ import annotations

from html.parser import HTMLParser

from frameline.records import Span
from frameline.web.annotations import sentences
from frameline.web.highlight import cut, render


def span(start: int, end: int, layer: str = "frame", label: str = "x") -> Span:
    return Span(1, start, end, layer, label, None, "test", "1")


class _Nesting(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.text: list[str] = []
        self.covered: dict[int, set[str]] = {}

    def handle_starttag(self, tag, attrs):  # noqa: ANN001
        self.stack.append(dict(attrs).get("data-span", tag))

    def handle_endtag(self, tag):  # noqa: ANN001
        self.stack.pop()

    def handle_data(self, data):  # noqa: ANN001
        start = sum(len(t) for t in self.text)
        for offset in range(len(data)):
            self.covered[start + offset] = {s for s in self.stack if s.isdigit()}
        self.text.append(data)


def test_overlapping_spans_nest_and_cover_exactly_their_characters():
    text = "abcdefghij\nklmnop"
    spans = [span(1, 6), span(3, 14, "quote"), span(4, 5, "entity"), span(20, 30), span(5, 5)]
    parser = _Nesting()
    parser.feed(str(render(text, spans)))
    assert parser.stack == []  # every element closed in order
    flat = "".join(parser.text)
    assert flat == text.replace("\n", "")
    # map rendered characters back to text offsets (the newline became a paragraph break)
    offsets = [i for i, c in enumerate(text) if c != "\n"]
    for rendered, original in enumerate(offsets):
        expected = {str(i) for i, s in enumerate(spans[:3]) if s.start <= original < s.end}
        assert parser.covered[rendered] == expected, original


def test_pieces_break_at_boundaries_and_newlines():
    paragraphs = cut("ab\ncd", [span(1, 4)])
    assert [[(p.start, p.end, p.spans) for p in para] for para in paragraphs] == [
        [(0, 1, ()), (1, 2, (0,))], [(3, 4, (0,)), (4, 5, ())]]


def test_arabic_paragraphs_get_direction_from_their_text():
    html = str(render("English line\nسطر عربي", []))
    assert html.count('<p dir="auto">') == 2


def test_sentences_split_on_latin_and_arabic_punctuation():
    text = "First one. Second?  هل هذا سؤال؟ نعم\nlast"
    assert [text[s:e] for s, e in sentences(text)] == ["First one.", "Second?", "هل هذا سؤال؟", "نعم", "last"]


def test_hover_evidence_reads_the_frame_analysers_cue_list():
    from frameline.web.highlight import evidence

    cued = Span(1, 0, 10, "frame", "steadfastness", 0.8, "frames", "1",
                {"evidence": [{"start": 0, "end": 4, "text": "until", "rule": "cue-en"}], "method": "rule"})
    assert evidence(cued, "until victory") == "cues: “until” (cue-en) via rule"
    learnt = Span(1, 0, 13, "frame", "steadfastness", 0.7, "frames", "1",
                  {"evidence": [{"start": 0, "end": 5, "text": "until", "rule": "model"},
                                {"start": 6, "end": 13, "text": "victory", "rule": "model"}], "method": "model"})
    assert evidence(learnt, "until victory") == "words the model weighed most: “until”, “victory”"
    assert evidence(Span(1, 0, 5, "entity", "place", 1.0, "e", "1", {"matched": "Mosul"}), "Mosul") == "matched: Mosul"
    assert evidence(Span(1, 0, 5, "quote", "quote", 1.0, "q", "1"), "Hello there") == "Hello"


def test_hover_headings_are_words_not_layer_codes():
    from frameline.web.highlight import hover_heading

    def span(layer: str, label: str, **attributes) -> Span:  # noqa: ANN003
        return Span(1, 0, 4, layer, label, 0.5, "x", "1", attributes)

    assert hover_heading(span("technique-span", "propaganda")).startswith("Technique span: some persuasion technique")
    assert hover_heading(span("technique", "Name_Calling,Labeling")) == "Technique: Name Calling,Labeling"
    assert hover_heading(span("quote", "quote", speaker="He")) == "Quote by He"
    assert hover_heading(span("quote", "quote", speaker=None)) == "Quote (speaker not found)"
    assert hover_heading(span("entity", "place", name="Mosul")) == "Entity (place): Mosul"
    assert hover_heading(span("frame", "steadfastness")) == "Frame: steadfastness"
