"""Finding a codebook's cues and patterns in text, sentence by sentence, with evidence offsets.

One Aho-Corasick automaton (pyahocorasick) holds every cue of every active
codebook and runs once over a document's normalised text (`text.normalize`:
case, diacritics, tatweel and Arabic letter variants folded), so the cost is
one pass per document however many frames there are.  A hit counts only on
word boundaries, with the morphology that matters for each script:

- English: the cue's last word may take an inflection (martyr -> martyrs,
  martyred; celebrate -> celebrating; casualty -> casualties); `*` at the end
  of a cue allows any ending.
- Arabic: the proclitics fused in front (و ف ب ل ك and the article ال, as in
  والمرتدين, بالخلافة, للروافض), the same rule full-text search uses
  (`text.search_words`), and the common suffixes (plural, dual, possessive
  pronouns: الصليبيين, خلافتهم); a ta marbuta written as ta before a suffix
  still matches.

Patterns are regular expressions over the same normalised text, for what a
word list cannot say ("(small|temporary|minor) setback", "victory or
martyrdom").  Evidence is reported in original-text offsets, over the whole
written word, so highlights cover exactly what the analyst sees.  Links are blanked
before matching (same length, so offsets hold): an address's words
("isil-attacks-kill-30") are not the sentence's.

A codebook with a `voice` (`model.Voice`) has its frames dropped from a
sentence that is in the reporting voice: one of its `reporting` patterns
matches the sentence and none of its `speech` patterns does.  The check runs
only on sentences that have a frame of that codebook, so it costs little.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from itertools import product

import regex

from frameline.codebook.model import Codebook, Cue, Frame
from frameline.codebook.pattern_gate import required_words
from frameline.text.normalize import normalize_text, normalize_with_offsets
from frameline.text.search_words import strip_arabic_article
from frameline.text.sentences import split_sentences

_PUNCTUATION = str.maketrans({"-": " ", "\u2010": " ", "\u2011": " ", "\u2012": " ", "\u2013": " ", "\u2014": " ",
                              "\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'", "_": " ", "#": " "})
ENGLISH_SUFFIXES = frozenset({"s", "es", "ed", "d", "ing", "'s", "er", "ers", "ly", "'"})
_ENGLISH_STEM_SUFFIXES = {"e": ("ed", "ing", "er", "ers", "es"), "y": ("es", "ed")}  # celebrat+ing, casualti+es
ARABIC_SUFFIXES = frozenset({"ه", "ها", "هم", "هن", "هما", "كم", "كن", "نا", "ي", "ين", "ون", "ان", "ات", "وا",
                             "يه", "يين", "يون", "تين", "تان", "اتهم", "اتنا", "اته", "يهم", "ينا", "ني"})
# A possessive pronoun replaces the article (خلافتهم "their caliphate"), so a cue written with the
# article also matches without it when one of these ends the word.
ARABIC_PRONOUN_SUFFIXES = frozenset({"ه", "ها", "هم", "هن", "هما", "كم", "كن", "نا", "ي", "ني", "اتهم", "اتنا", "اته",
                                     "يهم", "ينا"})
_CONJUNCTIONS = ("", "و", "ف")
_PREPOSITIONS = ("", "ب", "ل", "ك")
ARABIC_PROCLITICS = frozenset(
    c + p + a for c in _CONJUNCTIONS for p in _PREPOSITIONS for a in ("", "ال") if not (p == "ل" and a == "ال")
) | frozenset(c + "لل" for c in _CONJUNCTIONS)
_MAX_PREFIX = max(map(len, ARABIC_PROCLITICS))
_MAX_SUFFIX = 6
# Some releases of transliterated jihadist texts (the Fifth Tribe Dabiq/Rumiyah quotations) replaced every
# long-vowel letter (ā ī ū) and the ʿayn/hamza marks with "?": R?fidah, Sh??ah, muj?hid?n, jih?d.
_DAMAGED_WORD = re.compile(r"[a-z]+(?:\?{1,2}[a-z]+)+")
_DAMAGE_REPAIRS = ("a", "i", "u", "'")
_MAX_DAMAGE = 4
# A link's letters are an address, not the sentence's words ("isil-attacks-kill-30" in a news URL, a
# suspended account's path): they are blanked before matching, keeping every offset.
_URL = re.compile(r"(?:https?://|www\.)\S+")


def _is_arabic(char: str) -> bool:
    return "\u0621" <= char <= "\u064a"


def _is_word_char(char: str) -> bool:
    return char.isalnum()


def match_key(text: str) -> str:
    return " ".join(normalize_text(text).translate(_PUNCTUATION).split())


@dataclass(frozen=True)
class _Target:
    codebook: int  # index into the matcher's codebooks
    frame: str
    cue: Cue
    negative: bool
    needs_article: bool = False
    wildcard: bool = False
    suffixes: frozenset[str] = frozenset()  # endings allowed after the key
    bare_allowed: bool = True  # False for a stem variant that needs an ending (celebrat-, خلافت-)


@dataclass(frozen=True)
class Evidence:
    """One matched cue or pattern: [start, end) in the original text."""

    start: int
    end: int
    rule: str  # cue:<lang>:<text> or pattern:<id>
    weight: float
    negative: bool = False


@dataclass
class FrameHit:
    """A frame found in one sentence, with the evidence that pushed it over the threshold."""

    codebook: Codebook
    frame: Frame
    sentence: tuple[int, int]
    sentence_index: int
    score: float
    weight: float
    evidence: list[Evidence] = field(default_factory=list)  # overlaps resolved to the longest, for highlighting
    rules: list[str] = field(default_factory=list)  # every cue and pattern that matched


RULE_SCORE_OFFSET = 0.15  # fitted by hand to the gold dev split, where rule detections are right about 93% of the time


def rule_score(weight: float) -> float:
    """Summed cue weight to a confidence in [0, 1): weight 1 (one cue) 0.87, 1.5 0.91, 2 0.93, 3 0.95."""
    return round(weight / (weight + RULE_SCORE_OFFSET), 4)


def _arabic_pattern(pattern: str) -> str:
    """Fold the Arabic letters of a pattern the way the text is folded; leave regex syntax alone."""
    return "".join(normalize_text(char) if "\u0600" <= char <= "\u06ff" else char for char in pattern)


def compile_pattern(expression: str) -> re.Pattern[str] | regex.Pattern[str]:
    """The standard library's engine when it can read the pattern (about three times faster here), else `regex`.

    The text is already lower case, so no IGNORECASE (which costs a factor of five); the codebook
    parser rejects patterns with capital letters for that reason.
    """
    folded = _arabic_pattern(expression)
    try:
        return re.compile(folded)
    except re.error:
        return regex.compile(folded)


class CodebookMatcher:
    """Every cue and pattern of some codebooks; build once per process, then `find` per document."""

    def __init__(self, codebooks: list[Codebook]) -> None:
        import ahocorasick

        self.codebooks = codebooks
        targets: dict[str, list[_Target]] = {}
        for index, codebook in enumerate(codebooks):
            for frame in codebook.frames:
                for cue in frame.cues:
                    self._add(targets, index, frame.id, cue, negative=False)
                for cue in frame.negative:
                    self._add(targets, index, frame.id, cue, negative=True)
        self._automaton = ahocorasick.Automaton()
        for key, found in targets.items():
            self._automaton.add_word(key, (len(key), tuple(found)))
        self._empty = not targets
        if targets:
            self._automaton.make_automaton()
        self._patterns = [
            (index, frame.id, pattern, compile_pattern(pattern.regex))
            for index, codebook in enumerate(codebooks) for frame in codebook.frames for pattern in frame.patterns
        ]
        # a pattern runs only on texts holding one of the words it cannot match without (`pattern_gate`)
        self._gates = [required_words(compiled) for *_, compiled in self._patterns]
        self._gate_automaton = ahocorasick.Automaton()
        for word in {word for gate in self._gates if gate for words in gate for word in words}:
            self._gate_automaton.add_word(word, word)
        self._gated = any(self._gates)
        if self._gated:
            self._gate_automaton.make_automaton()
        # per codebook with a voice: (reporting patterns, speech patterns), compiled
        self._voices = {index: tuple(tuple(compile_pattern(pattern.regex) for pattern in kind)
                                     for kind in (codebook.voice.reporting, codebook.voice.speech))
                        for index, codebook in enumerate(codebooks) if codebook.voice is not None}
        self._frames = {(index, frame.id): frame for index, codebook in enumerate(codebooks) for frame in codebook.frames}
        words = {word for key in targets if not _is_arabic(key[0]) for word in key.split()}
        self._vocabulary = frozenset(words)
        self._repaired: dict[str, str] = {}  # damaged word -> its repair (or itself): words repeat across documents
        self._stems = tuple(sorted({match_key(cue.text.rstrip("*")) for codebook in codebooks for frame in codebook.frames
                                    for cue in [*frame.cues, *frame.negative] if cue.text.endswith("*")
                                    and " " not in match_key(cue.text.rstrip("*")) and not _is_arabic(cue.text[0])}))

    @staticmethod
    def _add(targets: dict[str, list[_Target]], index: int, frame: str, cue: Cue, negative: bool) -> None:
        text = cue.text
        wildcard = text.endswith("*")
        key = match_key(text.rstrip("*"))
        if not key:
            return
        first, _, rest = key.partition(" ")
        arabic = _is_arabic(key[0])
        needs_article = False
        if arabic:
            stripped = strip_arabic_article(first)
            needs_article = stripped != first
            key = f"{stripped} {rest}".strip()
            last = key[-1]
            suffixes = ARABIC_SUFFIXES
            variants = [(key, True)]
            if last == "ه":  # ta marbuta, folded to ha; before a suffix it is written ta (خلافتهم)
                variants.append((key[:-1] + "ت", False))
        else:
            suffixes = ENGLISH_SUFFIXES
            variants = [(key, True)]
            last = key[-1]
            if last in _ENGLISH_STEM_SUFFIXES and len(key.rsplit(" ", 1)[-1]) > 3 and not wildcard:
                variants.append((key[:-1] + ("i" if last == "y" else ""), False))
        for variant, bare in variants:
            allowed = suffixes if bare else frozenset(_ENGLISH_STEM_SUFFIXES.get(last, ())) or ARABIC_SUFFIXES
            targets.setdefault(variant, []).append(
                _Target(index, frame, cue, negative, needs_article, wildcard, allowed, bare))

    def find(self, text: str, sentences: list[tuple[int, int]] | None = None) -> list[FrameHit]:
        """The frames of every sentence of `text` (split here unless given), in text order."""
        if sentences is None:
            sentences = split_sentences(text)
        if not text or not sentences:
            return []
        normalized = normalize_with_offsets(text)
        spaced = _Collapsed(_without_links(normalized.text))
        haystack = spaced.text
        if "?" in haystack:
            haystack = self._repair(haystack)
        starts = [spaced.to_collapsed(normalized.to_normalized(start)) for start, _ in sentences]
        ends = [spaced.to_collapsed(normalized.to_normalized(end)) for _, end in sentences]

        def to_original(start: int, end: int) -> tuple[int, int]:
            return normalized.to_original(spaced.to_spaced(start), spaced.to_spaced(end - 1) + 1)

        found: dict[tuple[int, int, str], list[Evidence]] = {}  # (sentence, codebook, frame) -> evidence

        def sentence_of(start: int, end: int) -> int | None:
            position = bisect_right(starts, start) - 1
            if position < 0 or end > ends[position]:
                return None
            return position

        if not self._empty:
            length = len(haystack)
            for last, (key_length, targets) in self._automaton.iter(haystack):
                start, end = last - key_length + 1, last + 1
                word_end = end
                while word_end < length and _is_word_char(haystack[word_end]) and word_end - end <= _MAX_SUFFIX:
                    word_end += 1
                if haystack[word_end:word_end + 2] == "'s":
                    word_end += 2
                suffix = haystack[end:word_end]
                word_start = start
                while word_start > 0 and _is_word_char(haystack[word_start - 1]) and start - word_start <= _MAX_PREFIX:
                    word_start -= 1
                prefix = haystack[word_start:start]
                for target in targets:
                    if not self._boundaries_allowed(prefix, suffix, target):
                        continue
                    where = sentence_of(start, end)
                    if where is None:
                        continue
                    original = to_original(word_start, word_end)
                    found.setdefault((where, target.codebook, target.frame), []).append(Evidence(
                        original[0], original[1], f"cue:{target.cue.language}:{target.cue.id or target.cue.text}",
                        target.cue.weight, target.negative))
        # A pattern's hits must lie inside one sentence, so it runs over each sentence on its own (a match that
        # ran across two would otherwise hide one inside the second), and a gated pattern (`pattern_gate`) only
        # over the sentences that hold a word of each of its gates: a third of the matcher's time.
        sentences_with: dict[str, set[int]] = {}
        if self._gated and self._patterns:
            for last, word in self._gate_automaton.iter(haystack):
                where = sentence_of(last - len(word) + 1, last + 1)
                if where is not None:
                    sentences_with.setdefault(word, set()).add(where)
        every_sentence = list(zip(starts, ends))
        for (index, frame_id, pattern, compiled), gate in zip(self._patterns, self._gates):
            if gate is None:
                windows = every_sentence
            else:
                if any(words.isdisjoint(sentences_with) for words in gate):
                    continue
                candidates = set.intersection(*(set().union(*(sentences_with.get(word, ()) for word in words))
                                                for words in gate))
                windows = [(starts[where], ends[where]) for where in sorted(candidates)]
            for low, high in windows:
                for match in compiled.finditer(haystack, low, high):
                    if match.end() <= match.start():
                        continue
                    where = sentence_of(match.start(), match.end())
                    if where is None:
                        continue
                    original = to_original(match.start(), match.end())
                    found.setdefault((where, index, frame_id), []).append(
                        Evidence(original[0], original[1], f"pattern:{pattern.id}", pattern.weight))
        hits = []
        reported: dict[tuple[int, int], bool] = {}  # (sentence, codebook) -> in the reporting voice
        for (where, index, frame_id), evidence in sorted(found.items(), key=lambda item: item[0]):
            if any(item.negative for item in evidence):
                continue
            if index in self._voices:
                if (where, index) not in reported:
                    reported[where, index] = _reporting_voice(self._voices[index], haystack, starts[where], ends[where])
                if reported[where, index]:
                    continue
            merged = _without_overlaps(evidence)
            weight = _weight(merged)
            frame = self._frames[(index, frame_id)]
            if weight + 1e-9 < frame.threshold:
                continue
            hits.append(FrameHit(self.codebooks[index], frame, sentences[where], where, rule_score(weight), weight,
                                 merged, sorted({item.rule for item in evidence})))
        return hits

    def _known(self, word: str) -> bool:
        if word in self._vocabulary or word.startswith(self._stems):
            return True
        return any(word.endswith(suffix) and word[:-len(suffix)] in self._vocabulary for suffix in ENGLISH_SUFFIXES)

    def _repair_word(self, word: str) -> str:
        holes = [index for index, char in enumerate(word) if char == "?"]
        if len(holes) <= _MAX_DAMAGE:
            for letters in product(_DAMAGE_REPAIRS, repeat=len(holes)):
                candidate = list(word)
                for index, letter in zip(holes, letters):
                    candidate[index] = letter
                repaired = "".join(candidate)
                if self._known(repaired):
                    return repaired
        return word

    def _repair(self, haystack: str) -> str:
        """Words whose long vowels a corpus turned into "?" read as the cue word they spell (same length, so
        offsets are unchanged); a word that spells no cue word is left as it is."""
        pieces, position = [], 0
        for match in _DAMAGED_WORD.finditer(haystack):
            word = match.group()
            repaired = self._repaired.get(word)
            if repaired is None:
                repaired = self._repaired[word] = self._repair_word(word) if len(self._repaired) < 50_000 else word
            if repaired != word:
                pieces += [haystack[position:match.start()], repaired]
                position = match.end()
        if not pieces:
            return haystack
        pieces.append(haystack[position:])
        return "".join(pieces)

    @staticmethod
    def _boundaries_allowed(prefix: str, suffix: str, target: _Target) -> bool:
        """Whether the letters around a hit make it the cue's word (an allowed ending, allowed proclitics)."""
        if suffix:
            stem = suffix[:-2] if suffix.endswith("'s") else suffix  # a possessive after any allowed ending
            if not (target.wildcard or not stem and target.bare_allowed or stem in target.suffixes):
                return False
        elif not target.bare_allowed:
            return False
        needs_article = target.needs_article and suffix not in ARABIC_PRONOUN_SUFFIXES
        if not prefix:
            return not needs_article
        if not all(_is_arabic(char) for char in prefix) or prefix not in ARABIC_PROCLITICS:
            return False
        return not needs_article or prefix.endswith("ال") or prefix.endswith("لل")


