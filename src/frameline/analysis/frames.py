"""The `frames` analyser: narrative frames per sentence, with the words that say so, and per document.

Layered, as the codebook issue asks:

1. rules: every active codebook's cues and patterns (`codebook.matcher`) mark
   the sentences that carry a frame, with the matched words as evidence and
   the rule ids that fired, scored by how often that frame's rules were right
   on held-out gold (`frames_calibration`);
2. model: the workspace's classifier for a codebook when `frameline train
   frames` has stored one, else the one shipped for a default codebook
   (`frames_default`); its calibrated probabilities add the sentences the cues
   miss (and score the ones they find); where the model carries a decision
   layer (`frames_decision`), that layer decides each sentence and frame from
   both layers' evidence, and may drop a cue's sentence it doubts;
3. combiner (`frames_combine`): each document gets one label per frame, with a
   score and its evidence sentences.

Spans and labels use layer "frame", label = frame id (unique across active
codebooks), with the codebook, its version and the frame's human name in the
attributes.  `config_version()` folds in the codebook versions and model
versions, so editing a codebook or retraining re-runs this analyser only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from frameline.analysis.base import Analyser, AnalysisOutput, DocumentInput, LabelDraft
from frameline.analysis.frames_calibration import rule_confidence, rule_frames, text_kind
from frameline.analysis.frames_combine import SentenceFrame, combine_document
from frameline.codebook.matcher import CodebookMatcher
from frameline.codebook.model import Codebook, parse_codebook
from frameline.codebook.store import active_codebooks
from frameline.records import SpanDraft
from frameline.text.sentences import split_sentences

if TYPE_CHECKING:
    from frameline.analysis.frames_model import FrameClassifier
    from frameline.workspace import Workspace

LAYER = "frame"


class FrameAnalyser(Analyser):
    name = "frames"
    version = "1"
    layers = (LAYER,)

    def __init__(self, codebooks: list[Codebook] | None = None, models: dict[str, bytes] | None = None) -> None:
        # Pickled to workers as text and bytes; matcher and models are rebuilt by setup().
        books = codebooks if codebooks is not None else active_codebooks(None)
        self._codebook_texts = [(book.text, book.source) for book in books]
        self._model_blobs = dict(models or {})
        self._matcher: CodebookMatcher | None = None
        self._models: dict[str, FrameClassifier] = {}
        self._versions = [(book.id, book.version) for book in books]

    @classmethod
    def from_workspace(cls, workspace: Workspace | None) -> FrameAnalyser:
        """The workspace's codebooks, each with the workspace's own trained model if it has one, else the model
        shipped with the package for that codebook id (`frames_default`), else rules only."""
        from frameline.analysis.frames_default import packaged_models
        from frameline.analysis.frames_model import stored_models

        codebooks = active_codebooks(workspace)
        models = packaged_models(codebooks)
        if workspace is not None:
            models.update(stored_models(workspace, codebooks))
        return cls(codebooks, models)

    def config_version(self) -> str:
        from frameline.analysis.frames_model import model_version

        parts = sorted(f"{codebook_id}@{version}" for codebook_id, version in self._versions)
        parts += [f"model:{codebook_id}@{model_version(blob)}" for codebook_id, blob in sorted(self._model_blobs.items())]
        return ";".join(parts)

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_matcher"], state["_models"] = None, {}
        return state

    def setup(self) -> None:
        from frameline.analysis.frames_model import FrameClassifier

        codebooks = [parse_codebook(text, source) for text, source in self._codebook_texts]
        self._codebooks = {book.id: book for book in codebooks}
        self._matcher = CodebookMatcher(codebooks)
        self._models = {codebook_id: FrameClassifier.from_bytes(blob) for codebook_id, blob in self._model_blobs.items()
                        if codebook_id in self._codebooks}

    def analyse(self, batch: list[DocumentInput]) -> dict[int, AnalysisOutput]:
        if self._matcher is None:
            self.setup()
        sentences = {document.id: split_sentences(document.text) for document in batch}
        # The models score every sentence of the batch in one call per codebook (per-call overhead dominates).
        batch_probabilities: dict[str, dict[str, list[float]]] = {}
        if self._models:
            from frameline.analysis.frames_model import hashed_counts

            pieces = [document.text[start:end] for document in batch for start, end in sentences[document.id]]
            counts = hashed_counts(pieces) if pieces else None  # one hashing pass shared by every codebook's model
            for codebook_id, model in self._models.items():
                batch_probabilities[codebook_id] = model.predict(pieces, counts)
        found, offset = {}, 0
        for document in batch:
            count = len(sentences[document.id])
            probabilities = {codebook_id: {frame: values[offset:offset + count] for frame, values in by_frame.items()}
                             for codebook_id, by_frame in batch_probabilities.items()}
            found[document.id] = self._detect(document.text, sentences[document.id], probabilities, explain=False)
            offset += count
        for codebook_id, model in self._models.items():  # evidence words for the whole batch at once
            model.explain([(document.text, item) for document in batch for item in found[document.id]
                           if item.codebook == codebook_id and item.method == "model"])
        return {document.id: self._output(document.text, found[document.id]) for document in batch}

    def sentence_probabilities(self, text: str, sentences: list[tuple[int, int]]) -> dict[int, dict[str, float]]:
        """Sentence index -> frame -> the machine's confidence (for uncertainty sampling): the decision layer's
        probability for every frame of a codebook whose model has one, else the model's probability for every
        frame of a codebook that has a model, else the rule score where a rule fired."""
        if self._matcher is None:
            self.setup()
        assert self._matcher is not None
        scores: dict[int, dict[str, float]] = {}
        kind = text_kind(text)
        hits = self._matcher.find(text, sentences)
        for hit in hits:
            if hit.codebook.id not in self._models:
                scores.setdefault(hit.sentence_index, {})[hit.frame.id] = rule_confidence(
                    hit.codebook.id, hit.frame.id, hit.weight, kind)
        pieces = [text[start:end] for start, end in sentences]
        counts = None
        if self._models and pieces:
            from frameline.analysis.frames_model import hashed_counts

            counts = hashed_counts(pieces)
        for codebook_id, model in self._models.items():
            predicted = model.predict(pieces, counts) if pieces else {}
            if model.decision is not None and pieces:
                codebook = self._codebooks[codebook_id]
                found = rule_frames([hit for hit in hits if hit.codebook.id == codebook_id], kind)
                decided = model.decided(codebook, text, len(sentences), found, predicted)
                for index in range(len(sentences)):
                    for column, frame_id in enumerate(codebook.frame_ids()):
                        scores.setdefault(index, {})[frame_id] = float(decided[index, column])
                continue
            for frame_id, values in predicted.items():
                for index, probability in enumerate(values):
                    scores.setdefault(index, {})[frame_id] = probability
        return scores

    def codebooks(self) -> list[Codebook]:
        if self._matcher is None:
            self.setup()
        return list(self._codebooks.values())

    def analyse_text(self, text: str, sentences: list[tuple[int, int]] | None = None,
                     probabilities: dict[str, dict[str, list[float]]] | None = None) -> AnalysisOutput:
        """One document's frame spans and labels; also what `eval` and the tests call."""
        return self._output(text, self._detect(text, sentences, probabilities))

    def _detect(self, text: str, sentences: list[tuple[int, int]] | None,
                probabilities: dict[str, dict[str, list[float]]] | None, explain: bool = True) -> list[SentenceFrame]:
        if self._matcher is None:
            self.setup()
        assert self._matcher is not None
        if sentences is None:
            sentences = split_sentences(text)
        kind = text_kind(text)  # a rule's reliability depends on the kind of text (frames_calibration)
        found = rule_frames(self._matcher.find(text, sentences), kind)
        for codebook_id, model in self._models.items():
            found = model.add_predictions(self._codebooks[codebook_id], text, sentences, found,
                                          (probabilities or {}).get(codebook_id), explain=explain)
        return found

    @staticmethod
    def _output(text: str, found: list[SentenceFrame]) -> AnalysisOutput:
        output = AnalysisOutput()
        for item in found:
            output.spans.append(SpanDraft(item.start, item.end, LAYER, item.frame_id, item.score, item.attributes(text)))
        for label in combine_document(found):
            output.labels.append(LabelDraft(LAYER, label.frame_id, label.score, label.attributes()))
        return output
