"""Scoring frame detection against a gold set: per-frame P/R/F1, micro and macro F1, calibration.

The gold file is JSONL, one sentence (or short passage) a line:

    {"id": "g001", "split": "test", "text": "...", "frames": [{"label": "steadfastness", "start": 0, "end": 57}]}

A line may carry a `source` reference instead of `text` (corpus "ptc", file,
start, end and a sha256 prefix of the text): research-only corpora such as the
Propaganda Techniques Corpus cannot be redistributed, so the gold file keeps
offsets and labels only and the text is read from the local copy of the corpus
(`data_dir`, default ../shared/data) and checked against the hash.

A passage is scored by the set of frames detected anywhere in it against the
set of gold frames.  Calibration is measured on the detections themselves
(what the issue promises: a 0.8 is right about 80% of the time): reliability
bins of score against the share of detections that are correct, and the
expected calibration error (ECE), the bin-weighted mean gap.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_DATA_DIR = Path("..") / "shared" / "data"
BINS = 10


class GoldError(ValueError):
    """A gold file that cannot be used; names the file, the line and the problem."""

    def __init__(self, path: str, line: int | None, reason: str) -> None:
        self.path, self.line, self.reason = path, line, reason
        super().__init__(f"{path}{f':{line}' if line else ''}: {reason}")


@dataclass(frozen=True)
class GoldItem:
    id: str
    split: str
    text: str
    frames: frozenset[str]
    source: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)


def default_data_dir() -> Path:
    return Path(os.environ.get("FRAMELINE_SHARED_DATA") or DEFAULT_DATA_DIR)


def load_gold(path: Path, data_dir: Path | None = None, skip_unresolved: bool = False) -> list[GoldItem]:
    """The gold items of a JSONL file; references to local corpora are resolved and hash-checked."""
    data_dir = data_dir or default_data_dir()
    items: list[GoldItem] = []
    cache: dict[Path, str] = {}
    for number, record in _records(path):
        if not isinstance(record, dict) or not isinstance(record.get("frames", []), list):
            raise GoldError(str(path), number, "expected an object with 'text' (or 'source') and a 'frames' list")
        text = record.get("text")
        if text is None:
            text = _resolve(record.get("source") or {}, data_dir, cache, str(path), number)
            if text is None:
                if skip_unresolved:
                    continue
                raise GoldError(str(path), number, f"no text, and its source is not under {data_dir}")
        if not isinstance(text, str) or not text.strip():
            raise GoldError(str(path), number, "'text' must be a non-empty string")
        labels = set()
        for frame in record.get("frames", []):
            label = frame.get("label") if isinstance(frame, dict) else frame
            if not isinstance(label, str):
                raise GoldError(str(path), number, f"frame {frame!r} needs a 'label'")
            labels.add(label)
        items.append(GoldItem(str(record.get("id", number)), str(record.get("split", "test")), text,
                              frozenset(labels), record.get("source") or {}))
    return items


def _records(path: Path) -> Iterator[tuple[int, Any]]:
    """(line number, parsed JSON) for every non-blank line of a JSONL file; a bad line is named."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise GoldError(str(path), None, f"cannot read: {error}") from error
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError as error:
            raise GoldError(str(path), number, f"not JSON: {error}") from error
        yield number, record


def _resolve(source: dict[str, Any], data_dir: Path, cache: dict[Path, str], path: str, number: int) -> str | None:
    if source.get("corpus") != "ptc":
        raise GoldError(path, number, f"no 'text' and no resolvable source (corpus {source.get('corpus')!r})")
    file = data_dir / "ptc" / str(source.get("file", ""))
    if not file.resolve().is_relative_to((data_dir / "ptc").resolve()):
        raise GoldError(path, number, f"source file {source.get('file')!r} is outside the corpus folder")
    if file not in cache:
        if not file.is_file():
            return None
        cache[file] = file.read_text(encoding="utf-8")
    try:
        text = cache[file][int(source["start"]):int(source["end"])]
    except (KeyError, TypeError, ValueError) as error:
        raise GoldError(path, number, f"source needs integer start and end: {error}") from error
    expected = source.get("sha256")
    if expected and not hashlib.sha256(text.encode()).hexdigest().startswith(expected):
        raise GoldError(path, number, f"the text at {file}:{source['start']}-{source['end']} has changed "
                                      "(hash mismatch); is this the same release of the corpus?")
    return text


