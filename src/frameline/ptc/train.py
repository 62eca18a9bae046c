"""Train the technique models from a PTC folder: `python -m frameline.ptc.train --corpus DIR --out DIR`.

Fitting uses the train split only; dev chooses the settings (the SVM's C, the
CRF's regularisation, the span threshold) and gives the scores written to the
manifest.  Everything is deterministic: LinearSVC with a fixed seed, CRFsuite's
L-BFGS (no sampling), features in a fixed order; re-running gives the same files.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from frameline.ptc.chain import ChainModel
from frameline.ptc.corpus import Split, load_split
from frameline.ptc.features import ArticleIndex, span_features
from frameline.ptc.formats import Annotation
from frameline.ptc.keys import KEY_FORMAT
from frameline.ptc.linear import FeatureVocabulary, LinearModel
from frameline.ptc.models import MANIFEST, SENTENCE_MODEL, SI_MODEL
from frameline.ptc.scoring import score_si, score_tc
from frameline.ptc.si import (SpanIdentifier, Token, crf_items, sentence_bag, sentences, spans_from_marginals,
                              tag_tokens, train_crf)
from frameline.ptc.tc import MODEL_NAME, TechniqueClassifier, fit_technique_classifier

SEED = 13
THRESHOLDS = (0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.7)
GAPS = (0, 1)
TC_C_GRID = (1.0, 2.0, 3.0, 4.0)
# L-BFGS stopped early regularises the CRF: dev F1 0.349 at 50 iterations, 0.363 at 70, 0.351 at 100, 0.342 at 200.
SI_ITERATIONS = 70


def _rows(split: Split) -> tuple[list[dict[str, float]], list[str]]:
    spans: dict[str, list[tuple[int, int]]] = {}
    for a in split.techniques:
        spans.setdefault(a.article, []).append((a.start, a.end))
    indexes = {article: ArticleIndex.build(text, spans.get(article, ())) for article, text in split.articles.items()}
    rows = [span_features(indexes[a.article], a.start, a.end) for a in split.techniques]
    return rows, [str(a.technique) for a in split.techniques]


def train_tc(train: Split, dev: Split, c_grid: Sequence[float] = TC_C_GRID) -> tuple[TechniqueClassifier, dict]:
    train_rows, train_labels = _rows(train)
    dev_rows, dev_labels = _rows(dev)
    classifier, meta = fit_technique_classifier(train_rows, train_labels, dev_rows, dev_labels, c_grid, seed=SEED,
                                                min_count=1)  # rare n-grams help (dev: 0.579 vs 0.570 with 2)
    template = [Annotation(a.article, a.start, a.end, "?") for a in dev.techniques]
    score = score_tc(dev.techniques, classifier.label_template(dev.articles, template))
    return classifier, {**meta, "dev_micro_f1": round(score.micro_f1, 4),
                        "dev_per_technique_f1": {k: round(v, 4) for k, v in score.per_technique.items()}}


def _sentences(split: Split) -> list[tuple[str, list[Token], list[str]]]:
    """(article, tokens, gold B/I/O tags) of every sentence, articles in id order."""
    by_article: dict[str, list[tuple[int, int]]] = {}
    for a in split.spans:
        by_article.setdefault(a.article, []).append((a.start, a.end))
    return [(article, tokens, tag_tokens(tokens, by_article.get(article, ())))
            for article, text in sorted(split.articles.items()) for tokens in sentences(text)]


def fit_sentence_model(bags: Sequence[dict[str, float]], labels: Sequence[int], c: float = 3.0) -> LinearModel:
    """Logistic regression: does this sentence hold any technique?  (lbfgs: deterministic)"""
    from sklearn.linear_model import LogisticRegression

    vocabulary = FeatureVocabulary.fit(bags, min_count=2)
    if len(set(labels)) < 2:
        raise ValueError("the sentence model needs sentences with and without techniques")
    regression = LogisticRegression(C=c, max_iter=2000).fit(vocabulary.matrix(bags), np.asarray(labels))
    return LinearModel(vocabulary, ["propaganda"], np.asarray(regression.coef_, dtype=np.float32).T,
                       np.asarray(regression.intercept_, dtype=np.float32), {"C": c})


def _out_of_fold(articles: list[str], bags: list[dict[str, float]], labels: list[int], folds: int) -> list[float]:
    """Each sentence's probability from a sentence model that never saw its article."""
    order = {article: i for i, article in enumerate(sorted(set(articles)))}
    fold_of = [order[article] % folds for article in articles]
    probabilities = [0.0] * len(bags)
    for fold in range(folds):
        inside = [i for i, f in enumerate(fold_of) if f != fold]
        held_out = [i for i, f in enumerate(fold_of) if f == fold]
        if not held_out:
            continue
        model = fit_sentence_model([bags[i] for i in inside], [labels[i] for i in inside])
        for i, p in zip(held_out, model.probabilities([bags[i] for i in held_out])[:, 0]):
            probabilities[i] = float(p)
    return probabilities


