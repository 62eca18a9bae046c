"""The fast prediction path (shared hashed features, stacked weights) gives scikit-learn's own probabilities."""

from __future__ import annotations

import numpy as np
import pytest

from frameline.analysis.frames_model import _OLD_MAGIC, FrameClassifier, ModelError, _weighted, hashed_counts
from frameline.codebook import packaged_codebook

TEXTS = ["Iraqi forces recaptured the town.", "The army liberated the district.", "Troops retook the bridge.",
         "Civilians fled the fighting.", "Thousands were displaced.", "The old city lies in ruins.",
         "It rained today.", "The market opened.", "A new school was built.", "The match ended in a draw.",
         "تم تحرير المدينة من داعش", "نزوح آلاف المدنيين"] * 3
LABELS = ([{"official-victory"}] * 3 + [{"humanitarian-cost"}] * 3 + [set()] * 4
          + [{"official-victory"}, {"humanitarian-cost"}]) * 3


def test_stacked_prediction_matches_each_calibrated_classifier():
    model = FrameClassifier.train(packaged_codebook("counter-narratives"), TEXTS, LABELS, min_positives=3)
    assert set(model.classifiers) == {"official-victory", "humanitarian-cost"}
    held = ["Government troops recaptured the village.", "Families fled their homes.", "تحرير الموصل"]
    counts = hashed_counts(held)
    fast = model.predict(held, counts)
    assert fast == model.predict(held)  # sharing the counts changes nothing
    for frame, classifier in model.classifiers.items():
        expected = classifier.predict_proba(_weighted(counts, model.features))[:, 1]
        assert np.allclose(fast[frame], expected, atol=1e-5)
    assert fast["official-victory"][0] > fast["official-victory"][1]


def test_a_model_from_the_old_feature_format_asks_to_retrain():
    with pytest.raises(ModelError, match="train frames"):
        FrameClassifier.from_bytes(_OLD_MAGIC + b"anything")
    with pytest.raises(ModelError, match="not a Frameline"):
        FrameClassifier.from_bytes(b"pickle of a stranger")


def test_model_files_are_compressed_and_the_uncompressed_format_still_loads():
    import pickle
    import zlib

    from frameline.analysis.frames_model import _PLAIN_MAGIC, MODEL_MAGIC

    model = FrameClassifier.train(packaged_codebook("counter-narratives"), TEXTS, LABELS, min_positives=3)
    blob = model.to_bytes()
    assert blob.startswith(MODEL_MAGIC)
    plain = _PLAIN_MAGIC + zlib.decompress(blob[len(MODEL_MAGIC):])
    assert len(blob) < len(plain) / 2
    assert pickle.loads(plain[len(_PLAIN_MAGIC):])["codebook"] == "counter-narratives"
    held = ["Troops retook the bridge."]
    assert FrameClassifier.from_bytes(plain).predict(held) == FrameClassifier.from_bytes(blob).predict(held)


def test_word_credits_add_up_to_the_models_decision_and_name_the_words_behind_it():
    model = FrameClassifier.train(packaged_codebook("counter-narratives"), TEXTS, LABELS, min_positives=3)
    frames, weights, intercepts, _ = model._stack()
    held = ["Government TROOPS recaptured the village.", "Families fled their homes.", "تحرير الموصل",
            "Nothing here at all"]
    decisions = np.asarray(_weighted(hashed_counts(held), model.features) @ weights, dtype=np.float64)
    for frame in frames:
        credits = model.word_credits(held, frame)
        assert [len(item) for item in credits] == [5, 4, 2, 4]  # one credit per word
        sums = [float(item.sum()) for item in credits]
        assert np.allclose(sums, decisions[:, frames.index(frame)], atol=1e-5)  # the whole decision, shared out
    [victory], [displaced] = model.word_evidence([held[0]], [["official-victory"]]), \
        model.word_evidence([held[1]], [["humanitarian-cost"]])
    words = [held[0][start:end] for start, end in victory["official-victory"]]
    assert any("recaptured" in item for item in words)  # spans in the text as written (capitals kept)
    assert any("TROOPS" in item or "recaptured" in item for item in words)
    assert any("fled" in held[1][start:end] for start, end in displaced["humanitarian-cost"])


def test_a_sentence_only_the_model_found_carries_the_words_as_evidence():
    from frameline.analysis.frames import FrameAnalyser

    codebook = packaged_codebook("counter-narratives")
    model = FrameClassifier.train(codebook, TEXTS, LABELS, min_positives=3, threshold=0.5)
    analyser = FrameAnalyser([codebook], {codebook.id: model.to_bytes()})
    text = "Rain fell. Iraqi forces took the town."  # no counter cue there; the model learnt "forces", "town"
    spans = [span for span in analyser.analyse_text(text).spans if span.attributes["method"] == "model"]
    assert spans, "the model should find the second sentence"
    for span in spans:
        evidence = span.attributes["evidence"]
        assert evidence and all(item["rule"] == "model" for item in evidence)
        for item in evidence:
            assert span.start <= item["start"] < item["end"] <= span.end
            assert text[item["start"]:item["end"]] == item["text"]


def test_a_model_file_with_a_broken_decision_layer_or_field_is_a_model_error_not_a_crash():
    import pickle
    import zlib

    from frameline.analysis.frames_decision import FEATURES
    from frameline.analysis.frames_model import MODEL_MAGIC

    model = FrameClassifier.train(packaged_codebook("counter-narratives"), TEXTS, LABELS, min_positives=3)
    data = pickle.loads(zlib.decompress(model.to_bytes()[len(MODEL_MAGIC):]))
    for broken in ({**data, "decision": {"features": list(FEATURES), "intercept": 0.0}},  # no weights
                   {**data, "decision": {"features": list(FEATURES), "weights": [0.0], "intercept": "x",
                                         "threshold": 0.5}},
                   {key: value for key, value in data.items() if key != "codebook"}):
        with pytest.raises(ModelError, match="incomplete"):
            FrameClassifier.from_bytes(MODEL_MAGIC + zlib.compress(pickle.dumps(broken)))
