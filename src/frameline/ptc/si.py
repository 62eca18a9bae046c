"""Span identification: which character spans of a text use a propaganda technique.

Tokens are tagged B/I/O by a linear-chain CRF (CRFsuite, through
python-crfsuite) on lexical features of each token and its neighbours and on
features of its sentence.  The strongest sentence feature is a sentence
classifier's probability that the sentence holds any technique (a logistic
regression on its words and word pairs): a CRF sees two tokens either side,
while a fear appeal or a doubt is a matter of the whole sentence.  For
training, that probability is computed out of fold (each fifth of the train
articles scored by a model fitted on the other four fifths), so the CRF learns
how far to trust it on unseen text.  A token is inside a span when the CRF's marginal
probability of B or I passes a threshold tuned on dev (the CRF's own Viterbi
path is conservative, and the task's metric rewards recall); consecutive
inside-tokens, bridging gaps of at most `max_gap` tokens, make one span.

CRFsuite fits the CRF; its weights are then saved as plain arrays and the
marginals computed by our own forward-backward (`chain.ChainModel`), with
each word's weight sums cached across sentences.  Attribute names are hashed
(`keys.crf_attributes`): they would otherwise be the corpus's words and word pairs.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import NamedTuple

import numpy as np

from frameline.ptc.chain import ChainModel
from frameline.ptc.features import CUES
from frameline.ptc.keys import crf_attributes, feature_key
from frameline.ptc.linear import LinearModel

_TOKEN = re.compile(r"\w+(?:['’]\w+)*|[^\w\s]")
_LINE = re.compile(r"[^\n]+")


class Token(NamedTuple):  # a tuple, not a frozen dataclass: built for every token of every text
    start: int
    end: int
    text: str


def sentences(text: str) -> Iterator[list[Token]]:
    """Lines (the corpus has one sentence a line; elsewhere, paragraphs) as lists of tokens."""
    for line in _LINE.finditer(text):
        tokens = [Token(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(text, line.start(), line.end())]
        if tokens:
            yield tokens


def _shape(word: str) -> str:
    shape = re.sub(r"[A-Z]", "X", re.sub(r"[a-z]", "x", re.sub(r"\d", "d", word)))
    return re.sub(r"(.)\1+", r"\1\1", shape)


def _token_features(word: str) -> dict[str, float | str]:
    lower = word.lower()
    features: dict[str, float | str] = {"w": lower, "suf3": lower[-3:], "pre3": lower[:3], "shape": _shape(word)}
    if word[:1].isupper():
        features["title"] = 1.0
    if len(word) > 1 and word.isupper():
        features["upper"] = 1.0
    for cue, vocabulary in CUES.items():
        if lower in vocabulary:
            features["cue=" + cue] = 1.0
    return features


def sentence_bag(tokens: Sequence[Token]) -> dict[str, float]:
    """The sentence classifier's features: words, word pairs, length."""
    words = [token.text.lower() for token in tokens]
    bag = {"w=" + word: 1.0 for word in words}
    bag.update({"b=" + a + " " + b: 1.0 for a, b in zip(words, words[1:])})
    bag[f"len={min(len(words) // 5, 10)}"] = 1.0
    return bag


_OFFSETS = (-2, -1, 1, 2)
_QUOTES = ('"', "“", "”")
_IN_QUOTE = feature_key("in_quote")
_POSITION = {position: feature_key("pos:" + position) for position in ("0", "1", "2", "3", "4", "mid", "end")}
_OUTSIDE = tuple(feature_key(f"w[{offset}]:" + ("<s>" if offset < 0 else "</s>")) for offset in _OFFSETS)
_WORD_CACHE_SIZE = 1 << 17


class _WordKeys(NamedTuple):
    own: dict[str, float]  # the word's own hashed attributes
    lower: str
    neighbour: tuple[tuple[str, str], ...]  # per offset in _OFFSETS: the keys of w[offset] and shape[offset]


_word_cache: dict[str, _WordKeys] = {}


def _word_keys(word: str) -> _WordKeys:
    """A word's attributes, hashed once: hashing every name of every token was half the tagging time."""
    keys = _word_cache.get(word)
    if keys is None:
        if len(_word_cache) >= _WORD_CACHE_SIZE:
            _word_cache.clear()
        own = _token_features(word)
        lower = word.lower()
        neighbour = tuple((feature_key(f"w[{offset}]:{lower}"), feature_key(f"shape[{offset}]:{own['shape']}"))
                          for offset in _OFFSETS)
        keys = _word_cache[word] = _WordKeys(crf_attributes(own), lower, neighbour)
    return keys


def _sentence_attributes(lower: Sequence[str], sentence_probability: float | None) -> dict[str, float]:
    """The hashed attributes every token of a sentence carries: length, marks, the sentence model's probability."""
    n = len(lower)
    named: dict[str, float | str] = {"bias": 1.0, f"len={min(n // 5, 8)}": 1.0}
    if sentence_probability is not None:
        named["sp"] = sentence_probability
        named[f"sp={min(int(sentence_probability * 10), 9)}"] = 1.0
    for mark in ("!", "?", '"', "“", "”"):
        if mark in lower:
            named["sent" + mark] = 1.0
    return crf_attributes(named)


