"""A small two-camp corpus around the fall of Mosul, with frame and entity layers written as analysers would."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from frameline.records import DocLabel, RawDocument, SourceRef, Span

AMAQ = SourceRef(kind="telegram", name="Amaq Agency", handle="@amaq", groups=("extremist",))
NASHIR = SourceRef(kind="telegram", name="Nashir News", handle="@nashir", groups=("extremist",))
REUTERS = SourceRef(kind="rss", name="Reuters World", groups=("mainstream",))
START = datetime(2017, 6, 20, 12, tzinfo=timezone.utc)

STEADFAST = "The soldiers of the Caliphate remain steadfast until victory or martyrdom."
SETBACK = "Mosul is one small setback in a much larger war."
VICTORY = "Iraq declared victory over the militants in Mosul."
CELEBRATE = "Crowds celebrated in the streets of Baghdad."


def frame_span(text: str, sentence: str, frame: str, score: float, name: str) -> Span:
    start = text.index(sentence)
    return Span(0, start, start + len(sentence), "frame", frame, score, "", "",
                {"sentence": sentence, "evidence": sentence.split()[1], "name": name})


def frame_label(frame: str, score: float, name: str) -> DocLabel:
    return DocLabel(0, "frame", frame, score, "", "", {"name": name})


def entity_label(entity_id: str, name: str) -> DocLabel:
    return DocLabel(0, "entity", entity_id, 1.0, "", "", {"name": name})


def build(store) -> dict[str, list[int]]:  # noqa: ANN001
    """20 extremist documents (Amaq, Nashir) and 20 mainstream (Reuters), one a day from 2017-06-20.

    Extremist: 12 carry "f-steadfast" (scores 0.50..0.61), 4 "f-victory"; mainstream:
    2 "f-steadfast", 14 "f-victory".  Entities: isis+mosul on extremist documents,
    iraq+mosul (and abadi on every other one) on mainstream ones.
    """
    ids: dict[str, list[int]] = {"extremist": [], "mainstream": []}
    outputs_frames: dict[int, tuple[list[Span], list[DocLabel]]] = {}
    outputs_entities: dict[int, tuple[list[Span], list[DocLabel]]] = {}
    for i in range(20):
        source = AMAQ if i % 2 else NASHIR
        text = f"{STEADFAST} {SETBACK}" if i < 12 else f"Report {i}. {VICTORY}"
        result = store.write_documents([RawDocument(source=source, text=text, native_id=f"x{i}",
                                                     published_at=START + timedelta(days=i), language="en")])
        document_id = result.new_ids[0]
        ids["extremist"].append(document_id)
        if i < 12:
            outputs_frames[document_id] = ([frame_span(text, STEADFAST, "f-steadfast", 0.5 + i / 100, "Steadfastness")],
                                           [frame_label("f-steadfast", 0.5 + i / 100, "Steadfastness")])
        elif i < 16:
            outputs_frames[document_id] = ([frame_span(text, VICTORY, "f-victory", 0.4, "Victory")],
                                           [frame_label("f-victory", 0.4, "Victory")])
        outputs_entities[document_id] = ([], [entity_label("isis", "Islamic State"), entity_label("mosul", "Mosul")])
    for i in range(20):
        text = f"{VICTORY} {CELEBRATE}" if i < 14 else f"Update {i}. {STEADFAST}"
        result = store.write_documents([RawDocument(source=REUTERS, text=text, native_id=f"r{i}",
                                                    published_at=START + timedelta(days=i), language="en")])
        document_id = result.new_ids[0]
        ids["mainstream"].append(document_id)
        if i < 14:
            outputs_frames[document_id] = ([frame_span(text, VICTORY, "f-victory", 0.9 - i / 100, "Victory")],
                                           [frame_label("f-victory", 0.9 - i / 100, "Victory")])
        elif i < 16:
            outputs_frames[document_id] = ([frame_span(text, STEADFAST, "f-steadfast", 0.3, "Steadfastness")],
                                           [frame_label("f-steadfast", 0.3, "Steadfastness")])
        entities = [entity_label("iraq", "Iraq"), entity_label("mosul", "Mosul")]
        if i % 2 == 0:
            entities.append(entity_label("abadi", "Haider al-Abadi"))
        outputs_entities[document_id] = ([], entities)
    store.write_analysis("frames", "1", outputs_frames)
    store.write_analysis("entities", "1", outputs_entities)
    return ids
