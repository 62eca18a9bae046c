"""The analysis pipeline's throughput: each base analyser alone, the whole base pipeline, and clustering at scale.

`python -m benchmarks.run --only pipeline [--pipeline-posts 100000] [--cluster-sizes 100000,1000000]`

Posts are synthetic and short, like a channel's: the Telegram benchmark's
message generator (`telegram_export.MessageFactory`: 20 % Arabic with the
spelling variants real posts have, hashtags, mentions, links), plus what the
analysers look for that a generator of plain sentences lacks: one post in ten
quotes a spokesman ("…," said …; وقال …: «…»), some name a date, and one in
twelve is a re-post of an earlier one (a new header line, a hashtag, a word
changed) so that clusters form.  The same seed gives the same posts.

Three measurements, all on one core so the figure is "per core" on a shared machine:

1. *alone*: each analyser's `analyse` on in-memory `DocumentInput`s (no
   storage), in this process;
2. *pipeline*: `frameline.pipeline.analyze` with one worker (inline) over a
   fresh SQLite workspace holding the posts, storage included: what
   `frameline analyze` costs per post, per analyser and in all;
3. *clustering*: the duplicates analyser alone over N stored posts (signatures,
   index, memberships, labels), for the near-duplicate scaling figure.
"""

from __future__ import annotations

import gc
import random
import resource
import shutil
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from benchmarks.telegram_export import MessageFactory

TARGET_POSTS_PER_CORE = 2_000
TARGET_CLUSTER_1M_S = 300.0
SOURCES = ["Nashir News", "Amaq relay", "Khilafah News", "supporters 1", "supporters 2"]
SPEAKERS_EN = ["Abu Hassan al-Muhajir", "Brett McGurk", "Haider al-Abadi", "Rita Katz", "a spokesman for the group"]
SPEAKERS_AR = ["المتحدث الرسمي", "أبو حسن المهاجر", "الشيخ أبو محمد العدناني", "مصدر أمني"]
DATES_EN = ["on Monday", "last Friday", "on 10 July 2017", "July 9", "yesterday"]
DATES_AR = ["يوم الجمعة", "أمس", "في 10 تموز 2017"]
HEADERS = ["Amaq Agency:", "BREAKING", "عاجل", "Repost from @nashir_news", "Nashir News - Official"]


def _flat(text: Any) -> str:
    return text if isinstance(text, str) else "".join(part if isinstance(part, str) else part["text"] for part in text)


def synthetic_posts(count: int, seed: int = 1) -> Iterator[tuple[str, str, datetime]]:
    """(source name, text, published at) for `count` posts with text; deterministic for a seed."""
    factory = MessageFactory(seed)
    rng = random.Random(seed + 1)
    recent: list[str] = []
    made = 0
    while made < count:
        message = factory.next_message()
        text = _flat(message.get("text", ""))
        if not text:
            continue
        published = datetime.fromtimestamp(int(message["date_unixtime"]), tz=timezone.utc)
        arabic = factory.last_arabic
        roll = rng.random()
        if roll < 0.08 and recent:  # a re-post of a recent post, edited the way re-posters edit
            words = rng.choice(recent).split(" ")
            if len(words) > 12 and rng.random() < 0.5:
                words[rng.randrange(len(words))] = rng.choice(words)
            text = " ".join(words)
            if rng.random() < 0.5:
                text = f"{rng.choice(HEADERS)}\n{text}"
            if rng.random() < 0.5:
                text += " #" + rng.choice(("Mosul", "IS", "عاجل", "Breaking"))
        elif roll < 0.18:  # a quoted statement, attributed, with a date
            sentence = factory._body(arabic, rng.randint(60, 200), shortest=40)  # noqa: SLF001 - same generator
            if arabic:
                text += f"\nوقال {rng.choice(SPEAKERS_AR)} {rng.choice(DATES_AR)}: «{sentence}»"
            else:
                text += f'\n"{sentence}," said {rng.choice(SPEAKERS_EN)} {rng.choice(DATES_EN)}.'
        elif roll < 0.25:
            text += " " + rng.choice(DATES_AR if arabic else DATES_EN)
        if len(recent) < 200:
            recent.append(text)
        else:
            recent[rng.randrange(200)] = text
        made += 1
        yield SOURCES[rng.randrange(len(SOURCES))], text, published


