"""The pipeline benchmark measures what the issue's targets name: the base pipeline, CPU of every working process."""

from __future__ import annotations

import resource
import sys
from pathlib import Path

from frameline.pipeline import analyze
from toy_analysers import Busy, new_store

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the checkout's benchmarks/ package
from benchmarks.pipeline_bench import (  # noqa: E402
    BASE_ANALYSERS,
    bench_pipeline,
    pipeline_verdicts,
    selected_analysers,
    work_cpu_seconds,
)


def test_the_base_set_is_the_issues_base_pipeline_and_all_adds_the_other_analysers():
    base, every = selected_analysers("base"), selected_analysers("all")
    assert set(base) == {"normalize", "language", "entities", "quotes", "duplicates", "known-lists"} == set(BASE_ANALYSERS)
    assert {"frames", "technique-spans", "techniques"} <= set(every) - set(base)


def test_cpu_seconds_include_the_pool_workers(tmp_path):
    store = new_store(tmp_path / "busy.db", 8)
    own_before = resource.getrusage(resource.RUSAGE_SELF)
    before = work_cpu_seconds()
    report = analyze(store, analysers=[Busy(0.3)], batch_size=2, workers=2)  # 4 batches of 0.3 s, in 2 workers
    spent = work_cpu_seconds() - before
    own_after = resource.getrusage(resource.RUSAGE_SELF)
    own = own_after.ru_utime + own_after.ru_stime - own_before.ru_utime - own_before.ru_stime
    store.close()
    assert report["busy"].where == "pool of 2"
    assert spent - own >= 1.1, (spent, own)  # the workers' 1.2 s are counted, though they ran elsewhere


def test_a_small_run_measures_the_base_pipeline_only_storage_included(tmp_path):
    result = bench_pipeline(tmp_path, 300, seed=1, workers=1)
    ran = {stage["analyser"]: stage for stage in result["stages"]}
    assert set(ran) == set(BASE_ANALYSERS)  # no frames, no technique analysers
    assert ran["normalize"]["where"] == "on demand"
    assert all(ran[name]["documents"] == 300 and ran[name]["cpu_s"] > 0 for name in BASE_ANALYSERS[1:])
    assert result["cpu_s"] >= sum(stage["cpu_s"] for stage in result["stages"] if stage["cpu_s"]) * 0.99
    assert result["second_run_documents"] == 0 and result["clusters"] > 0 and result["known_list_labels"] > 0
    assert result["docs_per_cpu_s"] == 300 / result["cpu_s"]


def test_the_1m_clustering_verdict_is_measured_when_run_and_a_labelled_estimate_otherwise():
    entry = {"wall_s": 20.0, "cpu_s": 18.0}
    estimated = pipeline_verdicts({"clustering": [{**entry, "posts": 100_000}]})
    assert "ESTIMATE" in estimated[0][1] and estimated[0][2] == "PASS (estimate)"  # 200 s, linearly
    measured = pipeline_verdicts({"clustering": [{**entry, "posts": 100_000}, {"posts": 1_000_000, "wall_s": 310.0,
                                                                                 "cpu_s": 290.0}]})
    assert "measured" in measured[0][1] and measured[0][2] == "FAIL"
    dedup = pipeline_verdicts({"dedup": {"f1": 0.989, "precision": 1.0, "recall": 0.978, "documents": 3640}})
    assert dedup == [["near-duplicate pair F1 >= 0.95", "F1 0.989 (P 1.000, R 0.978, 3,640 docs)", "PASS"]]
