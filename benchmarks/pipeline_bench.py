"""The analysis pipeline's throughput: each base analyser alone, the whole base pipeline, and clustering at scale.

`python -m benchmarks.run --only pipeline [--pipeline-posts 100000] [--cluster-sizes 100000,1000000]
[--pipeline-all] [--pipeline-workers N]`

Posts are synthetic and short, like a channel's: the Telegram benchmark's
message generator (`telegram_export.MessageFactory`: 20 % Arabic with the
spelling variants real posts have, hashtags, mentions, links), plus what the
analysers look for that a generator of plain sentences lacks: one post in ten
quotes a spokesman ("…," said …; وقال …: «…»), some name a date, and one in
twelve is a re-post of an earlier one (a new header line, a hashtag, a word
changed) so that clusters form.  The same seed gives the same posts.

The issue's target is for the *base* pipeline: language, entities, quotes,
duplicates and known-lists, with the normalize stage computed inside them as
it is in a real run.  Other installed analysers (frames, the two technique
analysers) are left out of the measured run; `--pipeline-all` adds a second,
labelled run with every registered analyser.

Measurements ("per core" = posts / CPU seconds of every process that did the
work: this one, plus the pool's workers when `--pipeline-workers` > 1; wall
time on a shared machine measures the neighbours):

1. *alone*: the normalize stage, then each base analyser's `analyse` on fresh
   in-memory `DocumentInput`s (each pays for the normalised text it reads, as
   in a run, where every stage loads its own inputs); no storage;
2. *pipeline*: `frameline.pipeline.analyze` over a fresh SQLite workspace
   holding the posts and a 200-entry shared hash list, storage included: what
   `frameline analyze` costs per post, per stage and in all;
3. *near-duplicate quality* (`benchmarks/dedup_bench.py`): pair precision,
   recall and F1 on the labelled set built from real PTC paragraphs;
4. *clustering*: the duplicates analyser alone over N stored posts
   (signatures, index, memberships, labels) through `analyze`, for the 1M
   target.  A 1M run is measured when 1,000,000 is among `--cluster-sizes`;
   otherwise the verdict is a labelled linear estimate from the largest size.
"""

from __future__ import annotations

import gc
import multiprocessing.forkserver
import random
import resource
import shutil
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from benchmarks.dedup_bench import TARGET_F1, bench_dedup

from benchmarks.telegram_export import MessageFactory

TARGET_POSTS_PER_CORE = 2_000
TARGET_CLUSTER_1M_S = 300.0
# The base pipeline as the issue defines it; `normalize` is computed on demand inside the others.
BASE_ANALYSERS = ("normalize", "language", "entities", "quotes", "duplicates", "known-lists")
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


def work_cpu_seconds() -> float:
    """CPU seconds (user + system) of this process and of every worker process it has used so far.

    The local pool's workers are children of multiprocessing's fork server, not
    of this process, so RUSAGE_CHILDREN counts them only once the fork server
    (which reaps them) has exited and been reaped here.  The pool is shut down
    at the end of each stage, so stopping the fork server at a stage boundary
    loses nothing: the next pool starts a new one.
    """
    server = multiprocessing.forkserver._forkserver  # noqa: SLF001 - the only handle on the fork server
    if getattr(server, "_forkserver_pid", None) is not None and hasattr(server, "_stop"):
        server._stop()  # noqa: SLF001 - closes its pipe and waits for it (and so for the workers it reaped)
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def selected_analysers(which: str) -> dict[str, type]:
    """The registered analysers of the base pipeline ("base") or all of them ("all"), by name."""
    from frameline.pipeline import available_analysers

    registered = available_analysers()
    if which == "all":
        return registered
    missing = [name for name in BASE_ANALYSERS if name not in registered]
    if missing:
        raise SystemExit(f"base analysers not installed: {', '.join(missing)} (pip install -e . first)")
    return {name: registered[name] for name in BASE_ANALYSERS}