def _position(i: int, n: int) -> str:
    return str(i) if i < 5 else ("end" if i >= n - 3 else "mid")


_POSITIONS = ("0", "1", "2", "3", "4", "mid", "end")


def _position_rows(n: int) -> np.ndarray:
    """`_position(i, n)` for every i, as indexes into _POSITIONS."""
    i = np.arange(n)
    return np.where(i < 5, i, np.where(i >= n - 3, 6, 5))


def crf_items(tokens: Sequence[Token], sentence_probability: float | None = None) -> list[dict[str, float]]:
    """CRFsuite items, one per token, with hashed attribute names (`keys.crf_attributes`).

    Each token has its own attributes (word, affixes, shape, cue lists), its
    neighbours' words and shapes (±2, `w[-1]`, `shape[+2]`, ...), the word pairs
    it is part of (`bi[-1]`, `bi[+1]`), its position, whether it sits inside
    quotation marks, and its sentence's (length, "!", the sentence model's
    probability `sp`).  `SpanIdentifier.state_scores` weighs the same
    attributes without building these dictionaries.
    """
    words = [_word_keys(token.text) for token in tokens]
    lower = [keys.lower for keys in words]
    n = len(tokens)
    sentence = _sentence_attributes(lower, sentence_probability)
    items = []
    inside_quote = False
    for i in range(n):
        item = dict(sentence)
        item.update(words[i].own)
        if lower[i] in _QUOTES:
            inside_quote = not inside_quote
        if inside_quote:
            item[_IN_QUOTE] = 1.0
        item[_POSITION[_position(i, n)]] = 1.0
        for k, offset in enumerate(_OFFSETS):
            j = i + offset
            if 0 <= j < n:
                word_key, shape_key = words[j].neighbour[k]
                item[word_key] = 1.0
                item[shape_key] = 1.0
            else:
                item[_OUTSIDE[k]] = 1.0
        if i > 0:
            item[_pair_key(-1, lower[i - 1], lower[i])] = 1.0
        if i + 1 < n:
            item[_pair_key(1, lower[i], lower[i + 1])] = 1.0
        items.append(item)
    return items


def _pair_key(side: int, first: str, second: str) -> str:
    return feature_key(("bi[-1]:" if side < 0 else "bi[+1]:") + first + " " + second)


def tag_tokens(tokens: Sequence[Token], spans: Iterable[tuple[int, int]]) -> list[str]:
    """B/I/O tags of the tokens for gold character spans (a token is inside if it overlaps a span)."""
    tags = ["O"] * len(tokens)
    for start, end in sorted(spans):
        first = True
        for i, token in enumerate(tokens):
            if token.end > start and token.start < end:
                if tags[i] == "O":
                    tags[i] = "B" if first else "I"
                first = False
    return tags


def spans_from_marginals(tokens: Sequence[Token], inside: Sequence[float], threshold: float,
                         max_gap: int = 0) -> list[tuple[int, int, float]]:
    """Character spans over runs of tokens whose inside-probability passes `threshold`, with their mean score."""
    spans: list[tuple[int, int, float]] = []
    run: list[int] = []
    gap = 0
    for i, probability in enumerate(inside):
        if probability >= threshold:
            if run and gap:
                run.extend(range(run[-1] + 1, i))
            run.append(i)
            gap = 0
        elif run:
            gap += 1
            if gap > max_gap:
                spans.append(_span(tokens, run, inside))
                run, gap = [], 0
    if run:
        spans.append(_span(tokens, run, inside))
    return spans


def _span(tokens: Sequence[Token], run: list[int], inside: Sequence[float]) -> tuple[int, int, float]:
    first, last = run[0], run[-1]
    while last > first and not tokens[last].text[0].isalnum() and tokens[last].text not in ('"', "”", "!", "?"):
        last -= 1  # a span does not end on "." or ","
    return tokens[first].start, tokens[last].end, sum(inside[i] for i in run) / len(run)


