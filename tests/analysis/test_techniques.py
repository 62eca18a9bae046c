"""Technique spans on analysed documents, with the shipped models, through the real pipeline."""

from __future__ import annotations

import pickle
import time
from datetime import datetime, timezone

import pytest

from frameline.analysis.base import DocumentInput
from frameline.analysis.language import LanguageAnalyser
from frameline.analysis.techniques import SPAN_LAYER, TechniqueAnalyser, TechniqueSpanAnalyser
from frameline.pipeline import analyze
from frameline.ptc.formats import TECHNIQUES
from frameline.records import DocLabel, RawDocument, SourceRef
from frameline.store import open_store, sqlite_url

PROPAGANDA = (
    "Traitors in Washington want to destroy our great nation.\n"
    "These corrupt, lying globalist elites will stop at nothing to silence true patriots.\n"
    "They are nothing but radical thugs, and every American must stand up now or lose everything forever.\n"
    "Make America Great Again!\n")
PUBLISHED = datetime(2017, 7, 10, tzinfo=timezone.utc)


def english(text: str, spans=()) -> DocumentInput:  # noqa: ANN001
    return DocumentInput(1, text, language="en", spans=tuple(spans),
                         labels=(DocLabel(1, "language", "en", 0.99, "language", "1"),))


@pytest.fixture(scope="module")
def span_analyser() -> TechniqueSpanAnalyser:
    analyser = TechniqueSpanAnalyser()
    analyser.setup()
    return analyser


@pytest.fixture(scope="module")
def technique_analyser() -> TechniqueAnalyser:
    analyser = TechniqueAnalyser()
    analyser.setup()
    return analyser


def test_english_propaganda_gets_technique_spans(span_analyser, technique_analyser) -> None:  # noqa: ANN001
    found = span_analyser.analyse([english(PROPAGANDA)])[1]
    assert found.labels[0].label == "covered"
    assert found.spans, "loaded, name-calling text with no span found"
    for span in found.spans:
        assert span.layer == SPAN_LAYER and 0 <= span.start < span.end <= len(PROPAGANDA)
    stored = [span_as_stored(span) for span in found.spans]
    labelled = technique_analyser.analyse([english(PROPAGANDA, stored)])[1].spans
    assert {(s.start, s.end) for s in labelled} == {(s.start, s.end) for s in found.spans}
    for span in labelled:
        assert span.layer == "technique" and span.label in TECHNIQUES and 0 < span.score <= 1
        assert span.attributes["model"] == "ptc-svm" and span.attributes["version"]
    labels = {s.label for s in labelled}
    assert labels & {"Loaded_Language", "Name_Calling,Labeling", "Slogans", "Flag-Waving",
                     "Appeal_to_fear-prejudice", "Exaggeration,Minimisation"}


def span_as_stored(draft):  # noqa: ANN001, ANN201
    from frameline.records import Span

    return Span(1, draft.start, draft.end, draft.layer, draft.label, draft.score, "technique-spans", "1",
                draft.attributes)


def test_other_languages_are_marked_not_covered(span_analyser) -> None:  # noqa: ANN001
    document = DocumentInput(2, "Les traîtres veulent détruire notre grande nation.", language="fr",
                             labels=(DocLabel(2, "language", "fr", 0.98, "language", "1"),))
    output = span_analyser.analyse([document])[2]
    assert output.spans == []
    assert (output.labels[0].label, output.labels[0].attributes["language"]) == ("not-covered", "fr")


def test_analysers_pickle_without_their_models(span_analyser, technique_analyser) -> None:  # noqa: ANN001
    assert len(pickle.dumps(span_analyser)) < 1_000 and len(pickle.dumps(technique_analyser)) < 1_000


def test_the_pipeline_stores_technique_spans(tmp_path) -> None:  # noqa: ANN001
    store = open_store(sqlite_url(tmp_path / "x.db"))
    source = SourceRef(kind="rss", name="test feed", groups=("mainstream",))
    store.write_documents([
        RawDocument(source=source, native_id="1", text=PROPAGANDA, published_at=PUBLISHED),
        RawDocument(source=source, native_id="2", text="أعلنت الحكومة العراقية اليوم تحرير مدينة الموصل بالكامل "
                                                          "من سيطرة تنظيم الدولة بعد معارك استمرت تسعة أشهر",
                    published_at=PUBLISHED),
    ])
    analyze(store, analysers=[LanguageAnalyser, TechniqueSpanAnalyser, TechniqueAnalyser], workers=1)
    ids = [document.id for document in store.iter_documents()]
    layers = store.get_layers(ids)
    english_spans, _ = layers[ids[0]]
    assert {s.layer for s in english_spans} == {SPAN_LAYER, "technique"}
    assert all(s.producer == "techniques" for s in english_spans if s.layer == "technique")
    arabic_spans, arabic_labels = layers[ids[1]]
    assert not [s for s in arabic_spans if s.layer in (SPAN_LAYER, "technique")]
    assert ("technique-span", "not-covered") in {(label.layer, label.label) for label in arabic_labels}
    store.close()


def test_classification_is_fast_enough(technique_analyser) -> None:  # noqa: ANN001
    """The issue asks for >= 500 spans/s per core; measured on the real path (features + model)."""
    text = PROPAGANDA * 25
    spans = [(m, m + 30) for m in range(0, len(text) - 40, 7)][:1000]
    classifier = technique_analyser._models.techniques
    started = time.process_time()
    classifier.probabilities(text, spans)
    rate = len(spans) / max(time.process_time() - started, 1e-6)
    assert rate > 500, f"{rate:.0f} spans/s"