def bench_alone(count: int, seed: int) -> list[dict[str, Any]]:
    """The normalize stage, then each base analyser's `analyse` over the same posts in memory.

    Each analyser gets fresh inputs (so it pays for the normalised text it
    reads, as every stage of a run does); requirements' output is supplied,
    untimed.  known-lists matches stored signatures only (in its `consolidate`
    step), so it is measured in the pipeline run, not here.
    """
    from frameline.analysis.base import DocumentInput
    from frameline.pipeline import dependency_order
    from frameline.records import Span
    from frameline.text.normalize import normalize_with_offsets

    posts = list(synthetic_posts(count, seed))
    texts = [text for _, text, _ in posts]
    characters = sum(len(text) for text in texts)
    gc.collect()
    started = time.process_time()
    for text in texts:
        normalize_with_offsets(text)
    seconds = time.process_time() - started
    rows = [{"analyser": "normalize", "version": selected_analysers("base")["normalize"].version,
             "documents": count, "seconds": seconds, "docs_per_s": count / seconds if seconds else None,
             "mean_chars": characters / count, "note": "normalize_with_offsets alone"}]
    produced: dict[str, dict[int, Any]] = {}
    for analyser in dependency_order(selected_analysers("base")):
        instance = analyser.from_workspace(None)
        if getattr(instance, "computed_on_demand", False) or not instance.reads_text:
            continue  # measured above, or works on stored output only: measured in the pipeline run
        instance.setup()
        inputs = [DocumentInput(number, text, published_at=published, source_id=1, spans=tuple(
            Span(number, s.start, s.end, s.layer, s.label, s.score, name, "1", s.attributes)
            for name in instance.requires if name in produced
            for s in (produced[name][number].spans if number in produced[name] else ())))
            for number, (_, text, published) in enumerate(posts)]
        gc.collect()
        started = time.process_time()
        outputs = instance.analyse(inputs)
        seconds = time.process_time() - started
        produced[instance.name] = outputs
        rows.append({"analyser": instance.name, "version": instance.version, "documents": len(inputs),
                     "seconds": seconds, "docs_per_s": len(inputs) / seconds if seconds else None,
                     "mean_chars": characters / count, "note": ""})
    return rows


def _shared_hash_list(workspace: Any, seed: int) -> int:
    """A 200-entry list another team shared (half of them re-posted in the corpus), imported into the workspace."""
    from frameline.analysis.base import DocumentInput
    from frameline.analysis.duplicates import DuplicateAnalyser
    from frameline.analysis.hashlists import HashLine, format_hash_list, import_hash_list

    analyser = DuplicateAnalyser()
    texts = [text for _, text, _ in synthetic_posts(100, seed)][::-1][:100]  # posts the corpus also holds
    texts += [text for _, text, _ in synthetic_posts(100, seed + 1000)]  # and posts it does not
    outputs = analyser.analyse([DocumentInput(number, text) for number, text in enumerate(texts)])
    lines = [HashLine(kind, value, f"shared item {number}", "partner team")
             for number, output in outputs.items() for kind, value in output.signatures.items()]
    path = workspace.path / "partner.txt"
    path.write_text(format_hash_list(lines), encoding="utf-8")
    import_hash_list(workspace, path, "partner")
    return len(lines)


