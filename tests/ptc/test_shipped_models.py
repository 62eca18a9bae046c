"""The shipped technique models must not carry text of the research-only corpus they were trained on."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from frameline.ptc.keys import KEY_FORMAT, crf_attributes, feature_key
from frameline.ptc.linear import FeatureVocabulary, LinearModel
from frameline.ptc.models import DEFAULT_FOLDER, SENTENCE_MODEL, SI_MODEL
from frameline.ptc.tc import MODEL_NAME

KEY = re.compile(r"[0-9a-f]{16}")
WORD = re.compile(r"\w+")
N = 4  # words in a row that would be a quotation rather than a coincidence


def shipped_files() -> list[Path]:
    files = sorted(path for path in DEFAULT_FOLDER.iterdir() if path.is_file())
    if not files:
        pytest.skip(f"no technique models in {DEFAULT_FOLDER} (run `make train-techniques`)")
    return files


def _json_strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _json_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _json_strings(item)


def file_strings(path: Path) -> Iterator[str]:
    """Every string a reader of the file could see: JSON strings, or runs of text between control bytes."""
    if path.suffix == ".json":
        yield from _json_strings(json.loads(path.read_text(encoding="utf-8")))
    else:  # binary (the zip of .npz): its printable runs
        yield from re.split(r"[\x00-\x1f\ufffd]+", path.read_bytes().decode("utf-8", errors="replace"))


def word_ngrams(text: str) -> Iterator[tuple[str, ...]]:
    words = WORD.findall(text.lower())
    return (tuple(words[i:i + N]) for i in range(len(words) - N + 1))


def quoted_runs(files: list[Path], corpus_ngrams: set[tuple[str, ...]]) -> list[str]:
    return [f"{path.name}: {' '.join(gram)}" for path in files for string in file_strings(path)
            for gram in word_ngrams(string) if gram in corpus_ngrams]


def test_vocabularies_hold_only_hashed_keys() -> None:
    shipped_files()
    for name in (MODEL_NAME, SENTENCE_MODEL, SI_MODEL):  # technique classifier, sentence model, span CRF
        header = json.loads((DEFAULT_FOLDER / f"{name}.json").read_text(encoding="utf-8"))
        assert header["feature_keys"] == KEY_FORMAT
        assert len(header["features"]) > 1000
        readable = [feature for feature in header["features"] if not KEY.fullmatch(feature)]
        assert readable == [], f"{name}.json: readable feature names, e.g. {readable[:3]}"
    assert json.loads((DEFAULT_FOLDER / "manifest.json").read_text(encoding="utf-8"))["feature_keys"] == KEY_FORMAT


def test_no_shipped_file_quotes_the_train_articles(ptc_corpus: Path) -> None:
    corpus_ngrams = {gram for path in sorted((ptc_corpus / "train-articles").glob("article*.txt"))
                     for gram in word_ngrams(path.read_text(encoding="utf-8"))}
    assert len(corpus_ngrams) > 100_000
    found = quoted_runs(shipped_files(), corpus_ngrams)
    assert found == [], f"{len(found)} runs of {N} words from the PTC train articles, e.g. {found[:3]}"


def test_the_check_catches_readable_feature_names(ptc_corpus: Path, tmp_path: Path) -> None:
    """Guards the guard: a model saved with a span's text as a name is caught."""
    article = sorted((ptc_corpus / "train-articles").glob("article*.txt"))[0].read_text(encoding="utf-8")
    sentence = next(line for line in article.splitlines() if len(WORD.findall(line)) >= 8)
    leaky = tmp_path / "leaky.json"
    leaky.write_text(json.dumps({"features": ["whole=" + sentence]}), encoding="utf-8")
    assert quoted_runs([leaky], set(word_ngrams(article)))


def test_hashed_vocabulary_scores_the_names_it_was_fitted_on(tmp_path: Path) -> None:
    import numpy as np

    rows = [{"w=good": 1.0, "b=very good": 1.0}, {"w=bad": 1.0, "b=very bad": 1.0}, {"w=good": 1.0}]
    vocabulary = FeatureVocabulary.fit(rows, min_count=1)
    assert sorted(vocabulary.keys) == sorted(feature_key(name) for name in ("w=good", "b=very good", "w=bad",
                                                                              "b=very bad"))
    weights = np.arange(1, 9, dtype=np.float32).reshape(4, 2)  # no zero row: save() drops those
    model = LinearModel(vocabulary, ["a", "b"], weights, np.zeros(2, dtype=np.float32))
    model.save(tmp_path, "m")
    assert "good" not in (tmp_path / "m.json").read_text(encoding="utf-8")
    loaded = LinearModel.load(tmp_path, "m")
    np.testing.assert_allclose(loaded.scores(rows + [{"w=unseen": 1.0}]), model.scores(rows + [{"w=unseen": 1.0}]),
                               atol=1e-3)
    assert not loaded.scores([{"w=unseen": 1.0}]).any()


def test_models_with_readable_names_are_refused(tmp_path: Path) -> None:
    (tmp_path / "m.json").write_text(json.dumps({"classes": ["a"], "features": ["w=good"], "meta": {}}),
                                     encoding="utf-8")
    with pytest.raises(ValueError, match="retrain"):
        LinearModel.load(tmp_path, "m")


def test_crf_attributes_follow_crfsuites_spelling() -> None:
    assert crf_attributes({"w": "good", "sp": 0.25}) == {feature_key("w:good"): 1.0, feature_key("sp"): 0.25}
