"""`frameline eval frames`, `frameline train frames` and `frameline annotate`: the frame-coding loop."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer
from rich.markup import escape
from rich.table import Table

from frameline.cli_codebook import WorkspaceOption, user_errors

if TYPE_CHECKING:
    from frameline.analysis.frames_eval import CodebookScores

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
    second: Annotated[Optional[Path], typer.Option(
        "--second", help="A second annotator's frames (JSONL: id, frames) for some gold sentences: "
                         "report how far the two annotators agree, beside this detector on the same sentences.")] = None,
    by_corpus: Annotated[bool, typer.Option(
        "--by-corpus", help="Also score each corpus of the gold file (its lines' source.corpus) on its own.")] = False,
    workspace: WorkspaceOption = None,
    json_: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Per-frame precision/recall/F1, micro and macro F1, rule precision and calibration (ECE)."""
    from frameline.analysis.frames import FrameAnalyser
    from frameline.analysis.frames_eval import analyser_detector, evaluate, human_agreement, load_gold, load_second

    with user_errors():
        found = _optional_workspace(workspace)
        items = [item for item in load_gold(gold, data_dir) if split == "all" or item.split == split]
        second_labels = load_second(second) if second else None
        analyser = FrameAnalyser.from_workspace(found)
        if rules_only:
            analyser = FrameAnalyser(analyser.codebooks())
        books = analyser.codebooks()
        label_space = {book.id: book.frame_ids() for book in books}
        detect = analyser_detector(analyser)
        detections = {item.text: detect(item.text) for item in items}
        results = evaluate(detections.__getitem__, items, label_space)
        corpora: dict[str, list] = {}
        if by_corpus:
            for item in items:
                corpora.setdefault(str(item.source.get("corpus") or "(text)"), []).append(item)
        per_corpus = {corpus: evaluate(detections.__getitem__, members, label_space)
                      for corpus, members in sorted(corpora.items())}
        humans, alongside = [], []
        if second_labels is not None:
            humans = human_agreement(items, second_labels, label_space)
            alongside = evaluate(detections.__getitem__, [item for item in items if item.id in second_labels],
                                 label_space)
    if json_:
        report = {"gold": str(gold), "split": split, "sentences": len(items),
                  "config_version": analyser.config_version(),
                  "codebooks": [result.as_dict() for result in results]}
        if by_corpus:
            report["by_corpus"] = {corpus: {"sentences": len(corpora[corpus]),
                                            "codebooks": [_brief(result) for result in scores]}
                                   for corpus, scores in per_corpus.items()}
        if second_labels is not None:
            report["second_annotator"] = [{**human.as_dict(), "detector_micro_f1": round(mine.micro_f1, 4)}
                                          for human, mine in zip(humans, alongside)]
        print(json.dumps(report, indent=1))
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
    if per_corpus:
        table = Table("corpus", "sentences", *(f"{result.codebook} P/R/F1" for result in results), title="by corpus")
        for corpus, scores in per_corpus.items():
            table.add_row(escape(corpus), str(len(corpora[corpus])), *(_cell(score) for score in scores))
        _console().print(table)
    for human, mine in zip(humans, alongside):
        if not human.labelled:
            _console().print(f"{escape(human.codebook)}: second annotator on {human.sentences} of these sentences: "
                             "neither annotator found a frame of this codebook there")
            continue
        kappa = "n/a" if human.kappa is None else f"{human.kappa:.3f}"
        alpha = "n/a" if human.alpha is None else f"{human.alpha:.3f}"
        _console().print(f"{escape(human.codebook)}: second annotator on {human.sentences} of these sentences: "
                         f"micro P {human.scores.micro_precision:.3f} R {human.scores.micro_recall:.3f} "
                         f"[bold]F1 {human.scores.micro_f1:.3f}[/] · Cohen's kappa {kappa} · "
                         f"Krippendorff's alpha {alpha} · this detector on the same sentences: "
                         f"F1 {mine.micro_f1:.3f}")


def _cell(result: CodebookScores) -> str:
    brief = _brief(result)
    if not brief["gold"] and not brief["detections"]:
        return "-"
    return (f"{brief['micro_precision']:.2f}/{brief['micro_recall']:.2f}/{brief['micro_f1']:.2f} "
            f"({brief['gold']} gold, {brief['detections']} found)")


