"""`python -m benchmarks.run [--sizes 100000,1000000] [--only import|search|pipeline] [--profile]`

For each size: generate (or reuse) a synthetic Telegram export, import it into a
fresh workspace in a child process, insert the same rows with raw sqlite3 as the
baseline, and, on the largest size, time 20 searches.  Prints a table and writes
bench-out/bench-<time>.json (and bench-out/latest.json).  See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import pstats
import shutil
import sqlite3
import statistics
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from benchmarks.import_bench import run_child
from benchmarks.pipeline_bench import report_pipeline, run_pipeline_benchmarks
from benchmarks.telegram_export import GENERATOR_VERSION, write_export

ROOT = Path(__file__).resolve().parents[1]
TARGETS = {"ratio_to_raw": 0.5, "wall_1m_s": 60.0, "peak_rss_mib": 1024.0, "rss_growth": 1.25, "search_p95_ms": 100.0}


def _export_for(out_dir: Path, size: int, seed: int) -> tuple[Path, dict[str, Any] | None, float | None]:
    """The cached export for (size, seed, generator version), generated when missing."""
    path = out_dir / "exports" / f"telegram-{size}-seed{seed}-v{GENERATOR_VERSION}" / "result.json"
    stats_path = path.with_name("stats.json")
    if path.is_file() and stats_path.is_file():
        return path, json.loads(stats_path.read_text()), None
    print(f"generating a {size:,}-message export at {path} …", flush=True)
    started = time.perf_counter()
    stats = write_export(path, size, seed)
    elapsed = time.perf_counter() - started
    stats_path.write_text(json.dumps(stats))
    return path, stats, elapsed


def _percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile (p95 of 20 values is the 19th smallest)."""
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered) - 1e-9))
    return ordered[rank - 1]


def _top_profile(profile: Path, limit: int = 25) -> list[dict[str, Any]]:
    stats = pstats.Stats(str(profile))
    total = stats.total_tt
    rows = []
    for (filename, line, function), (_, calls, tottime, cumtime, _) in stats.stats.items():
        rows.append({"function": f"{Path(filename).name}:{line}({function})", "calls": calls,
                     "tottime_s": tottime, "cumtime_s": cumtime, "tottime_pct": 100 * tottime / total})
    rows.sort(key=lambda row: row["tottime_s"], reverse=True)
    return rows[:limit]


def bench_import(out_dir: Path, size: int, seed: int, profile: bool) -> dict[str, Any]:
    export, export_stats, generation_s = _export_for(out_dir, size, seed)
    work = out_dir / "work"
    workspace = work / f"workspace-{size}"
    shutil.rmtree(workspace, ignore_errors=True)
    work.mkdir(parents=True, exist_ok=True)
    profile_path = out_dir / f"import-{size}.prof" if profile else None
    print(f"importing {size:,} messages{' (profiled)' if profile else ''} …", flush=True)
    arguments = ["import", "--export", str(export), "--workspace", str(workspace), "--json", str(work / "import.json")]
    if profile_path:
        arguments += ["--profile", str(profile_path)]
    imported = run_child(arguments)
    (workspace / ".bench-complete").write_text(json.dumps({"size": size, "seed": seed}))
    print(f"  {imported['wall_s']:.1f} s, {imported['docs_per_s']:,.0f} docs/s, "
          f"peak RSS {imported['process']['ru_maxrss_mib']:.0f} MiB", flush=True)
    print("raw sqlite3 executemany baseline …", flush=True)
    raw = run_child(["raw", "--workspace", str(workspace), "--target", str(work / "raw-baseline.db"),
                     "--json", str(work / "raw.json")])
    result = {
        "size": size, "export": str(export), "export_stats": export_stats, "generation_s": generation_s,
        "import": imported, "raw": raw,
        "ratio_to_raw": imported["docs_per_s"] / raw["rows_per_s"] if raw["rows_per_s"] else None,
    }
    if profile_path:
        result["profile_top"] = _top_profile(profile_path)
        result["profile_file"] = str(profile_path)
    return result