class _Collapsed:
    """The haystack with runs of white space as one space (so "of  #IS" matches "of is"), and the way back."""

    _RUNS = re.compile(r"\s{2,}|[\t\n\r\f\v]")

    def __init__(self, text: str) -> None:
        self.text = text
        self._starts: list[int] = []  # collapsed index where a shift begins
        self._shifts: list[int] = []  # characters removed before it
        self._spaced_starts: list[int] = []  # where each shift begins in the uncollapsed text
        if "  " not in text and not any(char in text for char in "\t\n\r\f\v"):
            return
        pieces, removed, position = [], 0, 0
        for run in self._RUNS.finditer(text):
            pieces.append(text[position:run.start()])
            pieces.append(" ")
            removed += len(run.group()) - 1
            position = run.end()
            self._starts.append(run.start() - (removed - (len(run.group()) - 1)) + 1)
            self._shifts.append(removed)
        pieces.append(text[position:])
        self.text = "".join(pieces)
        self._spaced_starts = [start + shift for start, shift in zip(self._starts, self._shifts)]

    def to_spaced(self, index: int) -> int:
        """Collapsed index -> index in the uncollapsed text."""
        position = bisect_right(self._starts, index) - 1
        return index + (self._shifts[position] if position >= 0 else 0)

    def to_collapsed(self, index: int) -> int:
        """Uncollapsed index -> the first collapsed index whose uncollapsed position is >= index (the character
        itself, or for a removed white-space character the one after its run).

        Shifted by the removals before it, and clamped to where the next removal's text resumes: one bisect,
        where a binary search over `to_spaced` cost a sixth of the matcher's time."""
        if not self._starts:
            return index
        position = bisect_right(self._spaced_starts, index) - 1
        collapsed = index - (self._shifts[position] if position >= 0 else 0)
        if position + 1 < len(self._starts):
            collapsed = min(collapsed, self._starts[position + 1])
        return min(collapsed, len(self.text))


