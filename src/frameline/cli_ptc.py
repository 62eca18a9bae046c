"""`frameline ptc …`: run and score our technique models on any data in the shared task's formats."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

from frameline.ptc.formats import Annotation, PtcFormatError, check_offsets, read_annotations, read_articles, \
    write_annotations
from frameline.ptc.scoring import ScoringError, score_si, score_tc

ptc_app = typer.Typer(no_args_is_help=True, help="Propaganda techniques in SemEval-2020 Task 11 formats: predict and score.")
console = Console(soft_wrap=True)
errors = Console(stderr=True, soft_wrap=True)

ArticlesOption = Annotated[Path, typer.Option("--articles", help="folder of article<ID>.txt files")]
OutOption = Annotated[Path, typer.Option("--out", help="file to write the predictions to")]
GoldOption = Annotated[Path, typer.Option("--gold", help="gold labels file")]
PredOption = Annotated[Path, typer.Option("--pred", help="predictions file")]
ModelsOption = Annotated[Optional[Path], typer.Option("--models", help="model folder (default: the shipped models)")]


def _load_models(folder: Path | None):
    """Imported on use: numpy and the models are not needed to score, nor by the rest of the CLI."""
    from frameline.ptc.models import TechniqueModels

    return TechniqueModels.load(folder)


def _fail(error: Exception) -> None:
    errors.print(f"[red]error:[/red] {error}", markup=True, highlight=False)
    raise typer.Exit(1)


@ptc_app.command("predict-tc")
def predict_tc(articles: ArticlesOption, template: Annotated[Path, typer.Option("--template", help="TC template (ID ? start end)")],
               out: OutOption, models: ModelsOption = None) -> None:
    """Fill a TC template's '?' with the predicted technique of each span."""
    try:
        texts = read_articles(articles)
        lines = read_annotations(template, "template")
        check_offsets(lines, texts, template)
        loaded = _load_models(models)
    except (PtcFormatError, FileNotFoundError) as error:  # ModelsMissing is one
        _fail(error)
    count = write_annotations(out, loaded.techniques.label_template(texts, lines))
    console.print(f"{count} spans labelled -> {out}")


@ptc_app.command("predict-si")
def predict_si(articles: ArticlesOption, out: OutOption, models: ModelsOption = None) -> None:
    """Find the spans that use a propaganda technique in every article."""
    try:
        texts = read_articles(articles)
        loaded = _load_models(models)
    except (PtcFormatError, FileNotFoundError) as error:  # ModelsMissing is one
        _fail(error)
    found = [Annotation(article, start, end) for article, text in texts.items()
             for start, end, _ in loaded.spans.predict(text)]
    count = write_annotations(out, found)
    console.print(f"{count} spans in {len(texts)} articles -> {out}")


@ptc_app.command("score-tc")
def score_tc_command(gold: GoldOption, pred: PredOption) -> None:
    """Micro-F1 of technique predictions on the gold spans (and F1 per technique)."""
    try:
        score = score_tc(read_annotations(gold, "tc"), read_annotations(pred, "tc"))
    except (PtcFormatError, ScoringError) as error:
        _fail(error)
    for technique, f1 in score.per_technique.items():
        console.print(f"  {technique:<40} F1 {f1:.4f}", highlight=False)
    console.print(f"micro-F1 {score.micro_f1:.4f}  (P {score.precision:.4f} R {score.recall:.4f}; "
                  f"{score.correct} correct, {score.predicted} predicted, {score.gold} gold)", highlight=False)


@ptc_app.command("score-si")
def score_si_command(gold: GoldOption, pred: PredOption) -> None:
    """Span identification precision, recall and F1 with partial-overlap credit."""
    try:
        score = score_si(read_annotations(gold, "si"), read_annotations(pred, "si"))
    except PtcFormatError as error:
        _fail(error)
    console.print(f"P {score.precision:.4f}  R {score.recall:.4f}  F1 {score.f1:.4f}  "
                  f"({score.predicted} predicted spans, {score.gold} gold, after merging overlaps)", highlight=False)
