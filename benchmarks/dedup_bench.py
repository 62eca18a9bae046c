"""Near-duplicate quality and speed on real text: pair precision, recall and F1, documents/s.

`python -m benchmarks.run --only pipeline` runs it (`--dedup-groups`, `--dedup-singles` size the set).

The labelled set is `frameline.analysis.duplicates_eval.build_corpus` over the
PTC training articles in ../shared/data/ptc (research use only: read from the
local copy, never shipped), the same builder tests/analysis/test_duplicates.py
uses: originals with 1-4 generated re-posts each (header and footer lines,
hashtags, 5-15 % of words edited, a cut end) and unrelated paragraphs.  The
duplicates analyser runs alone through `analyze` (one worker, SQLite, storage
included), and its clusters are scored pair by pair against the groups.
"""

from __future__ import annotations

import resource
import shutil
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PTC_ARTICLES = ROOT.parent / "shared" / "data" / "ptc" / "train-articles"
TARGET_F1 = 0.95
T0 = datetime(2017, 7, 10, tzinfo=timezone.utc)


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def bench_dedup(out_dir: Path, groups: int = 700, singles: int = 1200, seed: int = 2017,
                articles: Path = PTC_ARTICLES) -> dict[str, Any]:
    """Pair scores of the duplicates analyser on the labelled set; {"skipped": why} without the PTC copy."""
    from frameline.analysis.duplicates import DuplicateAnalyser
    from frameline.analysis.duplicates_eval import build_corpus, gold_pair_count, pair_scores, ptc_paragraphs
    from frameline.pipeline import analyze
    from frameline.records import RawDocument, SourceRef
    from frameline.store import open_store, sqlite_url

    if not articles.is_dir():
        return {"skipped": f"PTC articles not found at {articles}", "f1": None}
    paragraphs = ptc_paragraphs(articles)
    if groups + singles > len(paragraphs):
        return {"skipped": f"{groups + singles} paragraphs asked for, {len(paragraphs)} available", "f1": None}
    corpus = build_corpus(paragraphs, groups=groups, singles=singles, seed=seed)
    folder = out_dir / "work" / "dedup-quality"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    store = open_store(sqlite_url(folder / "frameline.db"))
    try:
        ids = store.write_documents([
            RawDocument(source=SourceRef("telegram", f"channel {number % 5}"), text=text, native_id=str(number),
                        published_at=T0 + timedelta(minutes=number))
            for number, (text, _) in enumerate(corpus)]).new_ids
        started, cpu_started = time.perf_counter(), _cpu_s()
        report = analyze(store, analysers=[DuplicateAnalyser], only=["duplicates"], workers=1, batch_size=500)
        wall, cpu = time.perf_counter() - started, _cpu_s() - cpu_started
        truth = dict(zip(ids, [group for _, group in corpus]))
        found = store.cluster_ids(ids)
    finally:
        store.close()
        shutil.rmtree(folder, ignore_errors=True)
    precision, recall, f1 = pair_scores(truth, found)
    return {"documents": len(ids), "originals": groups, "singles": singles, "seed": seed,
            "paragraphs_available": len(paragraphs), "gold_pairs": gold_pair_count(truth),
            "predicted_pairs": gold_pair_count(found), "precision": precision, "recall": recall, "f1": f1,
            "wall_s": wall, "cpu_s": cpu, "docs_per_s": report.documents / wall if wall else None,
            "docs_per_cpu_s": report.documents / cpu if cpu else None}


def report_dedup(result: dict[str, Any]) -> str:
    if result.get("skipped"):
        return f"Near-duplicate quality: not measured ({result['skipped']})"
    return (f"Near-duplicate quality (labelled set from {result['paragraphs_available']:,} real PTC paragraphs: "
            f"{result['originals']:,} originals with 1-4 re-posts, {result['singles']:,} unrelated; seed "
            f"{result['seed']})\n{result['documents']:,} docs, {result['gold_pairs']:,} gold pairs, "
            f"{result['predicted_pairs']:,} predicted: pair precision {result['precision']:.3f}, recall "
            f"{result['recall']:.3f}, F1 {result['f1']:.3f} (target >= {TARGET_F1}); "
            f"{result['docs_per_s']:,.0f} docs/s wall, {result['docs_per_cpu_s']:,.0f} docs/s per core "
            "(duplicates alone, 1 worker, storage included)")
