"""The insights benchmark's verdicts: PASS only when cold and warm runs are both under 500 ms."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from benchmarks.insights_bench import verdicts  # noqa: E402


def test_verdicts_judge_cold_and_warm_runs_against_the_target():
    query = {"warm_median_ms": 120.0}
    report = {"runs": [
        {"size": 1_000_000, "queries": [{**query, "query": "contrast frames (all)", "cold_ms": 480.0},
                                        {**query, "query": "timeline per day (all)", "cold_ms": 650.0}]},
        {"size": 2_000, "queries": [{**query, "query": "timeline per week (all)", "cold_ms": 30.0}]},
    ]}
    rows = verdicts(report)
    assert [row[2] for row in rows] == ["PASS", "FAIL", "PASS"]
    assert rows[0] == ["contrast frames (all): < 500 ms on 1,000,000 documents", "cold 480 ms, warm 120 ms", "PASS"]
    assert "(at 2,000, not the 1M target size)" in rows[2][0]
