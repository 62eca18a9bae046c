"""A labelled near-duplicate set built from real text, and pair scores against it.

The issue asks for near-duplicate quality measured on real text re-posted the
way re-posters edit it.  The test suite and `make bench` both measure it, so
the set is built here, once: news paragraphs from the Propaganda Techniques
Corpus (research use only: read from the local copy, never shipped), each
original with 1-4 generated re-posts (header and footer lines, hashtags, 5-15 %
of words replaced, deleted or inserted, a cut end), plus unrelated paragraphs
that must stay alone.  The same seed gives the same set.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from itertools import combinations
from pathlib import Path

from frameline.analysis.signatures import MinHashShingles, canonical_text

HEADERS = ["Amaq News Agency:", "BREAKING", "عاجل", "Nashir News - Official", "Repost from @khilafah_news"]
FOOTERS = ["Share and spread!", "Join us: t.me/nashir_news", "#Breaking #News", "Source: Amaq"]
HASHTAGS = ["#Mosul", "#IS", "#الدولة_الإسلامية", "#Breaking", "#Iraq"]


def ptc_paragraphs(folder: Path) -> list[str]:
    """Paragraphs of 200-1,500 characters from the PTC articles in `folder`, none a near-copy of an earlier one.

    The articles quote each other (the same statement in several stories), so a
    paragraph whose estimated Jaccard with an earlier one is 0.3 or more would
    be an unlabelled duplicate in the gold set; it is left out.
    """
    loose = MinHashShingles(threshold=0.3)
    index, found = loose.new_index(), []
    for path in sorted(folder.glob("article*.txt")):
        for paragraph in path.read_text(encoding="utf-8").splitlines():
            paragraph = paragraph.strip()
            digest = loose.compute(canonical_text(paragraph))
            if 200 <= len(paragraph) <= 1500 and digest is not None and not index.query(digest):
                index.add(len(found), digest)
                found.append(paragraph)
    return found


def repost(text: str, rng: random.Random, vocabulary: list[str]) -> str:
    """A re-post as re-posters make them: some of header/footer/hashtags, 5-15% of words edited, a cut end."""
    words = text.split()
    if rng.random() < 0.7:
        rate = rng.uniform(0.05, 0.15)
        for _ in range(max(1, round(rate * len(words)))):
            position = rng.randrange(len(words))
            choice = rng.random()
            if choice < 0.4:
                words[position] = rng.choice(vocabulary)
            elif choice < 0.7 and len(words) > 10:
                del words[position]
            else:
                words.insert(position, rng.choice(vocabulary))
    if rng.random() < 0.3:
        words = words[: round(len(words) * rng.uniform(0.75, 0.95))]
    body = " ".join(words)
    if rng.random() < 0.5:
        body += " " + " ".join(rng.sample(HASHTAGS, rng.randint(1, 3)))
    lines = [body]
    if rng.random() < 0.5:
        lines.insert(0, rng.choice(HEADERS))
    if rng.random() < 0.4:
        lines.append(rng.choice(FOOTERS))
    return "\n".join(lines)


def build_corpus(paragraphs: list[str], groups: int, singles: int, seed: int = 7) -> list[tuple[str, int]]:
    """(text, group) for `groups` originals with 1-4 re-posts each, plus `singles` unrelated paragraphs, shuffled."""
    rng = random.Random(seed)
    chosen = rng.sample(paragraphs, groups + singles)
    vocabulary = [word for text in chosen[:200] for word in text.split()]
    corpus = []
    for group, original in enumerate(chosen[:groups]):
        corpus.append((original, group))
        corpus += [(repost(original, rng, vocabulary), group) for _ in range(rng.randint(1, 4))]
    corpus += [(text, groups + index) for index, text in enumerate(chosen[groups:])]
    rng.shuffle(corpus)
    return corpus


def _pairs(assignment: Mapping[int, int]) -> set[tuple[int, int]]:
    by_group: dict[int, list[int]] = {}
    for document_id, group in assignment.items():
        by_group.setdefault(group, []).append(document_id)
    return {pair for members in by_group.values() for pair in combinations(sorted(members), 2)}


def pair_scores(truth: Mapping[int, int], clusters: Mapping[int, int]) -> tuple[float, float, float]:
    """Pair precision, recall and F1 of predicted clusters (document -> cluster) against true groups.

    A document missing from `clusters` is alone (in no predicted pair).
    """
    gold, predicted = _pairs(truth), _pairs(clusters)
    hits = len(gold & predicted)
    precision = hits / len(predicted) if predicted else 1.0
    recall = hits / len(gold) if gold else 1.0
    return precision, recall, 2 * precision * recall / (precision + recall) if hits else 0.0


def gold_pair_count(truth: Mapping[int, int]) -> int:
    return len(_pairs(truth))