def bench_search(out_dir: Path, size: int, seed: int, repeats: int) -> dict[str, Any]:
    workspace = out_dir / "work" / f"workspace-{size}"
    if not (workspace / ".bench-complete").is_file():
        print(f"no finished {size:,}-document workspace yet: importing first", flush=True)
        bench_import(out_dir, size, seed, profile=False)
    print(f"searching the {size:,}-document workspace ({repeats} runs per query) …", flush=True)
    result = run_child(["search", "--workspace", str(workspace), "--repeats", str(repeats),
                        "--json", str(out_dir / "work" / "search.json")])
    cold = [query["cold_ms"] for query in result["queries"]]
    warm = [query["warm_ms"] for query in result["queries"] if query["warm_ms"] is not None]
    result["size"] = size
    result["summary"] = {
        "cold_p50_ms": statistics.median(cold), "cold_p95_ms": _percentile(cold, 0.95), "cold_max_ms": max(cold),
        "warm_p50_ms": statistics.median(warm) if warm else None,
        "warm_p95_ms": _percentile(warm, 0.95) if warm else None, "warm_max_ms": max(warm) if warm else None,
    }
    return result


def _table(rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for number, row in enumerate(rows):
        lines.append("  ".join(cell.rjust(width) if i else cell.ljust(width) for i, (cell, width) in
                               enumerate(zip(row, widths))))
        if number == 0:
            lines.append("  ".join("-" * width for width in widths))
    return "\n".join(lines)


def _verdict(ok: bool | None) -> str:
    return "-" if ok is None else ("PASS" if ok else "FAIL")


def verdicts(results: dict[str, Any]) -> list[list[str]]:
    """[target, measured, PASS/FAIL] for every target issues 2 and 8 set that this run measured."""
    rows = []
    imports = {entry["size"]: entry for entry in results.get("imports", [])}
    for size, entry in sorted(imports.items()):
        imported = entry["import"]
        rows.append([f"{size:,}: import rate >= {TARGETS['ratio_to_raw']}x raw executemany (same run)",
                     f"{entry['ratio_to_raw']:.2f}x ({imported['docs_per_s']:,.0f} vs {entry['raw']['rows_per_s']:,.0f} rows/s)",
                     _verdict(entry["ratio_to_raw"] >= TARGETS["ratio_to_raw"])])
        rows.append([f"{size:,}: peak RSS < {TARGETS['peak_rss_mib']:.0f} MiB (main + reader process)",
                     f"{_peak(entry):.0f} MiB", _verdict(_peak(entry) < TARGETS["peak_rss_mib"])])
    if 1_000_000 in imports:
        wall = imports[1_000_000]["import"]["wall_s"]
        rows.insert(0, [f"1,000,000 messages imported in < {TARGETS['wall_1m_s']:.0f} s", f"{wall:.1f} s",
                        _verdict(wall < TARGETS["wall_1m_s"])])
    if 100_000 in imports and 1_000_000 in imports:
        small, large = _peak(imports[100_000]), _peak(imports[1_000_000])
        rows.append([f"peak RSS flat from 100k to 1M (at most {TARGETS['rss_growth']:.2f}x)",
                     f"{small:.0f} -> {large:.0f} MiB ({large / small:.2f}x)",
                     _verdict(large <= TARGETS["rss_growth"] * small)])
    search = results.get("search")
    if search:
        summary = search["summary"]
        for kind in ("warm", "cold"):
            p95 = summary[f"{kind}_p95_ms"]
            rows.append([f"search p95 < {TARGETS['search_p95_ms']:.0f} ms ({kind}, {search['size']:,} documents)",
                         f"p50 {summary[f'{kind}_p50_ms']:.1f} ms, p95 {p95:.1f} ms",
                         _verdict(p95 < TARGETS["search_p95_ms"])])
    if results.get("insights"):  # issue 8: contrast and timeline queries (benchmarks/insights_bench.py)
        rows += [[v["target"], v["measured"], v["verdict"]] for v in results["insights"]["verdicts"]]
    return rows


def _peak(entry: dict[str, Any]) -> float:
    imported = entry["import"]
    return imported.get("peak_rss_mib", imported["process"]["ru_maxrss_mib"])


def report(results: dict[str, Any]) -> str:
    out = []
    imports = results.get("imports", [])
    if imports:
        rows = [["size", "wall s", "docs/s", "cpu s main+reader", "peak RSS MiB main+reader", "raw rows/s", "ratio",
                 "db MiB"]]
        for entry in imports:
            imported, raw = entry["import"], entry["raw"]
            rows.append([
                f"{entry['size']:,}", f"{imported['wall_s']:.1f}", f"{imported['docs_per_s']:,.0f}",
                f"{imported['cpu_s']:.1f}+{imported.get('reader_cpu_s', 0):.1f}",
                f"{imported.get('main_peak_rss_mib', _peak(entry)):.0f}+{imported.get('reader_peak_rss_mib', 0):.0f}",
                f"{raw['rows_per_s']:,.0f}", f"{entry['ratio_to_raw']:.2f}", f"{imported['database_mib']:.0f}",
            ])
        out += ["Import (run_import, telegram importer, fresh workspace; raw = sqlite3 executemany of the same rows "
                "into a bare WAL table, same transaction size)", _table(rows)]
        if any(e["import"]["profiled"] for e in imports):
            out.append("(profiled run: timings include cProfile overhead)")
        for entry in imports:
            if "profile_top" in entry:
                out += ["", f"cProfile (CPU time), {entry['size']:,} messages, top by own time ({entry['profile_file']}):"]
                rows = [["function", "calls", "own s", "own %", "cum s"]]
                rows += [[row["function"][:80], f"{row['calls']:,}", f"{row['tottime_s']:.2f}",
                          f"{row['tottime_pct']:.1f}", f"{row['cumtime_s']:.2f}"] for row in entry["profile_top"]]
                out.append(_table(rows))
    search = results.get("search")
    if search:
        rows = [["query", "sort", "cold ms", "warm ms", "total"]]
        for query in search["queries"]:
            total = f"{query['total']:,}{'+' if query['total_is_lower_bound'] else ''}"
            rows.append([f"{query['label']}: {query['query'] or '(none)'}"
                         + (f" [group {','.join(query['groups'])}]" if query["groups"] else ""),
                         query["sort"], f"{query['cold_ms']:.1f}",
                         f"{query['warm_ms']:.1f}" if query["warm_ms"] is not None else "-", total])
        out += ["", f"Search (store.search, 20 hits with snippets) on the {search['size']:,}-document workspace, "
                    f"{search['repeats']} runs per query (cold: first run on a fresh connection; warm: median of the rest)",
                _table(rows)]
    checks = verdicts(results)
    if checks:
        load = results["machine"]["load_average"]
        out += ["", "Targets (issues 2 and 8)", _table([["target", "measured", "verdict"]] + checks),
                f"load average at start {load[0]:.1f} on {results['machine']['cpus']} CPUs "
                f"(other processes share them: wall times include waiting for a core, CPU seconds do not)"]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Frameline benchmarks (import and search)")
    parser.add_argument("--sizes", default="100000,1000000", help="comma-separated message counts")
    parser.add_argument("--only", choices=("import", "search", "insights", "pipeline"), help="run only this benchmark")
    parser.add_argument("--search-size", type=int, help="workspace size to search (default: the largest size)")
    parser.add_argument("--repeats", type=int, default=5, help="runs per search query (first is cold)")
    parser.add_argument("--profile", action="store_true", help="cProfile the import child (slows it down)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out-dir", type=Path, default=ROOT / "bench-out")
    add_pipeline_arguments(parser)
    arguments = parser.parse_args(argv)
    sizes = [int(size.replace("_", "")) for size in arguments.sizes.split(",") if size.strip()]
    out_dir = arguments.out_dir.resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    from frameline.sources import telegram  # noqa: F401 - fail early if the package is not installed
    import ijson

    results: dict[str, Any] = {
        "started": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": {"python": sys.version.split()[0], "sqlite": sqlite3.sqlite_version, "ijson_backend": ijson.backend,
                    "platform": platform.platform(), "cpus": os.cpu_count(), "load_average": os.getloadavg()},
        "arguments": {"sizes": sizes, "only": arguments.only, "seed": arguments.seed, "profile": arguments.profile},
        "targets": TARGETS,
    }
    if arguments.only == "pipeline":
        return run_pipeline_only(arguments, out_dir)
    if arguments.only in (None, "import"):
        results["imports"] = [bench_import(out_dir, size, arguments.seed, arguments.profile) for size in sizes]
    if arguments.only in (None, "search"):
        results["search"] = bench_search(out_dir, arguments.search_size or max(sizes), arguments.seed,
                                         arguments.repeats)
    if arguments.only in (None, "insights"):  # contrast and timeline queries (benchmarks/insights_bench.py)
        from benchmarks.insights_bench import run as run_insights
        results["insights"] = run_insights(out_dir, sizes, arguments.repeats, arguments.seed)
    if arguments.only is None:
        results["pipeline"] = pipeline_section(arguments, out_dir)
    results["finished"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
    results["load_average_at_end"] = os.getloadavg()
    results["verdicts"] = [dict(zip(("target", "measured", "verdict"), row)) for row in verdicts(results)]
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
    path = out_dir / f"bench-{stamp}.json"
    text = json.dumps(results, indent=1, ensure_ascii=False)
    path.write_text(text)
    (out_dir / "latest.json").write_text(text)
    print()
    print(report(results))
    if "pipeline" in results:
        print("\n" + report_pipeline(results["pipeline"], _table))
    print(f"\nresults: {path}")
    return 0


# -- the analysis pipeline (benchmarks/pipeline_bench.py) --------------------------


def add_pipeline_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--pipeline-posts", type=int, default=100_000, help="posts for the whole-pipeline run")
    parser.add_argument("--pipeline-workers", type=int, default=1, help="worker processes for the pipeline run")
    parser.add_argument("--cluster-sizes", default="100000",
                        help="comma-separated post counts to cluster; include 1000000 to measure the 1M target "
                             "(otherwise its verdict is a labelled estimate)")
    parser.add_argument("--pipeline-all", action="store_true",
                        help="also run every registered analyser (frames, techniques), reported apart from the base")


def pipeline_section(arguments: argparse.Namespace, out_dir: Path) -> dict[str, Any]:
    sizes = [int(size.replace("_", "")) for size in arguments.cluster_sizes.split(",") if size.strip()]
    return run_pipeline_benchmarks(out_dir, arguments.pipeline_posts, sizes, arguments.seed,
                                   arguments.pipeline_workers, with_all=arguments.pipeline_all)


def run_pipeline_only(arguments: argparse.Namespace, out_dir: Path) -> int:
    results = {"started": datetime.now(timezone.utc).isoformat(timespec="seconds"),
               "machine": {"python": sys.version.split()[0], "cpus": os.cpu_count(), "load_average": os.getloadavg()},
               "pipeline": pipeline_section(arguments, out_dir)}
    results["finished"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
    path = out_dir / f"bench-pipeline-{datetime.now(timezone.utc):%Y%m%dT%H%M%S}.json"
    path.write_text(json.dumps(results, indent=1, ensure_ascii=False, default=str))
    print("\n" + report_pipeline(results["pipeline"], _table))
    print(f"\nresults: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
