"""`frameline eval frames`, `frameline train frames` and `frameline annotate`: the frame-coding loop."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.markup import escape
from rich.table import Table

from frameline.cli_codebook import WorkspaceOption, user_errors

eval_app = typer.Typer(no_args_is_help=True, help="Score detectors against a gold set.")


def _console():
    from frameline.cli import console

    return console


def _optional_workspace(path: Path | None):
    from frameline.workspace import WorkspaceError, resolve_workspace

    try:
        return resolve_workspace(path)
    except WorkspaceError:
        if path is not None:
            raise
        return None


@eval_app.command("frames")
def eval_frames(
    gold: Annotated[Path, typer.Option("--gold", help="Gold JSONL: text (or a corpus reference) and frames.")],
    split: Annotated[str, typer.Option(help="dev, test or all.")] = "test",
    data_dir: Annotated[Optional[Path], typer.Option(help="Local corpora for referenced text (default ../shared/data).")] = None,
    rules_only: Annotated[bool, typer.Option("--rules-only", help="Ignore trained models.")] = False,
    workspace: WorkspaceOption = None,
    json_: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Per-frame precision/recall/F1, micro and macro F1, rule precision and calibration (ECE)."""
    from frameline.analysis.frames import FrameAnalyser
    from frameline.analysis.frames_eval import analyser_detector, evaluate, load_gold

    with user_errors():
        found = _optional_workspace(workspace)
        items = [item for item in load_gold(gold, data_dir) if split == "all" or item.split == split]
        analyser = FrameAnalyser.from_workspace(found)
        if rules_only:
            analyser = FrameAnalyser(analyser_codebooks(analyser))
        books = analyser_codebooks(analyser)
        results = evaluate(analyser_detector(analyser), items, {book.id: book.frame_ids() for book in books})
    if json_:
        print(json.dumps({"gold": str(gold), "split": split, "sentences": len(items),
                          "config_version": analyser.config_version(),
                          "codebooks": [result.as_dict() for result in results]}, indent=1))
        return
    _console().print(f"{len(items)} gold sentences ({escape(split)}) · {escape(analyser.config_version())}")
    for result in results:
        table = Table("frame", "P", "R", "F1", "support", "tp", "fp", "fn", title=result.codebook)
        for score in result.frames:
            if score.support or score.false_positives:
                table.add_row(score.frame, f"{score.precision:.2f}", f"{score.recall:.2f}", f"{score.f1:.2f}",
                              str(score.support), str(score.true_positives), str(score.false_positives),
                              str(score.false_negatives))
        _console().print(table)
        _console().print(f"micro P {result.micro_precision:.3f} R {result.micro_recall:.3f} "
                         f"[bold]F1 {result.micro_f1:.3f}[/] · macro F1 {result.macro_f1:.3f} · "
                         f"rule precision {result.rule_precision:.3f} ({result.rule_detections} detections) · "
                         f"ECE {result.calibration.ece:.3f}")
        _console().print("reliability: " + ", ".join(
            f"{row['lower']:.1f}-{row['upper']:.1f}: {row['accuracy']:.2f} of {row['count']}"
            for row in result.calibration.bins))


def analyser_codebooks(analyser):
    from frameline.codebook.model import parse_codebook

    return [parse_codebook(text, source) for text, source in analyser._codebook_texts]