def bench_pipeline(out_dir: Path, count: int, seed: int, workers: int = 1, which: str = "base") -> dict[str, Any]:
    """`analyze` with the `which` analysers over a fresh workspace of `count` posts, storage included.

    CPU is counted per stage (the stage's pool workers included) at the
    progress callbacks, which the runner calls when a stage starts and after
    each stored batch.
    """
    from frameline.pipeline import analyze
    from frameline.workspace import init_workspace

    folder = out_dir / "work" / f"pipeline-{which}-{count}"
    shutil.rmtree(folder, ignore_errors=True)
    workspace = init_workspace(folder)
    store = workspace.open_store()
    import_s = _store_posts(store, count, seed)
    listed = _shared_hash_list(workspace, seed)
    analysers = list(selected_analysers(which).values())
    stage_cpu: dict[str, list[float]] = {}  # name -> [CPU at its start, CPU at its last batch]
    last: list[str] = []

    def progress(name: str, done: int, total: int) -> None:
        if done == 0:  # a stage starts: the previous one's pool has been shut down
            now = work_cpu_seconds()
            if last:
                stage_cpu[last[-1]][1] = now
            stage_cpu[name] = [now, now]
            last.append(name)

    gc.collect()
    cpu_before = work_cpu_seconds()
    started = time.perf_counter()
    report = analyze(store, workspace, analysers=analysers, workers=workers, batch_size=1000, progress=progress)
    wall = time.perf_counter() - started
    cpu = work_cpu_seconds() - cpu_before
    if last:
        stage_cpu[last[-1]][1] = cpu_before + cpu
    again = analyze(store, workspace, analysers=analysers, workers=workers)
    clusters = store.list_clusters(min_size=2, limit=1_000_000)
    known = store.count_labelled("known-list")
    status = store.status()
    store.close()
    stages = []
    for stage in report.analysers:
        spent = stage_cpu.get(stage.name)
        stage_cpu_s = spent[1] - spent[0] if spent else None
        stages.append({"analyser": stage.name, "version": stage.version, "documents": stage.documents,
                       "seconds": stage.seconds, "cpu_s": stage_cpu_s, "docs_per_s": stage.docs_per_second,
                       "docs_per_cpu_s": stage.documents / stage_cpu_s if stage_cpu_s and stage.documents else None,
                       "where": stage.where})
    return {
        "which": which, "analysers": [analyser.name for analyser in analysers], "posts": count, "workers": workers,
        "import_s": import_s, "hash_list_lines": listed, "wall_s": wall, "cpu_s": cpu,
        "docs_per_s": count / wall, "docs_per_cpu_s": count / cpu if cpu else None, "stages": stages,
        "second_run_documents": again.documents, "clusters": len(clusters),
        "clustered_documents": sum(cluster.size for cluster in clusters), "known_list_labels": known,
        "languages": status["languages"], "span_layers": status["span_layers"], "peak_rss_mib": _peak_rss_mib(),
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
    started, cpu_started = time.perf_counter(), work_cpu_seconds()
    report = analyze(store, analysers=[DuplicateAnalyser], only=["duplicates"], workers=1, batch_size=2000)
    wall, cpu = time.perf_counter() - started, work_cpu_seconds() - cpu_started
    clusters = store.list_clusters(min_size=2, limit=10_000_000)
    store.close()
    shutil.rmtree(folder, ignore_errors=True)
    return {"posts": count, "import_s": import_s, "wall_s": wall, "cpu_s": cpu, "docs_per_s": report.documents / wall,
            "analysed": report.documents, "clusters": len(clusters),
            "clustered_documents": sum(cluster.size for cluster in clusters),
            "peak_rss_mib": _peak_rss_mib(), "peak_rss_before_mib": rss_before}


def run_pipeline_benchmarks(out_dir: Path, posts: int, cluster_sizes: list[int], seed: int,
                            workers: int = 1, with_all: bool = False, dedup: bool = True) -> dict[str, Any]:
    print(f"normalize and base analysers alone on {min(posts, 20_000):,} posts …", flush=True)
    alone = bench_alone(min(posts, 20_000), seed)
    print(f"whole base pipeline on {posts:,} posts ({workers} worker{'s' if workers > 1 else ''}) …", flush=True)
    pipeline = bench_pipeline(out_dir, posts, seed, workers, "base")
    results: dict[str, Any] = {"alone": alone, "pipeline": pipeline}
    if with_all:
        print(f"every registered analyser on {posts:,} posts …", flush=True)
        results["pipeline_all"] = bench_pipeline(out_dir, posts, seed, workers, "all")
    if dedup:
        print("near-duplicate quality on the labelled PTC set …", flush=True)
        results["dedup"] = bench_dedup(out_dir)
    results["clustering"] = []
    for size in cluster_sizes:
        print(f"clustering {size:,} posts …", flush=True)
        results["clustering"].append(bench_clustering(out_dir, size, seed))
    results["verdicts"] = [dict(zip(("target", "measured", "verdict"), row)) for row in pipeline_verdicts(results)]
    return results


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def pipeline_verdicts(results: dict[str, Any]) -> list[list[str]]:
    """[target, measured, verdict] for each target issue 4 sets that this run measured."""
    rows = []
    pipeline = results.get("pipeline")
    if pipeline:
        per_core = pipeline["docs_per_cpu_s"] or 0.0
        rows.append([f"whole base pipeline >= {TARGET_POSTS_PER_CORE:,} posts/s per core",
                     f"{per_core:,.0f} posts/s per core ({pipeline['posts']:,} posts, {pipeline['cpu_s']:.1f} CPU s, "
                     f"{pipeline['workers']} worker{'s' if pipeline['workers'] > 1 else ''})",
                     _verdict(per_core >= TARGET_POSTS_PER_CORE)])
    dedup = results.get("dedup")
    if dedup and dedup.get("f1") is not None:
        rows.append([f"near-duplicate pair F1 >= {TARGET_F1}",
                     f"F1 {dedup['f1']:.3f} (P {dedup['precision']:.3f}, R {dedup['recall']:.3f}, "
                     f"{dedup['documents']:,} docs)", _verdict(dedup["f1"] >= TARGET_F1)])
    elif dedup:
        rows.append([f"near-duplicate pair F1 >= {TARGET_F1}", dedup.get("skipped", "not measured"), "-"])
    clustering = {entry["posts"]: entry for entry in results.get("clustering", [])}
    target = f"clustering 1,000,000 posts < {TARGET_CLUSTER_1M_S / 60:.0f} min"
    if 1_000_000 in clustering:
        wall = clustering[1_000_000]["wall_s"]
        rows.append([target, f"{wall:.0f} s wall, {clustering[1_000_000]['cpu_s']:.0f} CPU s (measured)",
                     _verdict(wall < TARGET_CLUSTER_1M_S)])
    elif clustering:
        largest = clustering[max(clustering)]
        estimate = largest["wall_s"] * 1_000_000 / largest["posts"]
        rows.append([target, f"~{estimate:.0f} s: ESTIMATE, linear from {largest['posts']:,} posts "
                             "(add 1000000 to --cluster-sizes to measure)",
                     f"{_verdict(estimate < TARGET_CLUSTER_1M_S)} (estimate)"])
    return rows


def _pipeline_rows(pipeline: dict[str, Any], table: Any, title: str) -> list[str]:
    rows = [["stage", "posts", "wall s", "CPU s", "posts/s per core", "ran"]]
    rows += [[stage["analyser"], f"{stage['documents']:,}", f"{stage['seconds']:.1f}",
              f"{stage['cpu_s']:.1f}" if stage.get("cpu_s") is not None and stage["documents"] else "",
              f"{stage['docs_per_cpu_s']:,.0f}" if stage.get("docs_per_cpu_s") else "", stage["where"]]
             for stage in pipeline["stages"]]
    per_core = pipeline["docs_per_cpu_s"] or 0
    timed = [s for s in pipeline["stages"] if s.get("docs_per_cpu_s")]
    slowest = min(timed, key=lambda s: s["docs_per_cpu_s"], default=None)
    workers = pipeline["workers"]
    return ["", f"{title} (analyze, {workers} worker{'s' if workers > 1 else ''}, SQLite, storage included) on "
                f"{pipeline['posts']:,} posts: {', '.join(pipeline['analysers'])}", table(rows),
            f"{pipeline['wall_s']:.1f} s wall, {pipeline['docs_per_s']:,.0f} posts/s; {pipeline['cpu_s']:.1f} CPU s "
            f"(this process and its workers), {per_core:,.0f} posts/s per core; slowest stage: "
            f"{slowest['analyser'] if slowest else '-'}; second run analysed {pipeline['second_run_documents']} "
            f"posts; {pipeline['clusters']:,} clusters of {pipeline['clustered_documents']:,} posts; "
            f"posts on a shared hash list {pipeline['known_list_labels']:,}"
            f" ({pipeline['hash_list_lines']} listed hashes); peak RSS {pipeline['peak_rss_mib']:.0f} MiB"]


def report_pipeline(results: dict[str, Any], table: Any) -> str:
    """The pipeline section of `make bench`'s printout; `table` is run.py's table formatter."""
    out = []
    alone = results["alone"]
    rows = [["analyser", "version", "posts", "CPU s", "posts/s per core"]]
    rows += [[row["analyser"], row["version"], f"{row['documents']:,}", f"{row['seconds']:.2f}",
              f"{row['docs_per_s']:,.0f}" if row["docs_per_s"] else "-"] for row in alone]
    analysers = [row for row in alone if row["analyser"] != "normalize"]
    total = sum(1 / row["docs_per_s"] for row in analysers if row["docs_per_s"])
    slowest = min(analysers, key=lambda row: row["docs_per_s"] or float("inf"))
    out += [f"Base analysers alone (analyse() on in-memory posts, mean {alone[0]['mean_chars']:.0f} characters, "
            "no storage; each analyser's row includes the normalised text it computes; known-lists: see the run)",
            table(rows),
            f"compute alone, base analysers one after another: {1 / total:,.0f} posts/s per core; "
            f"slowest analyser: {slowest['analyser']} ({slowest['docs_per_s']:,.0f} posts/s per core)"]
    out += _pipeline_rows(results["pipeline"], table, "Whole base pipeline")
    if results.get("pipeline_all"):
        out += _pipeline_rows(results["pipeline_all"], table, "Every registered analyser (not the issue's target)")
    dedup = results.get("dedup")
    if dedup:
        from benchmarks.dedup_bench import report_dedup

        out += ["", report_dedup(dedup)]
    if results["clustering"]:
        rows = [["posts", "wall s", "CPU s", "posts/s", "clusters", "clustered", "peak RSS MiB"]]
        for entry in results["clustering"]:
            rows.append([f"{entry['posts']:,}", f"{entry['wall_s']:.1f}", f"{entry['cpu_s']:.1f}",
                         f"{entry['docs_per_s']:,.0f}", f"{entry['clusters']:,}", f"{entry['clustered_documents']:,}",
                         f"{entry['peak_rss_mib']:.0f}"])
        out += ["", "Near-duplicate clustering (duplicates analyser alone through analyze, 1 worker, SQLite; "
                    f"target 1M < {TARGET_CLUSTER_1M_S:.0f} s wall)", table(rows)]
    checks = pipeline_verdicts(results)
    if checks:
        out += ["", "Targets (issue 4)", table([["target", "measured", "verdict"]] + checks)]
    return "\n".join(out)