@dataclass
class FrameScore:
    frame: str
    true_positives: int = 0
    false_positives: int = 0
    false_negatives: int = 0

    @property
    def precision(self) -> float:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else 0.0

    @property
    def recall(self) -> float:
        relevant = self.true_positives + self.false_negatives
        return self.true_positives / relevant if relevant else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def support(self) -> int:
        return self.true_positives + self.false_negatives


@dataclass
class Calibration:
    bins: list[dict[str, float]]  # lower, upper, count, mean score, accuracy
    ece: float
    detections: int


@dataclass
class CodebookScores:
    codebook: str
    frames: list[FrameScore]
    rule_precision: float
    rule_detections: int
    calibration: Calibration

    def totals(self) -> FrameScore:
        total = FrameScore("micro")
        for score in self.frames:
            total.true_positives += score.true_positives
            total.false_positives += score.false_positives
            total.false_negatives += score.false_negatives
        return total

    @property
    def micro_precision(self) -> float:
        return self.totals().precision

    @property
    def micro_recall(self) -> float:
        return self.totals().recall

    @property
    def micro_f1(self) -> float:
        return self.totals().f1

    @property
    def macro_f1(self) -> float:
        scored = [score for score in self.frames if score.support or score.false_positives]
        return sum(score.f1 for score in scored) / len(scored) if scored else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "codebook": self.codebook, "micro_precision": round(self.micro_precision, 4),
            "micro_recall": round(self.micro_recall, 4), "micro_f1": round(self.micro_f1, 4),
            "macro_f1": round(self.macro_f1, 4), "rule_precision": round(self.rule_precision, 4),
            "rule_detections": self.rule_detections, "ece": round(self.calibration.ece, 4),
            "calibration_bins": self.calibration.bins,
            "frames": [{"frame": s.frame, "precision": round(s.precision, 4), "recall": round(s.recall, 4),
                        "f1": round(s.f1, 4), "support": s.support, "true_positives": s.true_positives,
                        "false_positives": s.false_positives, "false_negatives": s.false_negatives}
                       for s in self.frames],
        }


@dataclass
class Detection:
    frame: str
    score: float
    method: str


Detector = Callable[[str], list[Detection]]


def calibration(pairs: Iterable[tuple[float, bool]], bins: int = BINS) -> Calibration:
    buckets: list[list[tuple[float, bool]]] = [[] for _ in range(bins)]
    total = 0
    for score, correct in pairs:
        buckets[min(int(score * bins), bins - 1)].append((score, correct))
        total += 1
    rows, ece = [], 0.0
    for index, bucket in enumerate(buckets):
        if not bucket:
            continue
        confidence = sum(score for score, _ in bucket) / len(bucket)
        accuracy = sum(correct for _, correct in bucket) / len(bucket)
        ece += abs(accuracy - confidence) * len(bucket) / total
        rows.append({"lower": index / bins, "upper": (index + 1) / bins, "count": len(bucket),
                     "mean_score": round(confidence, 4), "accuracy": round(accuracy, 4)})
    return Calibration(rows, ece, total)


def evaluate(detect: Detector, gold: list[GoldItem], frames_by_codebook: dict[str, list[str]]) -> list[CodebookScores]:
    """Scores per codebook; `frames_by_codebook` lists each codebook's frame ids (its label space)."""
    codebook_of = {frame: codebook for codebook, frames in frames_by_codebook.items() for frame in frames}
    counts = {frame: FrameScore(frame) for frame in codebook_of}
    rule_pairs: dict[str, list[bool]] = {codebook: [] for codebook in frames_by_codebook}
    scored: dict[str, list[tuple[float, bool]]] = {codebook: [] for codebook in frames_by_codebook}
    for item in gold:
        best: dict[str, Detection] = {}
        for detection in detect(item.text):
            if detection.frame in codebook_of and (detection.frame not in best or detection.score > best[detection.frame].score):
                best[detection.frame] = detection
        for frame, detection in best.items():
            correct = frame in item.frames
            codebook = codebook_of[frame]
            if correct:
                counts[frame].true_positives += 1
            else:
                counts[frame].false_positives += 1
            if "rule" in detection.method:
                rule_pairs[codebook].append(correct)
            scored[codebook].append((detection.score, correct))
        for frame in item.frames - set(best):
            if frame in counts:
                counts[frame].false_negatives += 1
    results = []
    for codebook, frames in frames_by_codebook.items():
        rules = rule_pairs[codebook]
        results.append(CodebookScores(codebook, [counts[frame] for frame in frames],
                                      sum(rules) / len(rules) if rules else 0.0, len(rules),
                                      calibration(scored[codebook])))
    return results