def _brief(result: CodebookScores) -> dict[str, Any]:
    """A codebook's micro scores on part of the gold set, without the per-frame rows."""
    totals = result.totals()
    return {"codebook": result.codebook, "micro_precision": round(result.micro_precision, 4),
            "micro_recall": round(result.micro_recall, 4), "micro_f1": round(result.micro_f1, 4),
            "gold": totals.support, "detections": totals.true_positives + totals.false_positives}


train_app = typer.Typer(no_args_is_help=True, help="Train classifiers from annotations and cue-labelled silver data.")


@train_app.command("frames")
def train_frames(
    gold: Annotated[Optional[Path], typer.Option("--gold", help="Also learn from this gold file's train and dev splits (never test).")] = None,
    data_dir: Annotated[Optional[Path], typer.Option(help="Local corpora for referenced gold text.")] = None,
    silver: Annotated[int, typer.Option(help="At most this many cue-labelled sentences per codebook (0: none).")] = 3000,
    folds: Annotated[int, typer.Option(help="Cross-validation folds (0: skip).")] = 3,
    workspace: WorkspaceOption = None,
    database_url: DatabaseUrlOption = None,
    json_: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """One calibrated classifier per active codebook, stored in the workspace's models/ folder."""
    from frameline.analysis.frames_eval import load_gold
    from frameline.analysis.frames_model import model_version, save_model
    from frameline.analysis.frames_training import train_codebook, training_sets
    from frameline.codebook.store import active_codebooks
    from frameline.workspace import resolve_workspace

    with user_errors():
        found = resolve_workspace(workspace)
        store = found.open_store(database_url)
        codebooks = active_codebooks(found)
        items = [item for item in load_gold(gold, data_dir) if item.split in ("train", "dev")] if gold else None
        sets = training_sets(store, codebooks, items, silver_limit=silver)
        report = []
        for codebook in codebooks:
            training = sets[codebook.id]
            if sum(1 for labels in training.labels if labels) < 8:
                report.append({"codebook": codebook.id, "skipped": "fewer than 8 framed sentences to learn from"})
                continue
            model = train_codebook(codebook, training, folds)
            path = save_model(found, model)
            report.append({"codebook": codebook.id, "model": str(path), "version": model_version(path.read_bytes()),
                           "frames": sorted(model.classifiers), **model.metrics})
        store.audit("cli", "train-frames", None, {"codebooks": [row["codebook"] for row in report]})
    if json_:
        print(json.dumps(report, indent=1, ensure_ascii=False))
        return
    for row in report:
        if "skipped" in row:
            _console().print(f"{escape(row['codebook'])}: skipped ({row['skipped']})")
            continue
        _console().print(f"[bold]{escape(row['codebook'])}[/] model {row['version']} · trained on "
                         + ", ".join(f"{count} {origin}" for origin, count in row.get("origins", {}).items()))
        if "micro_f1" in row:
            _console().print(f"  {row['folds']}-fold cross-validated: micro P {row['micro_precision']:.3f} "
                             f"R {row['micro_recall']:.3f} F1 {row['micro_f1']:.3f}")
            table = Table("frame", "P", "R", "F1", "support")
            for frame, scores in row["frames"].items():
                table.add_row(frame, f"{scores['precision']:.2f}", f"{scores['recall']:.2f}", f"{scores['f1']:.2f}",
                              str(scores["support"]))
            _console().print(table)
        decision = row.get("decision")
        if decision:
            held = decision["out_of_fold"]
            _console().print(f"  decision layer on {decision['passages']} hand-labelled sentences, out of fold: "
                             f"micro P {held['precision']:.3f} R {held['recall']:.3f} F1 {held['f1']:.3f}")
        elif "micro_f1" in row:
            _console().print("  no decision layer (too few hand-labelled framed sentences): every rule hit counts, "
                             "and the model adds sentences above its threshold")


annotate_app = typer.Typer(invoke_without_command=True, help="Accept, reject or add frame labels on sentences.")
AnnotatorOption = Annotated[str, typer.Option("--annotator", "-a", envvar="FRAMELINE_ANNOTATOR",
                                              help="Who decides (default $FRAMELINE_ANNOTATOR).")]
DatabaseUrlOption = Annotated[Optional[str], typer.Option("--database-url", envvar="FRAMELINE_DATABASE_URL",
                                                          help="Use this PostgreSQL server instead of the workspace's database.")]


@annotate_app.callback()
def annotate(
    context: typer.Context,
    next_: Annotated[int, typer.Option("--next", help="Show the N sentences the machine is least sure about.")] = 0,
    workspace: WorkspaceOption = None,
    database_url: DatabaseUrlOption = None,
    json_: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """`frameline annotate --next 10` lists sentences to annotate (uncertainty sampling); then accept/reject/add."""
    if context.invoked_subcommand is not None:
        return
    if next_ <= 0:
        _console().print(context.get_help())
        return
    from frameline.analysis.frames import FrameAnalyser
    from frameline.analysis.frames_annotation import next_sentences
    from frameline.workspace import resolve_workspace

    with user_errors():
        found = resolve_workspace(workspace)
        store = found.open_store(database_url)
        candidates = next_sentences(store, FrameAnalyser.from_workspace(found), next_)
    if json_:
        print(json.dumps([{"key": c.key, "sentence": c.sentence, "uncertainty": c.uncertainty,
                           "suggestions": c.suggestions} for c in candidates], ensure_ascii=False, indent=1))
        return
    for candidate in candidates:
        suggestions = ", ".join(f"{frame} {p:.2f}" for frame, p in list(candidate.suggestions.items())[:4])
        _console().print(f"[cyan]{candidate.key}[/] (uncertainty {candidate.uncertainty:.2f}) {escape(suggestions)}\n"
                         f"    {escape(candidate.sentence[:400])}")


def _decide(decision: str, key: str, frame: str, annotator: str, note: str | None, workspace: Path | None,
            database_url: str | None) -> None:
    from frameline.analysis.frames import FrameAnalyser
    from frameline.analysis.frames_annotation import parse_key
    from frameline.codebook.schema import CodebookError
    from frameline.store.annotations import add_annotation
    from frameline.workspace import resolve_workspace

    with user_errors():
        found = resolve_workspace(workspace)
        store = found.open_store(database_url)
        try:
            document_id, start, end = parse_key(key)
        except ValueError as error:
            raise typer.BadParameter(str(error), param_hint="KEY") from error
        analyser = FrameAnalyser.from_workspace(found)
        codebook = next((book for book in analyser.codebooks() if frame in book.frame_ids()), None)
        if codebook is None:
            raise CodebookError(frame, "not a frame of the active codebooks; see `frameline codebook show`")
        document = store.get_document(document_id)
        if not 0 <= start < end <= len(document.text):
            raise typer.BadParameter(f"{start}-{end} is outside document {document_id} "
                                     f"({len(document.text)} characters)", param_hint="KEY")
        score = analyser.sentence_probabilities(document.text, [(start, end)]).get(0, {}).get(frame)
        add_annotation(store, document_id=document_id, start=start, end=end, sentence=document.text[start:end],
                       codebook=codebook.id, codebook_version=codebook.version, frame=frame, decision=decision,
                       annotator=annotator, machine_score=score, note=note)
        store.audit(annotator, f"annotate-{decision}", key, {"frame": frame})
    _console().print(f"{decision}: {escape(frame)} on {escape(key)} by {escape(annotator)}")


def _decision_command(decision: str, help_text: str) -> None:
    def command(key: Annotated[str, typer.Argument(help="Sentence key document:start-end, from --next.")],
                frame: Annotated[str, typer.Argument(help="Frame id.")],
                annotator: AnnotatorOption = "",
                note: Annotated[Optional[str], typer.Option(help="Why, for the record.")] = None,
                workspace: WorkspaceOption = None, database_url: DatabaseUrlOption = None) -> None:
        _decide(decision, key, frame, annotator, note, workspace, database_url)

    command.__doc__ = help_text
    annotate_app.command(decision)(command)


_decision_command("accept", "Confirm a frame the machine found on a sentence.")
_decision_command("reject", "Say a frame the machine found is not there.")
_decision_command("add", "Give a sentence a frame the machine missed.")


@annotate_app.command("agreement")
def annotate_agreement(workspace: WorkspaceOption = None, database_url: DatabaseUrlOption = None) -> None:
    """Cohen's kappa per pair of annotators and Krippendorff's alpha on sentences two or more annotated."""
    from frameline.analysis.frames_annotation import agreement
    from frameline.workspace import resolve_workspace

    with user_errors():
        result = agreement(resolve_workspace(workspace).open_store(database_url))
    _console().print(f"{len(result.annotators)} annotators, {result.units} shared (sentence, frame) units; "
                     f"Krippendorff's alpha {'n/a' if result.alpha is None else f'{result.alpha:.3f}'}")
    for (first, second), (kappa, shared) in result.kappas.items():
        _console().print(f"  {escape(first)} / {escape(second)}: Cohen's kappa "
                         f"{'n/a' if kappa is None else f'{kappa:.3f}'} on {shared} units")
