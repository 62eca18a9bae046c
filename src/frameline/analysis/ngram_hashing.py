"""The frame models' n-gram features, hashed for a whole batch of sentences in a few array passes.

`frames_model.ngrams` defines the features of one sentence (words, word
pairs, and the 3- and 4-letter pieces of the words joined by single spaces)
and scikit-learn's `HashingVectorizer` with that analyser defines their
columns: murmurhash3 (32-bit, seed 0) of each feature's UTF-8 bytes, absolute
value modulo the number of columns.  That path builds a Python string for
every feature, about 200 a sentence, and was a third of the frames analyser's
time.  Here every feature is a slice of one UTF-8 buffer of the batch, so the
hash runs over all of them at once in numpy and the counts are the same
matrix, entry for entry (`tests/analysis/test_ngram_hashing.py` checks it
against scikit-learn on real text); the shipped models need no retraining.

A word feature is a 0x01 byte and then the word (or the pair), so a word and
the same letters inside a longer word differ.  In the buffer every word
follows a space, so the key starts at that space and the hash reads it as
0x01.
"""

from __future__ import annotations

from dataclasses import dataclass
from re import Pattern
from typing import Any

import numpy as np

CHUNK_SENTENCES = 2_000  # the arrays of a chunk stay in the CPU's cache: 3x faster than one pass over 20,000
_C1, _C2 = np.uint32(0xCC9E2D51), np.uint32(0x1B873593)
_MARK_FLIP = np.uint32(0x20 ^ 0x01)  # the space before a word feature, read as its 0x01 mark
_SPACE, _NEWLINE = 0x20, 0x0A


def hashed_ngram_counts(normalised: list[str], n_features: int, sizes: tuple[int, ...], words: Pattern[str]) -> Any:
    """Sentences (already normalised) -> CSR counts of their n-gram features, as HashingVectorizer counts them.

    `words` finds the words (`frames_model.TOKEN`); a word must not hold white space."""
    import scipy.sparse as sp

    if not normalised:
        return sp.csr_matrix((0, n_features), dtype=np.float64)
    blocks = [_counts(normalised[start:start + CHUNK_SENTENCES], n_features, sizes, words)
              for start in range(0, len(normalised), CHUNK_SENTENCES)]
    return blocks[0] if len(blocks) == 1 else sp.vstack(blocks, format="csr")


@dataclass
class Occurrences:
    """Every feature occurrence of a batch of sentences: its sentence, hashed column and letters.

    Positions are character indices into the batch's buffer: each sentence's words joined by single
    spaces, padded with a space each side, sentences joined by newlines.  A word feature's range starts
    at the space before the word (its 0x01 mark)."""

    rows: Any  # sentence of each occurrence
    columns: Any
    starts: Any
    ends: Any
    word_rows: Any  # sentence of each word, in order
    word_starts: Any
    word_ends: Any
    letters: Any  # per buffer character: 1 for a letter of a word, 0 for a space or newline


