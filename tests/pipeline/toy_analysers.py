"""Small analysers with obvious output, for testing the runner rather than any detector.

`words` marks every capitalised word and labels the document with its word
count; `loudness` requires `words` and reads its label; `titles` is
independent of both; `fragile` raises on one chosen document.  `new_store`
and `stored_layers` build a real SQLite store and read back all it holds.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

from frameline.analysis.base import Analyser, AnalysisOutput, DocumentInput, LabelDraft
from frameline.records import RawDocument, SourceRef, SpanDraft
from frameline.store import open_store, sqlite_url

SOURCE = SourceRef(kind="telegram", name="Amaq Agency", groups=("extremist",))
CAPITALISED = re.compile(r"\b[A-Z]\w+")


class Words(Analyser):
    name = "words"
    version = "1"
    layers = ("words", "capitals")

    def analyse(self, batch: list[DocumentInput]) -> dict[int, AnalysisOutput]:
        return {
            document.id: AnalysisOutput(
                spans=[SpanDraft(m.start(), m.end(), "capitals", m.group())
                       for m in CAPITALISED.finditer(document.text)],
                labels=[LabelDraft("words", str(len(document.text.split())), 1.0)],
            )
            for document in batch
        }


class Loudness(Analyser):
    name = "loudness"
    version = "1"
    requires = ("words",)
    layers = ("loudness",)

    def analyse(self, batch: list[DocumentInput]) -> dict[int, AnalysisOutput]:
        outputs = {}
        for document in batch:
            # Exactly what it required, and nothing else (no import spans, no other analyser).
            assert {label.producer for label in document.labels} == {"words"}, document.labels
            assert {span.producer for span in document.spans} <= {"words"}
            count = int(next(label.label for label in document.labels if label.layer == "words"))
            capitals = sum(1 for span in document.spans if span.layer == "capitals")
            loudness = "loud" if capitals * 2 > count else "calm"
            outputs[document.id] = AnalysisOutput(labels=[LabelDraft("loudness", loudness)])
        return outputs


class Titles(Analyser):
    name = "titles"
    version = "1"
    layers = ("titled",)

    def analyse(self, batch: list[DocumentInput]) -> dict[int, AnalysisOutput]:
        # Documents without a title are left out: stored as "analysed, nothing found".
        return {d.id: AnalysisOutput(labels=[LabelDraft("titled", "yes")]) for d in batch if d.title}


class Fragile(Analyser):
    """Raises on the batch that holds `fail_on`; configuration is data on the instance."""

    name = "fragile"
    version = "1"
    layers = ("fragile",)

    def __init__(self, fail_on: int | None = None) -> None:
        self.fail_on = fail_on

    def analyse(self, batch: list[DocumentInput]) -> dict[int, AnalysisOutput]:
        if any(document.id == self.fail_on for document in batch):
            raise RuntimeError(f"cannot read document {self.fail_on}")
        return {document.id: AnalysisOutput(labels=[LabelDraft("fragile", "ok")]) for document in batch}


def corpus(count: int) -> list[RawDocument]:
    texts = [
        "The soldiers of the Caliphate continue until victory or martyrdom",
        "IRAQI FORCES DECLARE VICTORY IN Mosul",
        "one small setback in a much larger war",
        "Celebrations in Baghdad as Mosul is retaken",
    ]
    return [
        RawDocument(
            source=SOURCE, native_id=str(number), text=f"{texts[number % len(texts)]} ({number})",
            title="Statement" if number % 3 == 0 else None,
            published_at=datetime(2017, 7, 1 + number % 28, tzinfo=timezone.utc),
        )
        for number in range(count)
    ]


def new_store(path, count: int = 30):  # noqa: ANN001, ANN201
    store = open_store(sqlite_url(path))
    store.write_documents(corpus(count))
    return store


def stored_layers(store) -> list[tuple]:  # noqa: ANN001
    """Every span and label, without row ids, in a stable order: what two runs must agree on."""
    ids = [document.id for document in store.iter_documents()]
    rows = []
    for document_id, (spans, labels) in store.get_layers(ids).items():
        rows += [("span", document_id, s.layer, s.label, s.start, s.end, s.score, s.producer, s.producer_version,
                  s.attributes) for s in spans]
        rows += [("label", document_id, l.layer, l.label, l.score, l.producer, l.producer_version, l.attributes)
                 for l in labels]
    return sorted(rows, key=repr)


class Busy(Analyser):
    """Spends `seconds` of CPU on each batch, wherever it runs: for checking what CPU accounting sees."""

    name = "busy"
    version = "1"
    layers = ("busy",)

    def __init__(self, seconds: float = 0.3) -> None:
        self.seconds = seconds

    def analyse(self, batch: list[DocumentInput]) -> dict[int, AnalysisOutput]:
        import time

        until = time.process_time() + self.seconds
        while time.process_time() < until:
            pass
        return {document.id: AnalysisOutput(labels=[LabelDraft("busy", "yes")]) for document in batch}