def _store_posts(store: Any, count: int, seed: int) -> float:
    from frameline.records import RawDocument, SourceRef

    refs = {name: SourceRef("telegram", name, groups=("extremist",)) for name in SOURCES}
    started = time.perf_counter()
    batch: list[RawDocument] = []
    for number, (source, text, published) in enumerate(synthetic_posts(count, seed)):
        batch.append(RawDocument(source=refs[source], native_id=str(number), text=text, published_at=published))
        if len(batch) == 5_000:
            store.write_documents(batch)
            batch.clear()
    if batch:
        store.write_documents(batch)
    return time.perf_counter() - started


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_alone(count: int, seed: int) -> list[dict[str, Any]]:
    """Each base analyser's `analyse` over the same posts in memory; requirements' output supplied, untimed."""
    from frameline.analysis.base import DocumentInput
    from frameline.pipeline import available_analysers, dependency_order
    from frameline.records import Span

    posts = list(synthetic_posts(count, seed))
    documents = [DocumentInput(number, text, published_at=published, source_id=1)
                 for number, (_, text, published) in enumerate(posts)]
    characters = sum(len(document.text) for document in documents)
    produced: dict[str, dict[int, Any]] = {}
    rows = []
    for analyser in dependency_order(available_analysers()):
        instance = analyser.from_workspace(None)
        if getattr(instance, "computed_on_demand", False) or not instance.reads_text:
            continue  # computed inside the others, or works on stored output only: measured in the pipeline run
        instance.setup()
        inputs = documents
        if instance.requires:
            inputs = [DocumentInput(d.id, d.text, published_at=d.published_at, source_id=d.source_id, spans=tuple(
                Span(d.id, s.start, s.end, s.layer, s.label, s.score, name, "1", s.attributes)
                for name in instance.requires if name in produced
                for s in (produced[name].get(d.id).spans if produced[name].get(d.id) else ()))) for d in documents]
        gc.collect()
        started = time.process_time()  # CPU time: on a shared machine, wall time measures the neighbours
        outputs = instance.analyse(inputs)
        seconds = time.process_time() - started
        produced[instance.name] = outputs
        rows.append({"analyser": instance.name, "version": instance.version, "documents": len(inputs),
                     "seconds": seconds, "docs_per_s": len(inputs) / seconds if seconds else None,
                     "mean_chars": characters / len(documents)})
    return rows


def bench_pipeline(out_dir: Path, count: int, seed: int, workers: int = 1) -> dict[str, Any]:
    """`analyze` over a fresh workspace of `count` posts, storage included; a second run must do nothing."""
    from frameline.pipeline import analyze
    from frameline.workspace import init_workspace

    folder = out_dir / "work" / f"pipeline-{count}"
    shutil.rmtree(folder, ignore_errors=True)
    workspace = init_workspace(folder)
    store = workspace.open_store()
    import_s = _store_posts(store, count, seed)
    cpu_before = time.process_time()
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    report = analyze(store, workspace, workers=workers, batch_size=1000)
    wall = time.perf_counter() - started
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = time.process_time() - cpu_before + (children.ru_utime - children_before.ru_utime) + (
        children.ru_stime - children_before.ru_stime)
    again = analyze(store, workspace, workers=workers)
    clusters = store.list_clusters(min_size=2, limit=1_000_000)
    status = store.status()
    store.close()
    stages = [{"analyser": stage.name, "version": stage.version, "documents": stage.documents,
               "seconds": stage.seconds, "docs_per_s": stage.docs_per_second, "where": stage.where}
              for stage in report.analysers]
    return {
        "posts": count, "workers": workers, "import_s": import_s, "wall_s": wall, "cpu_s": cpu,
        "docs_per_s": count / wall, "docs_per_cpu_s": count / cpu if cpu else None, "stages": stages,
        "second_run_documents": again.documents, "clusters": len(clusters),
        "clustered_documents": sum(cluster.size for cluster in clusters), "languages": status["languages"],
        "span_layers": status["span_layers"], "peak_rss_mib": _peak_rss_mib(),
    }


def bench_clustering(out_dir: Path, count: int, seed: int) -> dict[str, Any]:
    """The duplicates analyser alone over `count` stored posts (one worker): signatures, index, memberships."""
    from frameline.analysis.duplicates import DuplicateAnalyser
    from frameline.pipeline import analyze
    from frameline.store import open_store, sqlite_url

    folder = out_dir / "work" / f"clustering-{count}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    store = open_store(sqlite_url(folder / "frameline.db"))
    import_s = _store_posts(store, count, seed)
    rss_before = _peak_rss_mib()
    started, cpu_started = time.perf_counter(), time.process_time()
    report = analyze(store, analysers=[DuplicateAnalyser], only=["duplicates"], workers=1, batch_size=2000)
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    clusters = store.list_clusters(min_size=2, limit=10_000_000)
    store.close()
    shutil.rmtree(folder, ignore_errors=True)
    return {"posts": count, "import_s": import_s, "wall_s": wall, "cpu_s": cpu, "docs_per_s": report.documents / wall,
            "clusters": len(clusters), "clustered_documents": sum(cluster.size for cluster in clusters),
            "peak_rss_mib": _peak_rss_mib(), "peak_rss_before_mib": rss_before}