class SpanIdentifier:
    """A trained CRF plus the decoding settings chosen on dev."""

    def __init__(self, chain: ChainModel, threshold: float = 0.5, max_gap: int = 0,
                 sentence_model: LinearModel | None = None) -> None:
        self.chain = chain
        self.threshold, self.max_gap = threshold, max_gap
        self.sentence_model = sentence_model
        self._inside = [chain.labels.index(label) for label in ("B", "I")]
        self._outside = np.stack([chain.weigh([(key, 1.0)]) for key in _OUTSIDE])
        self._position_table = np.stack([chain.weigh([(_POSITION[position], 1.0)]) for position in _POSITIONS])
        self._in_quote = chain.weigh([(_IN_QUOTE, 1.0)])
        # Token text -> a row of self._table: its own attributes' weight sum, then its word and shape seen from
        # each offset in _OFFSETS.  Word pair "a b" -> the state rows of bi[-1] and bi[+1].
        self._word_ids: dict[str, int] = {}
        self._table = np.zeros((1024, 1 + len(_OFFSETS), len(chain.labels)))
        self._pairs: dict[str, tuple[int, int]] = {}

    def sentence_probabilities(self, token_lists: Sequence[Sequence[Token]]) -> list[float | None]:
        if self.sentence_model is None:
            return [None] * len(token_lists)
        if not token_lists:
            return []
        return [float(p) for p in self.sentence_model.probabilities([sentence_bag(t) for t in token_lists])[:, 0]]

    def _word_id(self, word: str) -> int:
        """The row of `word` in the table of weight sums, computed on first sight."""
        row = self._word_ids[word] = len(self._word_ids)
        if row >= len(self._table):
            self._table = np.concatenate([self._table, np.zeros_like(self._table)])
        keys, chain = _word_keys(word), self.chain
        own = chain.state[[chain.row(key) for key in keys.own]]
        self._table[row, 0] = np.fromiter(keys.own.values(), dtype=np.float64, count=len(keys.own)) @ own
        seen = chain.state[[chain.row(key) for pair in keys.neighbour for key in pair]]
        self._table[row, 1:] = seen[0::2] + seen[1::2]  # w[offset] and shape[offset], for each offset
        return row

    def _pair_rows_of(self, pair: str, first: str, second: str) -> tuple[int, int]:
        if len(self._pairs) >= _WORD_CACHE_SIZE:
            self._pairs.clear()
        rows = self._pairs[pair] = (self.chain.row(_pair_key(-1, first, second)),
                                    self.chain.row(_pair_key(1, first, second)))
        return rows

    def state_scores(self, tokens: Sequence[Token], sentence_probability: float | None = None) -> np.ndarray:
        """Per token and label, the summed weights of the attributes `crf_items` gives it."""
        n = len(tokens)
        if len(self._word_ids) + n > _WORD_CACHE_SIZE:  # forget between sentences, never while collecting rows
            self._word_ids.clear()
        ids, get = [], self._word_ids.get
        for token in tokens:
            row = get(token.text)
            ids.append(self._word_id(token.text) if row is None else row)
        words = self._table[ids]
        lower = [token.text.lower() for token in tokens]
        scores = words[:, 0] + self.chain.weigh(_sentence_attributes(lower, sentence_probability).items())
        scores += self._position_table[_position_rows(n)]
        inside_quote = np.cumsum([word in _QUOTES for word in lower]) % 2 == 1
        scores[inside_quote] += self._in_quote
        for k, offset in enumerate(_OFFSETS):
            edge = min(abs(offset), n)
            if offset < 0:
                scores[edge:] += words[:n - edge, 1 + k]
                scores[:edge] += self._outside[k]
            else:
                scores[:n - edge] += words[edge:, 1 + k]
                scores[n - edge:] += self._outside[k]
        if n > 1:
            pairs, get = [], self._pairs.get
            for a, b in zip(lower, lower[1:]):
                pair = a + " " + b
                rows = get(pair)
                pairs.append(self._pair_rows_of(pair, a, b) if rows is None else rows)
            rows = np.asarray(pairs)
            scores[1:] += self.chain.state[rows[:, 0]]
            scores[:-1] += self.chain.state[rows[:, 1]]
        return scores

    def inside_probabilities(self, token_lists: Sequence[Sequence[Token]],
                             sentence_probabilities: Sequence[float | None]) -> list[list[float]]:
        """Per sentence, each token's probability of being inside a span (label B or I)."""
        marginals = self.chain.marginals([self.state_scores(tokens, probability)
                                          for tokens, probability in zip(token_lists, sentence_probabilities)])
        return [m[:, self._inside].sum(axis=1).tolist() for m in marginals]

    def predict(self, text: str, threshold: float | None = None, max_gap: int | None = None,
                ) -> list[tuple[int, int, float]]:
        """(start, end, score) of every span found in `text`."""
        threshold = self.threshold if threshold is None else threshold
        max_gap = self.max_gap if max_gap is None else max_gap
        found: list[tuple[int, int, float]] = []
        token_lists = list(sentences(text))
        inside = self.inside_probabilities(token_lists, self.sentence_probabilities(token_lists))
        for tokens, probabilities in zip(token_lists, inside):
            found.extend(spans_from_marginals(tokens, probabilities, threshold, max_gap))
        return found


def train_crf(examples: Iterable[tuple[list[dict[str, float]], list[str]]], c1: float = 0.05, c2: float = 0.05,
              max_iterations: int = 100, meta: dict | None = None) -> ChainModel:
    """Fit the CRF with CRFsuite's L-BFGS (deterministic: no sampling) and take its weights."""
    import pycrfsuite

    trainer = pycrfsuite.Trainer(verbose=False)
    for items, tags in examples:
        trainer.append(items, tags)
    trainer.set_params({"c1": c1, "c2": c2, "max_iterations": max_iterations,
                        "feature.possible_transitions": True, "feature.minfreq": 2})
    with tempfile.TemporaryDirectory() as scratch:
        trainer.train(str(Path(scratch) / "si.crfsuite"))
        return ChainModel.from_crfsuite(Path(scratch) / "si.crfsuite", meta)
