"""`python -m benchmarks.insights_bench [--sizes 100000,300000] [--repeats 5]` (or `benchmarks.run --only insights`)

Contrast and timeline queries on a large workspace with frame labels, the
path `frameline compare` and `frameline timeline` take (the library functions
the CLI calls, on a freshly opened store).  The workspace is made by
`init_workspace` (so it has the real schema, indexes and triggers) and then filled with bulk
`executemany` rather than the importer, because only the read side is
measured here (the triggers are set aside during the load and the full-text
index and per-day counts rebuilt in one pass): 40 sources (20 "extremist", 20
"mainstream"), documents spread over 2016-2017 with texts drawn from a pool
(about 10% mention Mosul, in English or Arabic), 8 frames with group-specific
rates (about one frame label and span per document).

Each query runs once on a fresh store ("cold": fresh connection and SQLite
cache; the OS page cache may hold the file) and then `repeats - 1` times
("warm"); the target is < 500 ms on 1M documents, and the run ends with a PASS/FAIL
line per query and size (cold and warm both under the target).  Results, verdicts
included, go to bench-out/insights-<time>.json.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import json
import os
import random
import sqlite3
import statistics
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parents[1]
TARGET_MS = 500.0
TARGET_SIZE = 1_000_000  # the workspace size for the target
GENERATOR_VERSION = 6
FRAMES = [f"frame-{name}" for name in ("steadfast", "setback", "enemy", "victimhood", "act-abroad", "victory",
                                       "celebration", "threat-persists")]
EXTREMIST_RATES = [0.30, 0.15, 0.25, 0.20, 0.08, 0.05, 0.01, 0.02]
MAINSTREAM_RATES = [0.02, 0.03, 0.05, 0.05, 0.01, 0.35, 0.20, 0.15]
WORDS_EN = ("soldiers caliphate steadfast victory martyrdom setback war crusader coalition shiites apostates "
            "iraq forces liberation city celebrate crowds humanitarian cost civilians threat remains army "
            "battle statement news report government minister declared end").split()
WORDS_AR = "جنود الخلافة الثبات النصر الشهادة الحرب الصليبيين الرافضة المرتدين العراق الجيش المدينة".split()
START = datetime(2016, 1, 1, tzinfo=timezone.utc)
DAYS = 730
BATCH = 20_000


def _texts(rng: random.Random, count: int = 5000) -> list[tuple[str, str, str]]:
    from frameline.text.search_words import index_text

    pool = []
    for i in range(count):
        arabic = i % 5 == 0
        words = [rng.choice(WORDS_AR if arabic else WORDS_EN) for _ in range(rng.randint(8, 20))]
        if i % 10 == 3:
            words.insert(rng.randrange(len(words)), "بالموصل" if arabic else "Mosul")
        text = " ".join(words) + f" {i}"
        pool.append((text, index_text(text), "ar" if arabic else "en"))
    return pool


def build_workspace(path: Path, size: int, seed: int = 1) -> dict[str, Any]:
    """A workspace of `size` documents with frame labels and spans, written with bulk SQL."""
    from frameline.store.base import Event
    from frameline.workspace import init_workspace

    started = time.perf_counter()
    workspace = init_workspace(path)
    rng = random.Random(seed)
    pool = _texts(rng)
    now = datetime.now(timezone.utc).isoformat(sep=" ")
    connection = sqlite3.connect(path / "frameline.db")
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=OFF")
    # Bulk load without the per-row triggers (full text, day counts); both are rebuilt in one pass
    # below and the triggers restored exactly as the migrations made them.
    triggers = connection.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").fetchall()
    for name, _sql in triggers:
        connection.execute(f'DROP TRIGGER "{name}"')
    with connection:
        for source_id in range(1, 41):
            group = "extremist" if source_id <= 20 else "mainstream"
            connection.execute("INSERT INTO sources (id, kind, name, metadata, created_at) VALUES (?, ?, ?, '{}', ?)",
                               (source_id, "telegram" if group == "extremist" else "rss", f"{group}-{source_id}", now))
            connection.execute("INSERT INTO source_groups (source_id, group_name) VALUES (?, ?)", (source_id, group))
    document_id, labels = 0, 0
    while document_id < size:
        documents, label_rows, span_rows = [], [], []
        for _ in range(min(BATCH, size - document_id)):
            document_id += 1
            source_id = rng.randint(1, 40)
            text, norm, language = pool[rng.randrange(len(pool))]
            published = START + timedelta(seconds=rng.randrange(DAYS * 86400))
            documents.append((document_id, source_id, f"m{document_id}", published.strftime("%Y-%m-%d %H:%M:%S.000000"),
                              now, text, norm, language, hashlib.sha1(text.encode()).hexdigest()))
            for frame, rate in zip(FRAMES, EXTREMIST_RATES if source_id <= 20 else MAINSTREAM_RATES):
                if rng.random() < rate:
                    score = round(rng.random(), 4)
                    label_rows.append((document_id, "frame", frame, score, "frames", "1"))
                    span_rows.append((document_id, 0, min(len(text), 60), "frame", frame, score, "frames", "1"))
        labels += len(label_rows)
        with connection:
            connection.executemany(
                "INSERT INTO documents (id, source_id, native_id, published_at, collected_at, text, text_norm, language,"
                " content_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", documents)
            connection.executemany("INSERT INTO doc_labels (document_id, layer, label, score, producer, producer_version)"
                                   " VALUES (?, ?, ?, ?, ?, ?)", label_rows)
            connection.executemany('INSERT INTO spans (document_id, start, "end", layer, label, score, producer,'
                                   " producer_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", span_rows)
    backfill = importlib.import_module("frameline.store.migrations.versions.0006_events").SQLITE_BACKFILL
    with connection:
        connection.execute("INSERT INTO documents_fts(documents_fts) VALUES ('rebuild')")
        for statement in backfill:
            connection.execute(statement)
        for _name, sql in triggers:
            connection.execute(sql)
    connection.execute("ANALYZE")
    connection.close()
    store = workspace.open_store()
    event = store.add_event(Event("mosul-2017", datetime(2017, 6, 15, tzinfo=timezone.utc),
                                  datetime(2017, 8, 15, tzinfo=timezone.utc), "Mosul OR الموصل"))
    matching = time.perf_counter()
    matched = store.match_event_documents(event)  # once per event; later uses only top it up
    match_s = time.perf_counter() - matching
    store.close()
    (path / ".bench-complete").write_text(json.dumps({"size": size, "seed": seed, "version": GENERATOR_VERSION}))
    return {"size": size, "frame_labels": labels, "build_s": time.perf_counter() - started,
            "event_documents": matched, "event_match_s": match_s,
            "database_mib": (path / "frameline.db").stat().st_size / 2**20}


def _time(call: Callable[[], Any], repeats: int) -> dict[str, Any]:
    """Wall time, and this process's CPU time: on a shared machine the second says what the query
    costs when it has a core to itself (SQLite runs in-process; the OS page cache is warm)."""
    timings, cpu = [], []
    for _ in range(repeats):
        started, started_cpu = time.perf_counter(), time.process_time()
        call()
        timings.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    warm, warm_cpu = timings[1:] or timings, cpu[1:] or cpu
    return {"cold_ms": timings[0], "warm_median_ms": statistics.median(warm), "warm_max_ms": max(warm),
            "cold_cpu_ms": cpu[0], "warm_median_cpu_ms": statistics.median(warm_cpu),
            "load_average": os.getloadavg()}


def measure(path: Path, repeats: int) -> list[dict[str, Any]]:
    from frameline.insights.contrast import contrast_groups
    from frameline.insights.selection import event_named, parse_selection
    from frameline.insights.terms import distinctive_terms
    from frameline.insights.timelines import frame_timeline
    from frameline.workspace import load_workspace

    import ruptures  # noqa: F401 - imported once per process (scipy.stats: seconds on a loaded machine); not timed

    workspace = load_workspace(path)
    cases: list[tuple[str, Callable[[Any], Callable[[], Any]]]] = []

    def sides(store, event: str | None):  # noqa: ANN001, ANN202
        found = event_named(store, event)  # as every command resolves an event (tops up its matches)
        return (parse_selection(store, "group:extremist").restricted_to(found),
                parse_selection(store, "group:mainstream").restricted_to(found))

    for event in (None, "mosul-2017"):
        where = f" @ {event}" if event else " (all)"
        cases += [
            ("contrast frames" + where,
             lambda store, e=event: lambda: contrast_groups(store, *sides(store, e), evidence_per_side=0, terms=False)),
            ("contrast frames + evidence (3/side/frame)" + where,
             lambda store, e=event: lambda: contrast_groups(store, *sides(store, e), evidence_per_side=3, terms=False)),
            ("timeline per day, 2 groups, 8 frames, PELT" + where,
             lambda store, e=event: lambda: frame_timeline(store, list(sides(store, e)), interval="day")),
            ("timeline per week" + where,
             lambda store, e=event: lambda: frame_timeline(store, list(sides(store, e)), interval="week")),
            ("distinctive terms (5k newest docs/side)" + where,
             lambda store, e=event: lambda: distinctive_terms(store, *sides(store, e))),
        ]
    results = []
    for label, make in cases:
        store = workspace.open_store()  # a fresh connection pool for the cold run
        try:
            timing = _time(make(store), repeats)
        finally:
            store.close()
        timing["query"] = label
        print(f"  {label:58s} cold {timing['cold_ms']:7.1f} ms  warm {timing['warm_median_ms']:7.1f} ms  "
              f"(CPU: cold {timing['cold_cpu_ms']:6.1f}, warm {timing['warm_median_cpu_ms']:6.1f} ms; "
              f"load {timing['load_average'][0]:.1f})", flush=True)
        results.append(timing)
    return results


def verdicts(report: dict[str, Any]) -> list[list[str]]:
    """[target, measured, PASS/FAIL] per query and size: the issue's target is < 500 ms each on 1M documents.

    Judged on the cold run (a fresh store, what an analyst's first click costs) and the
    warm median; sizes below 1M are marked as such, since only 1M is the issue's workload.
    """
    rows = []
    for run in report["runs"]:
        scale = "" if run["size"] >= TARGET_SIZE else f" (at {run['size']:,}, not the 1M target size)"
        for query in run["queries"]:
            worst = max(query["cold_ms"], query["warm_median_ms"])
            rows.append([f"{query['query']}: < {TARGET_MS:.0f} ms on {run['size']:,} documents{scale}",
                         f"cold {query['cold_ms']:.0f} ms, warm {query['warm_median_ms']:.0f} ms",
                         "PASS" if worst < TARGET_MS else "FAIL"])
    return rows


def print_verdicts(rows: list[list[str]]) -> None:
    width = max(len(row[0]) for row in rows) if rows else 0
    print("Targets (issue 8: contrast and timeline queries < 500 ms each on a 1M-document workspace)")
    for target, measured, verdict in rows:
        print(f"  {verdict}  {target:{width}s}  {measured}")


def run(out_dir: Path, sizes: list[int], repeats: int = 5, seed: int = 1) -> dict[str, Any]:
    report: dict[str, Any] = {"target_ms": TARGET_MS, "runs": []}
    for size in sizes:
        path = out_dir / "work" / f"insights-{size}-seed{seed}-v{GENERATOR_VERSION}"
        built = None
        if not (path / ".bench-complete").is_file():
            import shutil

            shutil.rmtree(path, ignore_errors=True)
            print(f"building a {size:,}-document workspace with frame labels at {path} …", flush=True)
            built = build_workspace(path, size, seed)
            print(f"  {built['build_s']:.0f} s, {built['frame_labels']:,} frame labels, "
                  f"{built['database_mib']:.0f} MiB; the event matches {built['event_documents']:,} documents "
                  f"(matched once in {built['event_match_s'] * 1000:.0f} ms)", flush=True)
        print(f"insight queries on {size:,} documents ({repeats} runs each):", flush=True)
        report["runs"].append({"size": size, "build": built, "queries": measure(path, repeats)})
    report["verdicts"] = [dict(zip(("target", "measured", "verdict"), row)) for row in verdicts(report)]
    print_verdicts(verdicts(report))
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Frameline insight query benchmark")
    parser.add_argument("--sizes", default="100000,300000")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out-dir", type=Path, default=ROOT / "bench-out")
    arguments = parser.parse_args(argv)
    sizes = [int(size.replace("_", "")) for size in arguments.sizes.split(",") if size.strip()]
    out_dir = arguments.out_dir.resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    report = run(out_dir, sizes, arguments.repeats, arguments.seed)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
    (out_dir / f"insights-{stamp}.json").write_text(json.dumps(report, indent=1))
    print(f"results: {out_dir / f'insights-{stamp}.json'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
