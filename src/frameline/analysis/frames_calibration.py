"""Rule scores that mean what they say: how often each frame's rules are right, measured on gold.

The matcher scores a rule detection by its summed cue weight alone
(`codebook.matcher.rule_score`), which says nothing about how reliable a
frame's cues are: the war cues of a communique are rarely wrong, the victimhood
cues fire on anyone's report of civilian deaths.  The score the analyser
reports for a rule detection is therefore the frame's measured precision on
gold sentences no cue was written from (`untuned`), shrunk towards its codebook's precision when the frame
fired only a few times there (`PRIOR_STRENGTH` pseudo-detections), so that a
0.8 means that about 80% of such detections were right.  The table is refitted
with `python -m frameline.analysis.frames_calibration --gold FILE` after a
codebook edit and pasted below; a frame it does not know (a codebook of the
analyst's own) keeps the weight-based score.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterable
from pathlib import Path

from typing import TYPE_CHECKING

from frameline.codebook.matcher import rule_score

if TYPE_CHECKING:
    from frameline.analysis.frames_eval import GoldItem

PRIOR_STRENGTH = 5.0
# Gold sentences no cue was ever written from: dev batch 4 (ids q...) and train batch 6 (t6056-t7310), labelled
# after the cue rounds that read the rest.  On the sentences the cues were written from, the rules are right
# more often than they will be on new text, so a table fitted there claims too much (test ECE 0.217 with the
# table fitted on all of dev).  A cue round that reads batch 6's errors must move this line.
UNTUNED_DEV_PREFIX = "q"
UNTUNED_TRAIN_FIRST = 6056
# A codebook with fewer rule detections than this on the untuned sentences is fitted on them plus the older dev
# batches: the counter cues fired 29 times there, nearly all on supporters' tweets (3 right), while its frames'
# own domain, news, is held mostly by the older batches (17 of 29 right).
MIN_UNTUNED_DETECTIONS = 100


def untuned(item: GoldItem) -> bool:
    """Whether no cue was written from this gold sentence (test is never used here at all)."""
    if item.split == "dev":
        return item.id.startswith(UNTUNED_DEV_PREFIX)
    if item.split == "train":
        number = item.id[1:]
        return item.id.startswith("t") and number.isdigit() and int(number) >= UNTUNED_TRAIN_FIRST
    return False


# Fitted on tests/analysis/data/frames-gold.jsonl (`rule_detections`), 2026-12-02, after the session-15 cue round,
# codebooks jihadist-narratives and counter-narratives as of that date: jihadist on the untuned sentences (dev
# batch 4 and train batch 6, 1,468 sentences: 340 rule detections, 265 right); counter on those plus the older
# dev batches (29 + 21 detections, 3 + 16 right; `MIN_UNTUNED_DETECTIONS`). "*" is the codebook's own precision.
RELIABILITY: dict[str, dict[str, float]] = {
    "counter-narratives": {
        "*": 0.38, "celebration": 0.271, "delegitimise-group": 0.593, "humanitarian-cost": 0.219,
        "official-victory": 0.406, "threat-persistence": 0.544,
    },
    "jihadist-narratives": {
        "*": 0.779, "belonging": 0.536, "brutality": 0.655, "caliphate-nostalgia": 0.487, "call-to-act-abroad": 0.7,
        "crusader-enemy": 0.9, "delegitimise-state": 0.875, "mercy": 0.7, "pan-islamic-victimhood": 0.487,
        "recruitment-mobilisation": 0.626, "sectarian-enemy": 0.95, "steadfastness": 0.845, "utopia": 0.661,
        "victimhood": 0.798, "war": 0.765,
    },
}


def rule_confidence(codebook: str, frame: str, weight: float) -> float:
    table = RELIABILITY.get(codebook)
    if not table:
        return rule_score(weight)
    return table.get(frame, table["*"])


def fit(detections: Iterable[tuple[str, str, bool]], prior_strength: float = PRIOR_STRENGTH) -> dict[str, dict[str, float]]:
    """(codebook, frame, correct) per rule detection -> codebook -> frame -> shrunk precision."""
    counts: dict[str, dict[str, list[int]]] = {}
    for codebook, frame, correct in detections:
        tally = counts.setdefault(codebook, {}).setdefault(frame, [0, 0])
        tally[0] += bool(correct)
        tally[1] += 1
    table = {}
    for codebook, frames in counts.items():
        right = sum(tally[0] for tally in frames.values())
        total = sum(tally[1] for tally in frames.values())
        prior = right / total
        table[codebook] = {"*": round(prior, 3)} | {
            frame: round((tally[0] + prior_strength * prior) / (tally[1] + prior_strength), 3)
            for frame, tally in sorted(frames.items())}
    return table


def rule_detections(gold_path: Path, data_dir: Path | None = None,
                    min_untuned: int = MIN_UNTUNED_DETECTIONS) -> list[tuple[str, str, bool]]:
    """The rules' detections, one per passage and frame (as `frames_eval` counts them), on the untuned gold
    sentences; a codebook with fewer than `min_untuned` detections there also reads the older dev batches."""
    from frameline.analysis.frames_eval import load_gold
    from frameline.codebook.matcher import CodebookMatcher
    from frameline.codebook.store import active_codebooks

    matcher = CodebookMatcher(active_codebooks(None))
    untuned_found, dev_found = [], []
    for item in load_gold(gold_path, data_dir):
        if not untuned(item) and item.split != "dev":  # the test split never tunes anything
            continue
        seen = {(hit.codebook.id, hit.frame.id) for hit in matcher.find(item.text)}
        rows = [(codebook, frame, frame in item.frames) for codebook, frame in sorted(seen)]
        (untuned_found if untuned(item) else dev_found).extend(rows)
    counts: dict[str, int] = {}
    for codebook, _, _ in untuned_found:
        counts[codebook] = counts.get(codebook, 0) + 1
    return untuned_found + [row for row in dev_found if counts.get(row[0], 0) < min_untuned]


def main() -> None:
    parser = argparse.ArgumentParser(description="Fit the rule reliability table on a gold file's untuned sentences.")
    parser.add_argument("--gold", type=Path, required=True)
    parser.add_argument("--data-dir", type=Path)
    arguments = parser.parse_args()
    print(json.dumps(fit(rule_detections(arguments.gold, arguments.data_dir)), indent=1))


if __name__ == "__main__":
    main()
