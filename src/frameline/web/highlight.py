"""A document's text with its spans as nested, toggleable highlights.

Spans of different layers overlap freely (a quote inside a frame, an entity
inside both).  HTML elements must nest, so the text is cut at every span
boundary and at every line break: inside each piece the set of covering spans
is constant, and the piece is wrapped in one <mark> per span, longest outside.
Every <mark> carries the span's index so the page can show its label, score,
producer and evidence on hover, and its layer so a layer can be switched off.
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape

from frameline.records import Span
from frameline.web.hostile_text import visible_text

LAYER_ORDER = ("frame", "technique", "technique-span", "quote", "entity")
LAYER_NAMES = {"frame": "frames", "technique": "techniques", "technique-span": "technique spans", "quote": "quotes",
               "entity": "entities", "other": "other layers"}


@dataclass(frozen=True)
class Piece:
    start: int
    end: int
    spans: tuple[int, ...]  # indices into the span list, outermost first


def cut(text: str, spans: list[Span]) -> list[list[Piece]]:
    """Paragraphs (split at newlines) of pieces with the spans covering each.

    One sweep over the sorted boundaries with the set of open spans, so a long
    document with many lines and spans costs O(boundaries × open spans).
    """
    length = len(text)
    starts: dict[int, list[int]] = {}
    ends: dict[int, list[int]] = {}
    for i, s in enumerate(spans):
        if 0 <= s.start < s.end and s.start < length:
            starts.setdefault(s.start, []).append(i)
            ends.setdefault(min(s.end, length), []).append(i)
    newlines = [i for i, char in enumerate(text) if char == "\n"]
    points = sorted({0, length, *starts, *ends, *newlines, *(i + 1 for i in newlines)})
    paragraphs: list[list[Piece]] = [[]]
    open_spans: set[int] = set()
    for start, end in zip(points, points[1:]):
        open_spans.difference_update(ends.get(start, ()))
        open_spans.update(starts.get(start, ()))
        if end == start + 1 and text[start] == "\n":
            paragraphs.append([])
            continue
        covering = sorted(open_spans, key=lambda i: (spans[i].start, -spans[i].end, i))
        paragraphs[-1].append(Piece(start, end, tuple(covering)))
    return paragraphs


def render(text: str, spans: list[Span]) -> Markup:
    """The text as <p dir="auto"> paragraphs with nested <mark> elements; everything escaped."""
    out: list[str] = []
    for paragraph in cut(text, spans):
        body: list[str] = []
        for piece in paragraph:
            inner = str(visible_text(text[piece.start:piece.end]))
            for index in reversed(piece.spans):
                span = spans[index]
                inner = (f'<mark class="hl hl-{escape(layer_class(span.layer))}" data-span="{index}">'
                         f"{inner}</mark>")
            body.append(inner)
        out.append(f'<p dir="auto">{"".join(body) or "&#8203;"}</p>')
    return Markup("".join(out))


def layer_class(layer: str) -> str:
    """A CSS-safe layer name; unknown layers share one style."""
    return layer if layer in LAYER_ORDER else "other"


def evidence(span: Span, text: str) -> str:
    """What the analyser matched or said in support, for the hover card.

    Analysers describe evidence in their own attributes: a string, or (the frames
    analyser) a list of {text, rule} cues; otherwise the matched alias, speaker,
    name or value; at worst the covered text itself.
    """
    attributes = span.attributes or {}
    found = attributes.get("evidence")
    if isinstance(found, list) and found:
        items = [item for item in found[:6] if isinstance(item, dict)]
        if items and all(item.get("rule") == "model" for item in items):  # a sentence only the model found
            words = ", ".join(f"“{item.get('text', '')}”" for item in items)
            return f"words the model weighed most: {words}"[:400]
        cues = [f"“{item.get('text', '')}”" + (f" ({item['rule']})" if item.get("rule") else "") for item in items]
        prefix = "cues: " if cues else ""
        return (prefix + ", ".join(cues) + (f" via {attributes['method']}" if attributes.get("method") else ""))[:400]
    if found:
        return str(found)[:400]
    for key in ("matched", "speaker", "name", "value"):
        value = attributes.get(key)
        if value:
            return f"{key}: {value}"[:400]
    return text[span.start:span.end][:200]


def hover_heading(span: Span) -> str:
    """The hover card's first line in words: 'Technique: Loaded Language', not 'technique-span: propaganda'."""
    attributes = span.attributes or {}
    if span.layer == "technique-span":
        return "Technique span: some persuasion technique is likely used here (its kind is in the techniques layer)"
    if span.layer == "technique":
        return f"Technique: {span.label.replace('_', ' ')}"
    if span.layer == "entity":
        name = attributes.get("name")
        return f"Entity ({span.label}): {name}" if name else f"Entity: {span.label}"
    if span.layer == "quote":
        speaker = attributes.get("entity_name") or attributes.get("speaker")
        return f"Quote by {speaker}" if speaker else "Quote (speaker not found)"
    if span.layer == "frame":
        return f"Frame: {span.label}"
    return f"{span.layer}: {span.label}"
