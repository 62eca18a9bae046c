"""The measurements, each in its own child process so that its peak memory is its own.

* `import`: `run_import(store, "telegram", [export])` into a fresh workspace made by
  `init_workspace`, exactly the path `frameline import telegram` takes.  Reports
  the import's wall time, documents/s and the child's peak RSS (ru_maxrss of
  that one child, from `os.wait4`, cross-checked with /proc/self/status VmHWM).
* `raw`: the practical limit: the same rows (every column of `documents`, values
  read back from the imported workspace, so already computed) inserted with a
  plain `sqlite3` `executemany` into an empty table with the same columns and
  no indexes, no full-text index and no constraints, WAL mode, one transaction
  per batch of the import's size (10,000 rows).  Only the executemany and commit are timed.
* `search`: `store.search` on a finished workspace, each query run once on a
  freshly opened store ("cold": empty SQLite cache, fresh connection, though the
  OS page cache may hold the file) and then repeatedly ("warm").

The parent (benchmarks.run) starts children with `python -m benchmarks.import_bench CHILD …`.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sqlite3
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from frameline.sources.runner import BATCH_SIZE as RAW_BATCH  # the same transaction size as the import
GROUP = "bench-channels"


# -- children ------------------------------------------------------------------------------


def _peak_rss_mib() -> dict[str, float]:
    """This process's peak resident memory, two ways (Linux: ru_maxrss is in KiB)."""
    found = {"ru_maxrss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(("VmHWM:", "VmRSS:")):
                key, value = line.split(":", 1)
                found[key.lower() + "_mib"] = int(value.split()[0]) / 1024
    except OSError:
        pass
    return found


def child_import(export: Path, workspace_path: Path, profile: Path | None) -> dict[str, Any]:
    from frameline.sources.base import ImportOptions
    from frameline.sources.runner import run_import
    from frameline.workspace import init_workspace

    started = time.perf_counter()
    workspace = init_workspace(workspace_path)
    store = workspace.open_store()
    init_s = time.perf_counter() - started
    rss_before = _peak_rss_mib()
    profiler = None
    if profile is not None:
        import cProfile

        # CPU time, not wall time: on a shared machine the waits for a core are not ours to fix.
        profiler = cProfile.Profile(time.process_time)
    cpu_before = time.process_time()
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    if profiler is not None:
        profiler.enable()
    report = run_import(store, "telegram", [export], ImportOptions(groups=(GROUP,)),
                        rejects_dir=workspace.rejects_dir, actor="bench")
    if profiler is not None:
        profiler.disable()
    wall_s = time.perf_counter() - started
    cpu_s = time.process_time() - cpu_before
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    reader_cpu_s = (children.ru_utime - children_before.ru_utime) + (children.ru_stime - children_before.ru_stime)
    reader_peak_mib = children.ru_maxrss / 1024  # the reader process is this process's only child
    rss_after = _peak_rss_mib()
    documents = store.count_documents()
    store.close()
    if profiler is not None:
        profiler.dump_stats(str(profile))
    database = workspace_path / "frameline.db"
    return {
        "init_s": init_s, "wall_s": wall_s, "cpu_s": cpu_s, "reader_cpu_s": reader_cpu_s,
        "new": report.new, "duplicate": report.duplicate, "rejected": report.rejected,
        "failed_paths": report.failed_paths, "documents": documents,
        "docs_per_s": report.new / wall_s if wall_s else None,
        "rss_before_import_mib": rss_before.get("vmhwm_mib", rss_before["ru_maxrss_mib"]),
        "peak": rss_after,
        "main_peak_rss_mib": rss_after.get("vmhwm_mib", rss_after["ru_maxrss_mib"]),
        "reader_peak_rss_mib": reader_peak_mib,
        # Both processes at their peaks at once: an upper bound of what the import held.
        "peak_rss_mib": rss_after.get("vmhwm_mib", rss_after["ru_maxrss_mib"]) + reader_peak_mib,
        "database_mib": sum(p.stat().st_size for p in workspace_path.glob("frameline.db*")) / 2**20
        if database.exists() else None,
        "profiled": profiler is not None,
    }


def child_raw(workspace_path: Path, target: Path) -> dict[str, Any]:
    """executemany of the workspace's own document rows into a plain WAL table; only the writes are timed."""
    source = sqlite3.connect(workspace_path / "frameline.db")
    columns = [row[1] for row in source.execute("PRAGMA table_info(documents)") if row[1] != "id"]
    declared = {row[1]: row[2] for row in source.execute("PRAGMA table_info(documents)")}
    for suffix in ("", "-wal", "-shm"):
        Path(str(target) + suffix).unlink(missing_ok=True)
    sink = sqlite3.connect(target, isolation_level=None)
    sink.execute("PRAGMA journal_mode=WAL")
    sink.execute("PRAGMA synchronous=NORMAL")
    quoted = ", ".join(f'"{name}"' for name in columns)
    sink.execute(f"CREATE TABLE documents (id INTEGER PRIMARY KEY, "
                 + ", ".join(f'"{name}" {declared[name]}' for name in columns) + ")")
    insert = f"INSERT INTO documents ({quoted}) VALUES ({', '.join('?' * len(columns))})"
    cursor = source.execute(f"SELECT {quoted} FROM documents ORDER BY id")
    rows_total = 0
    timed = 0.0
    payload = 0
    while True:
        rows = cursor.fetchmany(RAW_BATCH)
        if not rows:
            break
        started = time.perf_counter()
        sink.execute("BEGIN IMMEDIATE")
        sink.executemany(insert, rows)
        sink.execute("COMMIT")
        timed += time.perf_counter() - started
        rows_total += len(rows)
        payload += sum(len(v) for row in rows for v in row if isinstance(v, (str, bytes)))
    source.close()
    sink.close()
    size = sum(p.stat().st_size for p in target.parent.glob(target.name + "*"))
    for suffix in ("", "-wal", "-shm"):
        Path(str(target) + suffix).unlink(missing_ok=True)
    return {"rows": rows_total, "write_s": timed, "rows_per_s": rows_total / timed if timed else None,
            "payload_mib": payload / 2**20, "database_mib": size / 2**20, "columns": len(columns)}


@dataclass(frozen=True)
class BenchQuery:
    label: str
    text: str
    sort: str = "relevance"
    groups: tuple[str, ...] = ()


SEARCH_QUERIES = [
    BenchQuery("en common word", "attack"),
    BenchQuery("en place name", "Mosul"),
    BenchQuery("en rarer word", "ceasefire"),
    BenchQuery("en two words", "soldiers killed"),
    BenchQuery("en mixed case + accent", "ALEPPÓ"),
    BenchQuery("ar word", "الموصل"),
    BenchQuery("ar variant: ha for ta marbuta", "الرقه"),
    BenchQuery("ar variant: bare alef, two words", "الدوله الاسلاميه"),
    BenchQuery("ar with diacritics", "المُجَاهِدِين"),
    BenchQuery("ar with tatweel", "عـــاجل"),
    BenchQuery("en phrase", '"Islamic State"'),
    BenchQuery("ar phrase", '"الدولة الإسلامية"'),
    BenchQuery("en prefix", "milit*"),
    BenchQuery("ar prefix", "انتحار*"),
    BenchQuery("OR en/ar", "Mosul OR الموصل"),
    BenchQuery("OR three places", "Raqqa OR Aleppo OR Baghdad"),
    BenchQuery("exclusion", "airstrike -Syria"),
    BenchQuery("group filter + word", "Baghdad", groups=(GROUP,)),
    BenchQuery("sort newest + word", "convoy", sort="newest"),
    BenchQuery("group filter, newest, no words", "", sort="newest", groups=(GROUP,)),
]


def child_search(workspace_path: Path, repeats: int) -> dict[str, Any]:
    from frameline.store import DocumentFilter, SearchQuery
    from frameline.workspace import load_workspace

    from frameline.text.search_words import index_text
    from frameline.text.snippets import make_snippet

    workspace = load_workspace(workspace_path)
    # Build the per-process text tables first (about 0.2 s, once per process): "cold" means
    # SQLite's cache, not Python's lazy set-up.
    make_snippet(index_text("warm up الموصل"), [("warm", False)])
    results = []
    for query in SEARCH_QUERIES:
        request = SearchQuery(text=query.text, sort=query.sort, filter=DocumentFilter(groups=list(query.groups)))
        store = workspace.open_store()  # a fresh engine and connection: SQLite's page cache starts empty
        timings = []
        total = None
        for _ in range(repeats):
            started = time.perf_counter()
            found = store.search(request)
            timings.append((time.perf_counter() - started) * 1000)
            total = (found.total, found.total_is_lower_bound, len(found.hits))
        store.close()
        results.append({"label": query.label, "query": query.text, "sort": query.sort, "groups": list(query.groups),
                        "cold_ms": timings[0], "warm_ms": statistics.median(timings[1:]) if repeats > 1 else None,
                        "runs_ms": timings, "total": total[0], "total_is_lower_bound": total[1], "hits": total[2]})
    return {"queries": results, "repeats": repeats}


# -- parent side ----------------------------------------------------------------------------


def run_child(arguments: list[str], timeout_s: float | None = None) -> dict[str, Any]:
    """Run `python -m benchmarks.import_bench ARGS` and return its JSON, with its own peak RSS added."""
    out = Path(arguments[arguments.index("--json") + 1])
    out.unlink(missing_ok=True)
    command = [sys.executable, "-m", "benchmarks.import_bench", *arguments]
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=Path(__file__).resolve().parents[1])
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    elapsed = time.perf_counter() - started
    if process.returncode != 0:
        raise RuntimeError(f"benchmark child failed with exit code {process.returncode}: {' '.join(command)}")
    result = json.loads(out.read_text())
    result["process"] = {"wall_s": elapsed, "ru_maxrss_mib": usage.ru_maxrss / 1024,
                         "user_s": usage.ru_utime, "system_s": usage.ru_stime}
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description="one benchmark child (started by benchmarks.run)")
    parser.add_argument("child", choices=("import", "raw", "search"))
    parser.add_argument("--export", type=Path)
    parser.add_argument("--workspace", type=Path, required=True)
    parser.add_argument("--target", type=Path)
    parser.add_argument("--profile", type=Path)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--json", type=Path, required=True)
    arguments = parser.parse_args()
    if arguments.child == "import":
        result = child_import(arguments.export, arguments.workspace, arguments.profile)
    elif arguments.child == "raw":
        result = child_raw(arguments.workspace, arguments.target)
    else:
        result = child_search(arguments.workspace, arguments.repeats)
    arguments.json.write_text(json.dumps(result, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