def _reporting_voice(voice: tuple[tuple[re.Pattern[str] | regex.Pattern[str], ...], ...], haystack: str,
                     start: int, end: int) -> bool:
    """Whether haystack[start:end] is an outsider's report (a reporting marker) with none of the group's speech.

    The sentence is cut out, so a marker may anchor at its start or end (^, $)."""
    reporting, speech = voice
    sentence = haystack[start:end]
    return any(pattern.search(sentence) for pattern in reporting) and not any(pattern.search(sentence) for pattern in speech)


def _without_links(text: str) -> str:
    """The normalised text with punctuation read as spaces and links blanked (same length, same offsets)."""
    translated = text.translate(_PUNCTUATION)
    if "://" not in text and "www." not in text:
        return translated
    pieces, position = [], 0
    for match in _URL.finditer(text):  # found in the text itself: hyphens and underscores still join the link
        pieces += [translated[position:match.start()], " " * (match.end() - match.start())]
        position = match.end()
    pieces.append(translated[position:])
    return "".join(pieces)


def _weight(merged: list[Evidence]) -> float:
    """Each stretch of evidence counts once, at its strongest rule (a phrase and the word inside it are one
    cue), and a cue repeated in the sentence counts once."""
    seen: set[str] = set()
    total = 0.0
    for item in merged:
        rules = set(item.rule.split("+"))
        if rules <= seen:
            continue
        seen |= rules
        total += item.weight
    return total


def _without_overlaps(evidence: list[Evidence]) -> list[Evidence]:
    """Overlapping evidence merged into one highlight (its rules joined), so no matched word is hidden."""
    merged: list[Evidence] = []
    for item in sorted(evidence, key=lambda item: (item.start, -item.end)):
        if merged and item.start < merged[-1].end:
            last = merged[-1]
            rules = last.rule if item.rule in last.rule.split("+") else f"{last.rule}+{item.rule}"
            merged[-1] = Evidence(last.start, max(last.end, item.end), rules, max(last.weight, item.weight))
        else:
            merged.append(item)
    return merged
