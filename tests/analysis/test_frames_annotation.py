"""Annotations: append-only decisions, uncertainty sampling, agreement, and training from them."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from frameline.analysis.base import DocumentInput
from frameline.analysis.frames import FrameAnalyser
from frameline.analysis.frames_annotation import (
    agreement,
    cohen_kappa,
    krippendorff_alpha,
    next_sentences,
    sentence_labels,
)
from frameline.analysis.frames_model import FrameClassifier, save_model, stored_models
from frameline.analysis.frames_training import train_codebook, training_sets
from frameline.cli import app
from frameline.codebook import packaged_codebook
from frameline.pipeline import analyze
from frameline.records import RawDocument, SourceRef
from frameline.store.annotations import AnnotationError, add_annotation, list_annotations

COMMUNIQUE = [
    "The soldiers of the Caliphate continue until victory or martyrdom. The Rafidah fled the city.",
    "Iraqi forces recaptured the old city. Thousands of civilians were displaced and the city lies in ruins.",
    "Strike the crusaders in their own lands with a knife. The apostates will be humiliated.",
    "The weather was mild on Tuesday. Markets opened as usual.",
]


@pytest.fixture
def filled(workspace):
    store = workspace.open_store()
    source = SourceRef("files", "mixed", groups=("extremist",))
    store.write_documents([RawDocument(source, text, native_id=str(n)) for n, text in enumerate(COMMUNIQUE)])
    yield workspace, store
    store.close()


def test_decisions_are_appended_never_overwritten_and_checked(filled):
    workspace, store = filled
    common = dict(document_id=1, start=0, end=66, sentence=COMMUNIQUE[0][:66], codebook="jihadist-narratives",
                  codebook_version="v", frame="steadfastness")
    add_annotation(store, decision="accept", annotator="alice", **common)
    add_annotation(store, decision="reject", annotator="alice", **common)
    rows = list_annotations(store)
    assert [row.decision for row in rows] == ["accept", "reject"]
    assert sentence_labels(rows)[(1, 0, 66)][2] == {"steadfastness"}  # the latest decision wins
    analyze(store, workspace, only=["frames"], workers=1)
    assert len(list_annotations(store)) == 2  # the pipeline never touches annotations
    with pytest.raises(AnnotationError):
        add_annotation(store, decision="maybe", annotator="alice", **common)
    with pytest.raises(AnnotationError):
        add_annotation(store, decision="accept", annotator=" ", **common)


def test_next_serves_uncertain_unannotated_sentences_first(filled):
    workspace, store = filled
    candidates = next_sentences(store, FrameAnalyser.from_workspace(workspace), limit=50)
    assert candidates and all(0 < c.uncertainty <= 1 for c in candidates)
    assert [c.uncertainty for c in candidates] == sorted((c.uncertainty for c in candidates), reverse=True)
    # The shipped models score every sentence, so the plain ones are served too, but as near-certain (no frame),
    # behind the sentences whose frames the machine is unsure of.
    plain = [n for n, c in enumerate(candidates) if "weather" in c.sentence or "Markets" in c.sentence]
    assert plain and min(plain) >= 3
    assert all(candidates[n].uncertainty < 0.25 for n in plain)
    first = candidates[0]
    add_annotation(store, document_id=first.document_id, start=first.start, end=first.end, sentence=first.sentence,
                   codebook="x", codebook_version="v", frame=next(iter(first.suggestions)), decision="accept",
                   annotator="alice")
    again = next_sentences(store, FrameAnalyser.from_workspace(workspace), limit=50)
    assert first.key not in {c.key for c in again}


def test_agreement_measures():
    assert cohen_kappa([1, 1, 0, 0], [1, 1, 0, 0]) == 1.0
    assert cohen_kappa([1, 0, 1, 0], [1, 1, 0, 0]) == pytest.approx(0.0)
    # Two coders, four units, one disagreement: coincidences o11=2, o00=4, o01=o10=1, so n1=3, n0=5, n=8
    # and alpha = 1 - (n - 1) * (o01 + o10) / (n1 * n0 + n0 * n1).
    alpha = krippendorff_alpha([[1, 1], [0, 0], [1, 0], [0, 0]])
    assert alpha == pytest.approx(1 - 7 * 2 / (2 * 3 * 5))
    assert krippendorff_alpha([[1, 1], [0, 0]]) == 1.0
    assert krippendorff_alpha([[1]]) is None


def test_cli_annotate_and_agreement_between_two_annotators(filled):
    workspace, store = filled
    runner = CliRunner()
    base = ["-w", str(workspace.path)]
    result = runner.invoke(app, ["annotate", "--next", "3", *base])
    assert result.exit_code == 0 and ":" in result.output
    first = f"1:0-{COMMUNIQUE[0].index('.') + 1}"
    third = f"3:0-{COMMUNIQUE[2].index('.') + 1}"
    for decision, key, frame, annotator in (("accept", first, "steadfastness", "alice"),
                                            ("accept", first, "steadfastness", "bob"),
                                            ("reject", third, "call-to-act-abroad", "alice"),
                                            ("accept", third, "call-to-act-abroad", "bob")):
        result = runner.invoke(app, ["annotate", decision, key, frame, "-a", annotator, *base])
        assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["annotate", "add", first, "no-such-frame", "-a", "alice", *base])
    assert result.exit_code == 1
    result = runner.invoke(app, ["annotate", "agreement", *base])
    assert "2 annotators" in result.output and "Cohen's kappa" in result.output
    assert agreement(store).units == 2


def test_training_from_annotations_and_silver_stores_a_calibrated_model(filled):
    workspace, store = filled
    codebook = packaged_codebook("counter-narratives")
    texts = ["Iraqi forces recaptured the town.", "The army liberated the district.", "Troops retook the bridge.",
             "Civilians fled the fighting.", "Thousands were displaced.", "The old city lies in ruins.",
             "It rained today.", "The market opened.", "A new school was built.", "The match ended in a draw."] * 3
    labels = [{"official-victory"}] * 3 + [{"humanitarian-cost"}] * 3 + [set()] * 4
    sets = training_sets(store, [codebook], silver_limit=10)
    training = sets["counter-narratives"]
    for text, frames in zip(texts, labels * 3):
        training.add(text, frames, "test")
    assert training.origins["silver"] >= 1
    model = train_codebook(codebook, training, folds=2)
    assert 0 <= model.metrics["micro_f1"] <= 1 and "official-victory" in model.classifiers
    probabilities = model.predict(["Government troops recaptured the village."])
    assert 0 <= probabilities["official-victory"][0] <= 1
    save_model(workspace, model)
    restored = FrameClassifier.from_bytes(stored_models(workspace, [codebook])["counter-narratives"])
    assert restored.predict(["Troops retook the bridge."])["official-victory"] == model.predict(
        ["Troops retook the bridge."])["official-victory"]
    analyser = FrameAnalyser.from_workspace(workspace)
    assert "model:counter-narratives@" in analyser.config_version()
    spans = analyser.analyse_text("Iraqi forces recaptured the town. It rained today.").spans
    assert any(span.attributes["model_probability"] is not None for span in spans)
    # A batch is scored in one model call; the result must be the same as document by document.
    batch = [DocumentInput(id=n, text=text) for n, text in enumerate(COMMUNIQUE)]
    together = analyser.analyse(batch)
    for document in batch:
        alone = analyser.analyse_text(document.text)
        assert [(s.start, s.label, s.score) for s in together[document.id].spans] == [
            (s.start, s.label, s.score) for s in alone.spans]