def feature_occurrences(normalised: list[str], n_features: int, sizes: tuple[int, ...], words: Pattern[str]
                        ) -> Occurrences:
    padded = [" " + " ".join(words.findall(text)) + " " for text in normalised]
    joined = "\n".join(padded)
    codes = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32)
    buffer = np.frombuffer(joined.encode("utf-8"), dtype=np.uint8)
    if len(buffer) == len(codes):  # all ASCII: a character's byte offset is its index
        byte_of = np.arange(len(codes) + 1, dtype=np.int64)
    else:
        widths = 1 + (codes >= 0x80).astype(np.int64) + (codes >= 0x800) + (codes >= 0x10000)
        byte_of = np.zeros(len(codes) + 1, dtype=np.int64)
        np.cumsum(widths, out=byte_of[1:])
    lengths = np.fromiter(map(len, padded), dtype=np.int64, count=len(padded))
    first = np.zeros(len(padded), dtype=np.int64)
    np.cumsum(lengths[:-1] + 1, out=first[1:])  # each sentence's first character; one newline between them
    offset = np.arange(int(lengths.sum()), dtype=np.int64) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    row_of = np.repeat(np.arange(len(padded), dtype=np.int64), lengths)
    length_of = np.repeat(lengths, lengths)
    position = np.repeat(first, lengths) + offset  # every character of every sentence, newlines left out
    rows, starts, ends, marked = [], [], [], []
    for size in sizes:
        keep = offset + size <= length_of
        rows.append(row_of[keep])
        starts.append(position[keep])
        ends.append(position[keep] + size)
        marked.append(np.zeros(int(keep.sum()), dtype=np.uint32))
    space = (codes == _SPACE) | (codes == _NEWLINE)
    word_start = np.flatnonzero(~space[1:] & space[:-1]) + 1
    word_end = np.flatnonzero(~space[:-1] & space[1:]) + 1
    word_row = np.searchsorted(first, word_start, side="right") - 1
    pair = np.flatnonzero(word_row[1:] == word_row[:-1])
    rows += [word_row, word_row[pair]]
    starts += [word_start - 1, word_start[pair] - 1]  # from the space before the word: its 0x01 mark
    ends += [word_end, word_end[pair + 1]]
    marked += [np.ones(len(word_row), dtype=np.uint32), np.ones(len(pair), dtype=np.uint32)]
    start_chars, end_chars = np.concatenate(starts), np.concatenate(ends)
    base = byte_of[start_chars]
    total = byte_of[end_chars] - base
    columns = np.zeros(0, dtype=np.int64)
    if len(total):
        blocks = total >> 2
        longest = int(blocks.max())
        # Longest keys first (a radix sort on small integers), so each round of 4-byte blocks is a prefix.
        order = np.argsort((longest - blocks).astype(np.uint16 if longest < 2 ** 16 else np.uint32), kind="stable")
        hashes = np.empty(len(total), dtype=np.int64)
        hashes[order] = murmurhash3_32(buffer, base[order], total[order], np.concatenate(marked)[order])
        columns = np.abs(hashes) % n_features
        columns[hashes == -2 ** 31] = (2 ** 31 - 1 - (n_features - 1)) % n_features  # what scikit-learn does
    return Occurrences(np.concatenate(rows), columns, start_chars, end_chars, word_row, word_start, word_end,
                       (~space).astype(np.int64))


def _counts(normalised: list[str], n_features: int, sizes: tuple[int, ...], words: Pattern[str]) -> Any:
    import scipy.sparse as sp

    found = feature_occurrences(normalised, n_features, sizes, words)
    counts = sp.csr_matrix((np.ones(len(found.columns)), (found.rows, found.columns)),
                           shape=(len(normalised), n_features))
    counts.sum_duplicates()
    return counts


def _rotate(values: Any, bits: int) -> Any:
    return (values << np.uint32(bits)) | (values >> np.uint32(32 - bits))


def _scramble(block: Any) -> Any:
    block = block * _C1
    return _rotate(block, 15) * _C2


def murmurhash3_32(buffer: Any, base: Any, total: Any, marked: Any) -> Any:
    """MurmurHash3 x86 32-bit, seed 0, of the keys buffer[base:base + total], as signed int32.

    A marked key's first byte (a space in the buffer) is read as 0x01.  The keys must come longest first
    (by their number of whole 4-byte blocks), so each round of blocks works on a prefix of the arrays."""
    padded = np.zeros(len(buffer) + 4, dtype=np.uint32)
    padded[:len(buffer)] = buffer
    # The little-endian 4-byte word starting at every byte of the buffer: one gather per block per key.
    words = padded[:-3] | (padded[1:-2] << np.uint32(8)) | (padded[2:-1] << np.uint32(16)) | (padded[3:] << np.uint32(24))
    hashes = np.zeros(len(base), dtype=np.uint32)
    blocks = total >> 2
    at_least = np.bincount(blocks)[::-1].cumsum()[::-1]  # at_least[b]: keys with b or more blocks
    for block in range(1, len(at_least)):
        upto = int(at_least[block])
        value = words[base[:upto] + 4 * (block - 1)]
        if block == 1:
            value = value ^ (marked[:upto] * _MARK_FLIP)
        mixed = _rotate(hashes[:upto] ^ _scramble(value), 13)
        hashes[:upto] = mixed * np.uint32(5) + np.uint32(0xE6546B64)
    tail = (total & 3).astype(np.uint32)
    value = words[base + (blocks << 2)] & ((np.uint32(1) << (tail << np.uint32(3))) - np.uint32(1))
    value ^= marked * (blocks == 0) * (tail > 0) * _MARK_FLIP
    hashes ^= np.where(tail > 0, _scramble(value), np.uint32(0))
    hashes ^= total.astype(np.uint32)
    hashes ^= hashes >> np.uint32(16)
    hashes *= np.uint32(0x85EBCA6B)
    hashes ^= hashes >> np.uint32(13)
    hashes *= np.uint32(0xC2B2AE35)
    hashes ^= hashes >> np.uint32(16)
    return hashes.view(np.int32)