def train_si(train: Split, dev: Split, folder: Path, c1: float = 0.3, c2: float = 0.01,
             max_iterations: int = SI_ITERATIONS, folds: int = 5) -> tuple[SpanIdentifier, dict]:
    """The sentence model (saved as `sentence.*`) and the CRF (`si.*`); threshold and gap chosen on dev."""
    train_sentences = _sentences(train)
    bags = [sentence_bag(tokens) for _, tokens, _ in train_sentences]
    labels = [int(any(tag != "O" for tag in tags)) for _, _, tags in train_sentences]
    out_of_fold = _out_of_fold([article for article, _, _ in train_sentences], bags, labels, folds)
    sentence_model = fit_sentence_model(bags, labels)
    sentence_model.save(folder, SENTENCE_MODEL)
    examples = ((crf_items(tokens, p), tags) for (_, tokens, tags), p in zip(train_sentences, out_of_fold))
    chain = train_crf(examples, c1=c1, c2=c2, max_iterations=max_iterations)
    chain.save(folder, SI_MODEL)
    identifier = SpanIdentifier(ChainModel.load(folder, SI_MODEL),
                                sentence_model=LinearModel.load(folder, SENTENCE_MODEL))
    dev_sentences = _sentences(dev)
    dev_tokens = [tokens for _, tokens, _ in dev_sentences]
    inside = identifier.inside_probabilities(dev_tokens, identifier.sentence_probabilities(dev_tokens))
    marginals = [(article, tokens, probabilities) for (article, tokens, _), probabilities in zip(dev_sentences, inside)]
    best: dict[str, Any] = {"f1": -1.0}
    for threshold in THRESHOLDS:
        for gap in GAPS:
            predicted = [Annotation(article, start, end) for article, tokens, inside in marginals
                         for start, end, _ in spans_from_marginals(tokens, inside, threshold, gap)]
            score = score_si(dev.spans, predicted)
            if score.f1 > best["f1"]:
                best = {"f1": score.f1, "precision": score.precision, "recall": score.recall,
                        "threshold": threshold, "max_gap": gap}
    identifier.threshold, identifier.max_gap = best["threshold"], best["max_gap"]
    meta = {"c1": c1, "c2": c2, "max_iterations": max_iterations, "threshold": best["threshold"],
            "max_gap": best["max_gap"], "dev_precision": round(best["precision"], 4),
            "dev_recall": round(best["recall"], 4), "dev_f1": round(best["f1"], 4)}
    return identifier, meta


def train_all(corpus: Path, out: Path, si_iterations: int = SI_ITERATIONS) -> dict[str, Any]:
    """Train on the corpus's train split, choose settings on dev, write the model folder."""
    return train_models(load_split(corpus, "train"), load_split(corpus, "dev"), out, si_iterations=si_iterations)


def train_models(train: Split, dev: Split, out: Path, si_iterations: int = SI_ITERATIONS,
                 c_grid: Sequence[float] = TC_C_GRID) -> dict[str, Any]:
    # One BLAS thread: how a sum is split over threads changes its last bits, and the early-stopped CRF turns
    # last bits of the sentence model into a different model; the files must not depend on the core count.
    from threadpoolctl import threadpool_limits  # installed with scikit-learn, which needs it

    with threadpool_limits(limits=1):
        return _train_models(train, dev, out, si_iterations, c_grid)


def _train_models(train: Split, dev: Split, out: Path, si_iterations: int,
                  c_grid: Sequence[float]) -> dict[str, Any]:
    out.mkdir(parents=True, exist_ok=True)
    classifier, tc_meta = train_tc(train, dev, c_grid)
    classifier.model.meta.update(tc_meta)
    files = classifier.model.save(out, MODEL_NAME)
    _, si_meta = train_si(train, dev, out, max_iterations=si_iterations)
    files += [out / f"{name}.{suffix}" for name in (SENTENCE_MODEL, SI_MODEL) for suffix in ("json", "npz")]
    digest = hashlib.sha256(b"".join(path.read_bytes() for path in files)).hexdigest()[:12]
    manifest = {
        "version": digest,
        "languages": ["en"],
        "feature_keys": KEY_FORMAT,  # no feature name of the corpus is stored, only its hash
        "corpus": "Propaganda Techniques Corpus v2 (SemEval-2020 Task 11), train split; research use only",
        "train_articles": len(train.articles), "dev_articles": len(dev.articles),
        "seed": SEED,
        "tc": tc_meta, "si": si_meta,
        "bytes": sum(path.stat().st_size for path in files),
    }
    (out / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return manifest


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, required=True, help="the PTC folder (train-articles/, ...)")
    parser.add_argument("--out", type=Path, required=True, help="where the model files go")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    manifest = train_all(args.corpus, args.out)
    # The time is printed, not written: the manifest, like the model files, must come out byte-identical each run.
    print(json.dumps({"training_seconds": round(time.perf_counter() - started, 1),
                      **{k: manifest[k] for k in ("version", "bytes", "tc", "si")}}, indent=1))


if __name__ == "__main__":
    main()
