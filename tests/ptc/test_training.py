"""Our training code, on a slice of the PTC: files in the task's formats, better than the trivial baselines."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from frameline.cli import app
from frameline.ptc.corpus import Split
from frameline.ptc.formats import TECHNIQUES, Annotation, read_annotations, write_annotations
from frameline.ptc.models import TechniqueModels
from frameline.ptc.scoring import score_si, score_tc
from frameline.ptc.train import train_models


def _template(dev: Split) -> list[Annotation]:
    return [Annotation(a.article, a.start, a.end, "?") for a in dev.techniques]


def test_tiny_classifier_beats_always_loaded_language(tiny_models: Path, ptc_slices: tuple[Split, Split]) -> None:
    _, dev = ptc_slices
    models = TechniqueModels.load(tiny_models)
    predicted = models.techniques.label_template(dev.articles, _template(dev))
    assert [p.key for p in predicted] == [a.key for a in dev.techniques]
    assert {p.technique for p in predicted} <= set(TECHNIQUES)
    baseline = score_tc(dev.techniques, [Annotation(*a.key, "Loaded_Language") for a in dev.techniques])
    assert score_tc(dev.techniques, predicted).micro_f1 > baseline.micro_f1 + 0.03


def test_tiny_span_identifier_finds_spans_inside_the_articles(tiny_models: Path,
                                                               ptc_slices: tuple[Split, Split]) -> None:
    _, dev = ptc_slices
    models = TechniqueModels.load(tiny_models)
    found = [Annotation(article, start, end) for article, text in dev.articles.items()
             for start, end, score in models.spans.predict(text)]
    assert found
    for span in found:
        assert 0 <= span.start < span.end <= len(dev.articles[span.article])
    # Predicting every sentence of the slice as one span is the trivial high-recall answer; ours is more precise.
    score = score_si(dev.spans, found)
    assert score.precision > 0.15 and score.recall > 0.1


def test_manifest_says_how_the_models_were_made(tiny_models: Path) -> None:
    manifest = json.loads((tiny_models / "manifest.json").read_text())
    assert manifest["languages"] == ["en"]
    assert manifest["train_articles"] == 80
    assert 0 < manifest["tc"]["dev_micro_f1"] <= 1 and 0 <= manifest["si"]["dev_f1"] <= 1
    assert "pickle" not in {path.suffix for path in tiny_models.iterdir()}


def test_cli_predicts_and_scores_in_the_task_formats(tiny_models: Path, ptc_slices: tuple[Split, Split],
                                                     ptc_corpus: Path, tmp_path: Path) -> None:
    _, dev = ptc_slices
    articles = tmp_path / "articles"
    articles.mkdir()
    for article, text in dev.articles.items():  # the slice's articles only, copied byte for byte
        (articles / f"article{article}.txt").write_bytes((ptc_corpus / "dev-articles" / f"article{article}.txt")
                                                          .read_bytes())
    write_annotations(tmp_path / "template.out", _template(dev))
    write_annotations(tmp_path / "gold-tc.labels", dev.techniques)
    write_annotations(tmp_path / "gold-si.labels", dev.spans)
    runner = CliRunner()
    result = runner.invoke(app, ["ptc", "predict-tc", "--articles", str(articles), "--template",
                                 str(tmp_path / "template.out"), "--out", str(tmp_path / "tc.out"),
                                 "--models", str(tiny_models)])
    assert result.exit_code == 0, result.output
    assert len(read_annotations(tmp_path / "tc.out", "tc")) == len(dev.techniques)
    result = runner.invoke(app, ["ptc", "score-tc", "--gold", str(tmp_path / "gold-tc.labels"),
                                 "--pred", str(tmp_path / "tc.out")])
    assert result.exit_code == 0 and "micro-F1 0." in result.output
    result = runner.invoke(app, ["ptc", "predict-si", "--articles", str(articles), "--out", str(tmp_path / "si.out"),
                                 "--models", str(tiny_models)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["ptc", "score-si", "--gold", str(tmp_path / "gold-si.labels"),
                                 "--pred", str(tmp_path / "si.out")])
    assert result.exit_code == 0 and "F1 0." in result.output


def test_cli_reports_bad_prediction_lines(tmp_path: Path) -> None:
    (tmp_path / "gold.labels").write_text("1\t0\t5\n")
    (tmp_path / "pred.labels").write_text("1\t0\t5\n1\t7\n")
    result = CliRunner().invoke(app, ["ptc", "score-si", "--gold", str(tmp_path / "gold.labels"),
                                      "--pred", str(tmp_path / "pred.labels")])
    assert result.exit_code == 1
    assert "pred.labels:2: expected 3 tab-separated columns, got 2" in result.output


def test_training_again_gives_byte_identical_files(tiny_models: Path, ptc_slices: tuple[Split, Split],
                                                   tmp_path: Path) -> None:
    """`make train-techniques` must reproduce the shipped files: same data and seed, same bytes (manifest too)."""
    train, dev = ptc_slices
    train_models(train, dev, tmp_path, si_iterations=10, c_grid=(1.0,))
    first = {path.name: path.read_bytes() for path in sorted(tiny_models.iterdir())}
    second = {path.name: path.read_bytes() for path in sorted(tmp_path.iterdir())}
    assert sorted(first) == sorted(second) and len(first) >= 5
    differing = [name for name in first if first[name] != second[name]]
    assert differing == [], f"retraining changed {differing}"
