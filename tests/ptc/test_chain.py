"""Our numpy decoding of the span CRF gives CRFsuite's own marginals, from the same attributes it was trained on."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pycrfsuite
import pytest

from frameline.ptc.chain import ChainModel
from frameline.ptc.corpus import Split
from frameline.ptc import si
from frameline.ptc.models import TechniqueModels
from frameline.ptc.si import crf_items, sentences, tag_tokens


def test_forward_backward_matches_crfsuite(ptc_slices: tuple[Split, Split], tmp_path: Path) -> None:
    """A CRF fitted by CRFsuite on real sentences: our marginals are its marginals (to its dump's 6 decimals)."""
    train, dev = ptc_slices
    trainer = pycrfsuite.Trainer(verbose=False)
    by_article: dict[str, list[tuple[int, int]]] = {}
    for a in train.spans:
        by_article.setdefault(a.article, []).append((a.start, a.end))
    for article in sorted(train.articles)[:15]:
        for tokens in sentences(train.articles[article]):
            trainer.append(crf_items(tokens), tag_tokens(tokens, by_article.get(article, ())))
    trainer.set_params({"c1": 0.1, "c2": 0.01, "max_iterations": 30, "feature.possible_transitions": True})
    trainer.train(str(tmp_path / "m.crfsuite"))
    tagger = pycrfsuite.Tagger()
    tagger.open(str(tmp_path / "m.crfsuite"))
    chain = ChainModel.from_crfsuite(tmp_path / "m.crfsuite")
    chain.save(tmp_path, "m")
    chain = ChainModel.load(tmp_path, "m")
    token_lists = [tokens for text in list(dev.articles.values())[:3] for tokens in sentences(text)]
    assert len(token_lists) > 20 and max(map(len, token_lists)) > 30  # sequences of many lengths, padded together
    ours = chain.marginals([np.stack([chain.weigh(item.items()) for item in crf_items(tokens)])
                            for tokens in token_lists])
    worst = 0.0
    for tokens, marginals in zip(token_lists, ours):
        tagger.set(crf_items(tokens))
        theirs = np.array([[tagger.marginal(label, i) for label in chain.labels] for i in range(len(tokens))])
        worst = max(worst, float(np.abs(theirs - marginals).max()))
    assert worst < 1e-4
    assert set(chain.labels) == {"B", "I", "O"}


@pytest.mark.parametrize("cache_size", [1 << 17, 40])  # 40: the caches are emptied many times along the way
def test_cached_state_scores_equal_the_weighed_items(tiny_models: Path, ptc_slices: tuple[Split, Split],
                                                     cache_size: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """The fast path (per-word weight sums, shifted for neighbours) adds up exactly what `crf_items` lists."""
    monkeypatch.setattr(si, "_WORD_CACHE_SIZE", cache_size)
    _, dev = ptc_slices
    identifier = TechniqueModels.load(tiny_models).spans
    token_lists = [tokens for text in dev.articles.values() for tokens in sentences(text)][:300]
    token_lists.append(next(sentences('He said "no".')))  # a quotation, and a sentence shorter than the window
    assert max(map(len, token_lists)) > 40
    probabilities = identifier.sentence_probabilities(token_lists)
    for tokens, probability in zip(token_lists, probabilities):
        expected = np.stack([identifier.chain.weigh(item.items()) for item in crf_items(tokens, probability)])
        np.testing.assert_allclose(identifier.state_scores(tokens, probability), expected, atol=1e-9)
