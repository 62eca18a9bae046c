"""Patterns are skipped on sentences that lack a word they cannot match without, and the results do not change."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from frameline.codebook import packaged_codebooks
from frameline.codebook.matcher import CodebookMatcher, compile_pattern
from frameline.codebook.pattern_gate import required_words

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"


def gates(expression):
    found = required_words(compile_pattern(expression))
    return None if found is None else sorted(sorted(words) for words in found)


def test_mandatory_literals_and_groups_of_literals_are_the_gate():
    assert gates("(small|temporary|minor) setback") == [[" setback"], ["minor", "small", "temporary"]]
    assert gates("(killed|dead) (\\w+ ){0,3}by (the )?(isis|islamic state)\\b") == [
        ["dead", "killed"], ["isis", "islamic state"]]
    # the parser factors a shared prefix out ("alla" + "h"/"ah"); the words are put back together
    assert gates("(allah|allaah) is with") == [[" is with"], ["allaah", "allah"]]
    # one word per branch of a top-level alternation will do
    assert gates("victory or martyrdom|until the last") == [["until the last", "victory or martyrdom"]]


def test_patterns_without_a_mandatory_word_always_run():
    assert gates("(\\d+|dozens) killed") == [[" killed"]]
    assert gates("\\d+ (of )?(us|it)") is None  # nothing of three letters is mandatory
    assert gates("\\bspies|hostages killed") == [["hostages killed", "spies"]]  # a word boundary is no letter
    assert gates("[a-z]+s|hostages killed") is None  # a branch with no mandatory word of three letters
    assert required_words(re.compile("setback", re.IGNORECASE)) is None  # flags: always run


def test_gated_and_ungated_matchers_find_the_same_frames_on_real_text():
    if not DATA.exists():
        pytest.skip("the shared corpus is not here")
    with open(DATA / "isis-tweets" / "IsisFanboy.csv", encoding="utf-8", errors="replace") as handle:
        texts = [row.get("tweets") or "" for _, row in zip(range(3000), csv.DictReader(handle))]
    gated = CodebookMatcher(packaged_codebooks())
    ungated = CodebookMatcher(packaged_codebooks())
    ungated._gates = [None] * len(ungated._gates)
    assert sum(gate is not None for gate in gated._gates) > len(gated._gates) // 2

    def signature(hits):
        return [(hit.frame.id, hit.sentence, hit.weight, [(item.start, item.end, item.rule) for item in hit.evidence])
                for hit in hits]

    document = "\n".join(texts)
    chunks = [document[start:start + 4000] for start in range(0, len(document), 4000)]
    pattern_hits = 0
    for chunk in chunks:
        found = gated.find(chunk)
        assert signature(found) == signature(ungated.find(chunk))
        pattern_hits += sum(item.rule.startswith("pattern:") for hit in found for item in hit.evidence)
    assert pattern_hits > 50  # the patterns that could match did run


class _Counting:
    """A compiled pattern that counts the scans it is asked for."""

    def __init__(self, compiled, calls):
        self.compiled, self.calls = compiled, calls

    def finditer(self, text, *window):
        self.calls.append(self.compiled.pattern)
        return self.compiled.finditer(text, *window)


def test_a_text_without_a_patterns_words_is_not_scanned_by_it():
    matcher = CodebookMatcher(packaged_codebooks())
    calls: list[str] = []
    matcher._patterns = [(index, frame, pattern, _Counting(compiled, calls))
                         for index, frame, pattern, compiled in matcher._patterns]
    matcher.find("The weather in the valley was fine all week.")
    quiet = len(calls)
    assert quiet < len(matcher._patterns) // 4
    calls.clear()
    hits = matcher.find("The loss of the city is a small setback; the soldiers killed by the Islamic State were apostates.")
    assert len(calls) > quiet
    assert {"minimisation-of-loss", "war"} <= {hit.frame.id for hit in hits}
