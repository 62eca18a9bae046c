"""The MinHash band index: which candidates it verifies, so that clustering stays linear without losing re-posts."""

from __future__ import annotations

import random

import numpy as np

from frameline.analysis.signatures import MinHashShingles, canonical_text

BANDS, ROWS = 32, 4


def digest(values: np.ndarray) -> bytes:
    return values.astype("<u4").tobytes()


def sharing(query: np.ndarray, bands: list[int], rng: np.random.Generator) -> np.ndarray:
    """A random digest equal to `query` in exactly `bands` (and, with 32-bit values, nowhere else)."""
    other = rng.integers(0, 2**32, size=query.size, dtype=np.uint64)
    for band in bands:
        other[band * ROWS:(band + 1) * ROWS] = query[band * ROWS:(band + 1) * ROWS]
    return other


def test_a_single_crowded_band_is_not_enough_but_two_bands_or_a_rare_one_are():
    rng = np.random.default_rng(7)
    minhash = MinHashShingles()  # rare_band 4: a band value at most four documents hold
    index = minhash.new_index()
    query = rng.integers(0, 2**32, size=BANDS * ROWS, dtype=np.uint64)
    for document_id in range(10):  # boilerplate: ten documents share band 0 with the query, nothing else
        index.add(document_id, digest(sharing(query, [0], rng)))
    for document_id in range(10, 20):  # and ten others band 1
        index.add(document_id, digest(sharing(query, [1], rng)))
    index.add(20, digest(sharing(query, [0, 1], rng)))  # both crowded bands: two shared bands
    index.add(21, digest(sharing(query, [7], rng)))  # one band that no other document holds
    for document_id in (22, 23, 24):  # one band that three documents hold: still rare
        index.add(document_id, digest(sharing(query, [9], rng)))
    for document_id in range(25, 30):  # one band that five documents hold: crowded
        index.add(document_id, digest(sharing(query, [12], rng)))

    rows = index.candidates(digest(query)).tolist()
    assert [index._ids[row] for row in rows] == [20, 21, 22, 23, 24]  # noqa: SLF001 - rows are insertion order

    near = query.copy()
    near[rng.choice(near.size, 20, replace=False)] += 1  # a re-post: 108 of 128 values equal
    index.add(30, digest(near))
    assert index.query(digest(query)) == [(30, 108 / 128)]  # the only candidate above the threshold


def test_the_keys_of_a_queried_digest_are_not_reused_for_another():
    rng = np.random.default_rng(3)
    index = MinHashShingles().new_index()
    first, second = (digest(rng.integers(0, 2**32, size=BANDS * ROWS, dtype=np.uint64)) for _ in range(2))
    assert index.query(first) == []
    index.add(1, second)  # add() right after query() of another digest: its own bands
    assert index.query(second) == [(1, 1.0)] and index.query(first) == []


def posts_sharing_a_small_vocabulary(count: int, seed: int = 5) -> list[str]:
    """Posts drawn from 30 made-up words (Zipf weights), one in ten a re-post of a recent one with words changed."""
    rng = random.Random(seed)
    words = ["".join(rng.choice("abcdefghijklmnoprstuw") for _ in range(rng.randint(2, 8))) for _ in range(30)]
    weights = [1 / (rank + 2.7) for rank in range(len(words))]
    posts: list[str] = []
    while len(posts) < count:
        if posts and rng.random() < 0.1:
            edited = rng.choice(posts[-50:]).split()
            for _ in range(rng.randint(0, 4)):
                edited[rng.randrange(len(edited))] = rng.choice(words)
            posts.append(" ".join(edited))
        else:
            posts.append(" ".join(rng.choices(words, weights, k=rng.randint(15, 60))))
    return posts


def test_on_shared_vocabulary_far_fewer_candidates_are_verified_and_the_same_matches_found():
    """Plain banding verifies every document sharing any band; the index must find the same best matches."""
    minhash = MinHashShingles()
    signatures = [s for s in minhash.compute_many([canonical_text(post) for post in posts_sharing_a_small_vocabulary(4000)])
                  if s is not None]
    matrix = np.frombuffer(b"".join(signatures), dtype="<u4").reshape(len(signatures), -1)
    index = minhash.new_index()
    verified = plain = 0
    disagreements = matched = 0
    for number, signature in enumerate(signatures):
        earlier = matrix[:number]
        equal = earlier == matrix[number]
        shares_a_band = equal.reshape(number, BANDS, ROWS).all(axis=2).any(axis=1)
        plain += int(shares_a_band.sum())
        similarity = equal.sum(axis=1) / matrix.shape[1]
        expected = [(row, value) for row, value in enumerate(similarity.tolist())
                    if shares_a_band[row] and value >= minhash.threshold]
        expected.sort(key=lambda item: (-item[1], item[0]))
        verified += len(index.candidates(signature))
        found = index.query(signature)
        matched += bool(expected)
        disagreements += (found[:1] != expected[:1])
        index.add(number, signature)
    assert matched > 300  # re-posts do match
    assert disagreements <= matched // 100, (disagreements, matched)
    assert verified < plain / 4, (verified, plain)
