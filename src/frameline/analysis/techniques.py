"""Persuasion techniques (the 14 of the Propaganda Techniques Corpus) as highlighted character spans.

Two analysers, so span finding and labelling can be re-run and scored apart,
as the shared task scores them:

- `technique-spans` finds the spans that use some technique (layer
  "technique-span", label "propaganda", score = the CRF's mean inside
  probability);
- `techniques` labels each of those spans with one or more of the 14
  techniques (layer "technique", label = the PTC label, score = the
  classifier's probability, attributes `model` and `version`).  The best
  technique is always written; a second or third one too when its probability
  is at least `SECOND_LABEL_MIN` (the corpus gives ~10% of spans two labels).

Only English is covered: the models are trained on English news articles from
the PTC (research-only data; see the README for how well they score).  A
document whose language (from the language analyser) is not English gets a
label "not-covered" in layer "technique-span" instead of spans, so the UI can
say "not analysed for techniques" rather than "no techniques found".
"""

from __future__ import annotations

from typing import Any

from frameline.analysis.base import Analyser, AnalysisOutput, DocumentInput, LabelDraft
from frameline.records import SpanDraft

SPAN_LAYER = "technique-span"
LAYER = "technique"
COVERED_LANGUAGES = ("en",)
SECOND_LABEL_MIN = 0.3
MAX_LABELS = 3
MAX_CHARS = 200_000  # per document: past that, a book, not a post; the rest is left unanalysed (and said so)


def document_language(document: DocumentInput) -> str | None:
    """The language analyser's verdict (its label), else the stored document language."""
    for label in document.labels:
        if label.layer == "language":
            return label.label
    return document.language


class _ModelAnalyser(Analyser):
    def __init__(self, models_folder: str | None = None) -> None:
        self.models_folder = models_folder
        self._models: Any = None

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_models": None}  # loaded per process by setup()

    def setup(self) -> None:
        if self._models is None:
            from frameline.ptc.models import TechniqueModels

            self._models = TechniqueModels.load(self.models_folder)

    def config_version(self) -> str:
        """The trained files' digest: retraining makes every result stale."""
        self.setup()
        return self._models.version


class TechniqueSpanAnalyser(_ModelAnalyser):
    """Where a text uses a propaganda technique (any of them), in the languages the models cover."""

    name = "technique-spans"
    version = "1"
    requires = ("language",)
    layers = (SPAN_LAYER,)

    def analyse(self, batch: list[DocumentInput]) -> dict[int, AnalysisOutput]:
        self.setup()
        return {document.id: self.analyse_document(document) for document in batch}

    def analyse_document(self, document: DocumentInput) -> AnalysisOutput:
        language = document_language(document)
        if language not in COVERED_LANGUAGES:
            return AnalysisOutput(labels=[LabelDraft(SPAN_LAYER, "not-covered", None, {
                "language": language, "covered": list(COVERED_LANGUAGES)})])
        text = document.text or ""
        attributes = {"model": "ptc-crf", "version": self._models.version}
        spans = [SpanDraft(start, end, SPAN_LAYER, "propaganda", round(score, 4), dict(attributes))
                 for start, end, score in self._models.spans.predict(text[:MAX_CHARS])]
        labels = [LabelDraft(SPAN_LAYER, "covered", None, {"language": language, "spans": len(spans),
                                                           **({"scanned_chars": MAX_CHARS} if len(text) > MAX_CHARS else {})})]
        return AnalysisOutput(spans=spans, labels=labels)


class TechniqueAnalyser(_ModelAnalyser):
    """Which of the 14 PTC techniques each found span uses (several when the model is unsure between them)."""

    name = "techniques"
    version = "1"
    requires = ("technique-spans",)
    layers = (LAYER,)

    def analyse(self, batch: list[DocumentInput]) -> dict[int, AnalysisOutput]:
        self.setup()
        return {document.id: self.analyse_document(document) for document in batch}

    def analyse_document(self, document: DocumentInput) -> AnalysisOutput:
        found = [(span.start, span.end, span.score) for span in document.spans if span.layer == SPAN_LAYER]
        if not found:
            return AnalysisOutput()
        classifier = self._models.techniques
        probabilities = classifier.probabilities(document.text, [(start, end) for start, end, _ in found])
        attributes = {"model": "ptc-svm", "version": self._models.version}
        spans = []
        for (start, end, span_score), row in zip(found, probabilities):
            order = row.argsort()[::-1]
            for rank, column in enumerate(order[:MAX_LABELS]):
                if rank and row[column] < SECOND_LABEL_MIN:
                    break
                spans.append(SpanDraft(start, end, LAYER, classifier.techniques[column], round(float(row[column]), 4),
                                       {**attributes, "span_score": span_score, "rank": rank + 1}))
        return AnalysisOutput(spans=spans)
