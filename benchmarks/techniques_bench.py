"""`python -m benchmarks.techniques_bench [--models DIR] [--corpus DIR]`: technique models' speed on PTC dev.

Runs the shipped models (or `--models`) over the real dev articles of the
research-only PTC (kept at ../shared/data/ptc) on one core, timed in CPU
seconds (`time.process_time`, every thread of the process counted):

- span identification (`SpanIdentifier.predict`, what the technique-spans
  analyser calls): predicted spans and characters per CPU-second, on a first
  pass (fresh models: every word's weights computed on first sight) and on a
  second pass over the same articles (those weights cached, as in a long run);
- technique classification (`TechniqueClassifier.probabilities`, what the
  techniques analyser calls) on the predicted spans, and on the gold spans;
- the chain: both, per predicted span.

The issue's target is 500 spans per second per core.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from frameline.ptc.corpus import load_split
from frameline.ptc.models import TechniqueModels

PTC = Path(__file__).resolve().parents[2] / "shared" / "data" / "ptc"
TARGET = 500


def _cpu(function):
    started = time.process_time()
    result = function()
    return result, time.process_time() - started


def measure(models: TechniqueModels, articles: list[str], gold: list[list[tuple[int, int]]]) -> dict[str, float]:
    chars = sum(map(len, articles))
    found, first = _cpu(lambda: [models.spans.predict(text) for text in articles])
    _, second = _cpu(lambda: [models.spans.predict(text) for text in articles])
    spans = sum(map(len, found))
    _, classify = _cpu(lambda: [models.techniques.probabilities(text, [(start, end) for start, end, _ in found_here])
                                for text, found_here in zip(articles, found)])
    gold_spans = sum(map(len, gold))
    _, classify_gold = _cpu(lambda: [models.techniques.probabilities(text, spans_here)
                                     for text, spans_here in zip(articles, gold)])
    return {
        "articles": len(articles), "characters": chars, "predicted_spans": spans,
        "si_cpu_seconds_first_pass": round(first, 3), "si_spans_per_s_first_pass": round(spans / first),
        "si_chars_per_s_first_pass": round(chars / first),
        "si_cpu_seconds_second_pass": round(second, 3), "si_spans_per_s_second_pass": round(spans / second),
        "si_chars_per_s_second_pass": round(chars / second),
        "tc_spans_per_s_predicted": round(spans / classify), "gold_spans": gold_spans,
        "tc_spans_per_s_gold": round(gold_spans / classify_gold),
        "chain_spans_per_s_first_pass": round(spans / (first + classify)),
        "chain_spans_per_s_second_pass": round(spans / (second + classify)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", type=Path, help="a model folder (default: the shipped models)")
    parser.add_argument("--corpus", type=Path, default=PTC, help="the PTC folder (dev-articles/, ...)")
    arguments = parser.parse_args()
    if not (arguments.corpus / "dev-articles").is_dir():
        raise SystemExit(f"{arguments.corpus}: no dev-articles/ here (the PTC is research-only, kept beside the "
                         "checkout at ../shared/data/ptc)")
    dev = load_split(arguments.corpus, "dev")
    ids = sorted(dev.articles)
    gold: dict[str, list[tuple[int, int]]] = {}
    for annotation in dev.spans:
        gold.setdefault(annotation.article, []).append((annotation.start, annotation.end))
    started = time.process_time()
    models = TechniqueModels.load(arguments.models)
    loading = time.process_time() - started
    figures = measure(models, [dev.articles[i] for i in ids], [sorted(set(gold.get(i, ()))) for i in ids])
    print(json.dumps({"models": models.version, "load_cpu_seconds": round(loading, 3), **figures,
                      "target_spans_per_s": TARGET}, indent=1))


if __name__ == "__main__":
    main()