def analyser_detector(analyser: Any) -> Detector:
    """Detections of the frames analyser (rules, plus the model when one is loaded)."""
    def detect(text: str) -> list[Detection]:
        output = analyser.analyse_text(text)
        return [Detection(span.label, float(span.score or 0.0), span.attributes.get("method", "rule"))
                for span in output.spans]
    return detect


def load_second(path: Path) -> dict[str, frozenset[str]]:
    """A second annotator's frames for gold sentences: JSONL lines `{"id": ..., "frames": [label, ...]}`.

    Kept apart from the gold file so the first labels stay the reference and the second only measures how
    far two careful people agree, which is the ceiling any detector's score should be read against."""
    found: dict[str, frozenset[str]] = {}
    for number, record in _records(path):
        frames = record.get("frames") if isinstance(record, dict) else None
        if not isinstance(frames, list) or "id" not in record:
            raise GoldError(str(path), number, "expected an object with 'id' and a 'frames' list")
        labels = [frame.get("label") if isinstance(frame, dict) else frame for frame in frames]
        if not all(isinstance(label, str) for label in labels):
            raise GoldError(str(path), number, "every frame must be a label or an object with a 'label'")
        key = str(record["id"])
        if key in found:
            raise GoldError(str(path), number, f"id {key!r} is annotated twice")
        found[key] = frozenset(labels)
    return found


@dataclass
class HumanAgreement:
    """The second annotator scored like a detector against the gold labels, plus chance-corrected agreement."""

    codebook: str
    sentences: int
    scores: CodebookScores
    kappa: float | None  # Cohen's, over every (sentence, frame of this codebook) decision
    alpha: float | None  # Krippendorff's nominal alpha over the same decisions

    @property
    def labelled(self) -> bool:
        """Whether either annotator gave a frame of this codebook on these sentences (else F1 says nothing)."""
        total = self.scores.totals()
        return bool(total.true_positives + total.false_positives + total.false_negatives)

    def as_dict(self) -> dict[str, Any]:
        return {"codebook": self.codebook, "sentences": self.sentences, "labelled": self.labelled,
                "micro_precision": round(self.scores.micro_precision, 4),
                "micro_recall": round(self.scores.micro_recall, 4), "micro_f1": round(self.scores.micro_f1, 4),
                "kappa": None if self.kappa is None else round(self.kappa, 4),
                "alpha": None if self.alpha is None else round(self.alpha, 4)}


def human_agreement(gold: list[GoldItem], second: dict[str, frozenset[str]],
                    frames_by_codebook: dict[str, list[str]]) -> list[HumanAgreement]:
    """Per codebook, on the gold sentences that have a second annotation."""
    from frameline.analysis.frames_annotation import cohen_kappa, krippendorff_alpha

    shared = [item for item in gold if item.id in second]
    # Scored by id, not text: a few gold texts occur twice (in different corpora or splits).
    by_id = [GoldItem(item.id, item.split, item.id, item.frames) for item in shared]
    scores = evaluate(lambda key: [Detection(frame, 1.0, "human") for frame in sorted(second[key])],
                      by_id, frames_by_codebook)
    results = []
    for score, (codebook, frames) in zip(scores, frames_by_codebook.items()):
        first = [int(frame in item.frames) for item in shared for frame in frames]
        other = [int(frame in second[item.id]) for item in shared for frame in frames]
        results.append(HumanAgreement(codebook, len(shared), score, cohen_kappa(first, other),
                                      krippendorff_alpha([[a, b] for a, b in zip(first, other)])))
    return results
