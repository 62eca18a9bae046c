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


def untuned(item: GoldItem) -> bool:
    """Whether no cue was written from this gold sentence (test is never used here at all)."""
    if item.split == "dev":
        return item.id.startswith(UNTUNED_DEV_PREFIX)
    if item.split == "train":
        number = item.id[1:]
        return item.id.startswith("t") and number.isdigit() and int(number) >= UNTUNED_TRAIN_FIRST
    return False

# Fitted on tests/analysis/data/frames-gold.jsonl, split dev (729 sentences: 173 jihadist rule detections, 142
# right; 30 counter detections, 18 right), 2026-12-02, after the jihadist codebook's voice gate (branch
# frame-voice: a sentence in the reporting voice gets no jihadist frame); codebooks jihadist-narratives and
# counter-narratives as of that date. "*" is the codebook's own precision.
RELIABILITY: dict[str, dict[str, float]] = {
    "counter-narratives": {
        "*": 0.6, "celebration": 0.5, "delegitimise-group": 0.75, "humanitarian-cost": 0.444,
        "official-victory": 0.667, "threat-persistence": 0.714,
    },
    "jihadist-narratives": {
        "*": 0.821, "belonging": 0.872, "brutality": 0.646, "call-to-act-abroad": 0.9, "crusader-enemy": 0.862,
        "delegitimise-state": 0.804, "mercy": 0.872, "pan-islamic-victimhood": 0.567,
        "recruitment-mobilisation": 0.65, "sectarian-enemy": 0.91, "steadfastness": 0.879, "utopia": 0.71,
        "victimhood": 0.879, "war": 0.841,
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


def rule_detections(gold_path: Path, data_dir: Path | None = None) -> list[tuple[str, str, bool]]:
    """The rules' detections on the untuned gold sentences, one per passage and frame (as `frames_eval` counts
    them)."""
    from frameline.analysis.frames_eval import load_gold
    from frameline.codebook.matcher import CodebookMatcher
    from frameline.codebook.store import active_codebooks

    matcher = CodebookMatcher(active_codebooks(None))
    found = []
    for item in load_gold(gold_path, data_dir):
        if not untuned(item):  # the test split never tunes anything
            continue
        seen = {(hit.codebook.id, hit.frame.id) for hit in matcher.find(item.text)}
        found += [(codebook, frame, frame in item.frames) for codebook, frame in sorted(seen)]
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description="Fit the rule reliability table on a gold file's untuned sentences.")
    parser.add_argument("--gold", type=Path, required=True)
    parser.add_argument("--data-dir", type=Path)
    arguments = parser.parse_args()
    print(json.dumps(fit(rule_detections(arguments.gold, arguments.data_dir)), indent=1))


if __name__ == "__main__":
    main()