def run_pipeline_benchmarks(out_dir: Path, posts: int, cluster_sizes: list[int], seed: int,
                            workers: int = 1) -> dict[str, Any]:
    print(f"analysers alone on {min(posts, 20_000):,} posts …", flush=True)
    alone = bench_alone(min(posts, 20_000), seed)
    print(f"whole base pipeline on {posts:,} posts ({workers} worker{'s' if workers > 1 else ''}) …", flush=True)
    pipeline = bench_pipeline(out_dir, posts, seed, workers)
    clustering = []
    for size in cluster_sizes:
        print(f"clustering {size:,} posts …", flush=True)
        clustering.append(bench_clustering(out_dir, size, seed))
    return {"alone": alone, "pipeline": pipeline, "clustering": clustering}


def report_pipeline(results: dict[str, Any], table: Any) -> str:
    """The pipeline section of `make bench`'s printout; `table` is run.py's table formatter."""
    out = []
    alone = results["alone"]
    rows = [["analyser", "version", "posts", "CPU s", "posts/s per core"]]
    rows += [[row["analyser"], row["version"], f"{row['documents']:,}", f"{row['seconds']:.2f}",
              f"{row['docs_per_s']:,.0f}"] for row in alone]
    total = sum(1 / row["docs_per_s"] for row in alone if row["docs_per_s"])
    slowest = min(alone, key=lambda row: row["docs_per_s"] or float("inf"))
    out += [f"Analysers alone (analyse() on in-memory posts, mean {alone[0]['mean_chars']:.0f} characters, "
            "no storage)", table(rows),
            f"compute alone, all analysers: {1 / total:,.0f} posts/s per core; slowest: {slowest['analyser']}"]
    pipeline = results["pipeline"]
    rows = [["stage", "posts", "seconds", "posts/s", "ran"]]
    rows += [[stage["analyser"], f"{stage['documents']:,}", f"{stage['seconds']:.1f}",
              f"{stage['docs_per_s']:,.0f}" if stage["documents"] else "", stage["where"]]
             for stage in pipeline["stages"]]
    per_core = pipeline["docs_per_cpu_s"] or 0
    verdict = "ok" if per_core >= TARGET_POSTS_PER_CORE else "MISS"
    slowest_stage = min((s for s in pipeline["stages"] if s["documents"]), key=lambda s: s["docs_per_s"],
                        default=None)
    out += ["", f"Whole base pipeline (analyze, {pipeline['workers']} worker, SQLite, storage included) on "
                f"{pipeline['posts']:,} posts", table(rows),
            f"{pipeline['wall_s']:.1f} s wall, {pipeline['docs_per_s']:,.0f} posts/s; {pipeline['cpu_s']:.1f} CPU s, "
            f"{per_core:,.0f} posts/s per core (target >= {TARGET_POSTS_PER_CORE:,}: {verdict}); slowest stage: "
            f"{slowest_stage['analyser'] if slowest_stage else '-'}; second run analysed "
            f"{pipeline['second_run_documents']} posts; {pipeline['clusters']:,} clusters of "
            f"{pipeline['clustered_documents']:,} posts; peak RSS {pipeline['peak_rss_mib']:.0f} MiB"]
    if results["clustering"]:
        rows = [["posts", "wall s", "CPU s", "posts/s", "clusters", "clustered", "peak RSS MiB", "1M estimate s"]]
        for entry in results["clustering"]:
            estimate = entry["wall_s"] * 1_000_000 / entry["posts"]
            rows.append([f"{entry['posts']:,}", f"{entry['wall_s']:.1f}", f"{entry['cpu_s']:.1f}",
                         f"{entry['docs_per_s']:,.0f}",
                         f"{entry['clusters']:,}", f"{entry['clustered_documents']:,}",
                         f"{entry['peak_rss_mib']:.0f}", f"{estimate:.0f}"])
        out += ["", "Near-duplicate clustering (duplicates analyser alone, 1 worker, SQLite; "
                    f"target 1M < {TARGET_CLUSTER_1M_S:.0f} s; the estimate scales the wall time linearly)", table(rows)]
    return "\n".join(out)
