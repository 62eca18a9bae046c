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

The model file is CRFsuite's own binary format, read by its C library: no
pickle, no code in the file.  Its attribute names are hashed
(`keys.crf_attributes`): they would otherwise be the corpus's words and word pairs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from frameline.ptc.features import CUES
from frameline.ptc.keys import crf_attributes
from frameline.ptc.linear import LinearModel

_TOKEN = re.compile(r"\w+(?:['’]\w+)*|[^\w\s]")
_LINE = re.compile(r"[^\n]+")


@dataclass(frozen=True)
class Token:
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


def sentence_features(tokens: Sequence[Token], sentence_probability: float | None = None,
                      ) -> list[dict[str, float | str]]:
    """CRFsuite item features for each token: its own, its neighbours' (±2), and its sentence's."""
    own = [_token_features(token.text) for token in tokens]
    words = [token.text.lower() for token in tokens]
    n = len(tokens)
    sentence: dict[str, float | str] = {"bias": 1.0, f"len={min(n // 5, 8)}": 1.0}
    if sentence_probability is not None:
        sentence["sp"] = sentence_probability
        sentence[f"sp={min(int(sentence_probability * 10), 9)}"] = 1.0
    for mark in ("!", "?", '"', "“", "”"):
        if mark in words:
            sentence["sent" + mark] = 1.0
    items = []
    inside_quote = False
    for i in range(n):
        item = dict(sentence)
        item.update(own[i])
        if words[i] in ('"', "“", "”"):
            inside_quote = not inside_quote
        if inside_quote:
            item["in_quote"] = 1.0
        item["pos"] = f"{min(i, 5)}" if i < 5 else ("end" if i >= n - 3 else "mid")
        for offset in (-2, -1, 1, 2):
            j = i + offset
            if 0 <= j < n:
                item[f"w[{offset}]"] = words[j]
                item[f"shape[{offset}]"] = own[j]["shape"]
            else:
                item[f"w[{offset}]"] = "<s>" if j < 0 else "</s>"
        if i > 0:
            item["bi[-1]"] = words[i - 1] + " " + words[i]
        if i + 1 < n:
            item["bi[+1]"] = words[i] + " " + words[i + 1]
        items.append(item)
    return items


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
    """A trained CRF tagger plus the decoding settings chosen on dev."""

    def __init__(self, model_path: Path | str, threshold: float = 0.5, max_gap: int = 0,
                 sentence_model: LinearModel | None = None) -> None:
        import pycrfsuite

        self.model_path = Path(model_path)
        self.threshold, self.max_gap = threshold, max_gap
        self.sentence_model = sentence_model
        self._tagger = pycrfsuite.Tagger()
        self._tagger.open(str(self.model_path))

    def sentence_probabilities(self, token_lists: Sequence[Sequence[Token]]) -> list[float | None]:
        if self.sentence_model is None:
            return [None] * len(token_lists)
        if not token_lists:
            return []
        return [float(p) for p in self.sentence_model.probabilities([sentence_bag(t) for t in token_lists])[:, 0]]

    def inside_probabilities(self, tokens: Sequence[Token], sentence_probability: float | None = None,
                             ) -> list[float]:
        self._tagger.set([crf_attributes(item) for item in sentence_features(tokens, sentence_probability)])
        self._tagger.tag()
        return [self._tagger.marginal("B", i) + self._tagger.marginal("I", i) for i in range(len(tokens))]

    def predict(self, text: str, threshold: float | None = None, max_gap: int | None = None,
                ) -> list[tuple[int, int, float]]:
        """(start, end, score) of every span found in `text`."""
        threshold = self.threshold if threshold is None else threshold
        max_gap = self.max_gap if max_gap is None else max_gap
        found: list[tuple[int, int, float]] = []
        token_lists = list(sentences(text))
        for tokens, probability in zip(token_lists, self.sentence_probabilities(token_lists)):
            inside = self.inside_probabilities(tokens, probability)
            found.extend(spans_from_marginals(tokens, inside, threshold, max_gap))
        return found


def train_crf(examples: Iterable[tuple[list[dict[str, float | str]], list[str]]], model_path: Path | str,
              c1: float = 0.05, c2: float = 0.05, max_iterations: int = 100) -> None:
    """Fit the CRF with L-BFGS (deterministic: no sampling) and write CRFsuite's model file."""
    import pycrfsuite

    trainer = pycrfsuite.Trainer(verbose=False)
    for items, tags in examples:
        trainer.append([crf_attributes(item) for item in items], tags)
    trainer.set_params({"c1": c1, "c2": c2, "max_iterations": max_iterations,
                        "feature.possible_transitions": True, "feature.minfreq": 2})
    trainer.train(str(model_path))
