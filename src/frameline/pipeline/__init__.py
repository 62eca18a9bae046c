"""The analysis pipeline: analysers looked up by name, run in dependency order over what is stale.

`analyze(store, workspace)` is what `frameline analyze` calls; see
`frameline.pipeline.runner` for how runs resume and what re-runs recompute,
and `frameline.analysis.base` for the contract an analyser meets.
"""

from __future__ import annotations

from frameline.pipeline.cluster import ClusterUnavailable
from frameline.pipeline.registry import BrokenComponent, UnknownComponent, available_analysers, get_analyser
from frameline.pipeline.runner import (
    AnalyserContractError,
    AnalyserFailed,
    AnalyserReport,
    DependencyError,
    PipelineError,
    RunReport,
    analyze,
    dependency_order,
)

__all__ = [
    "AnalyserContractError", "AnalyserFailed", "AnalyserReport", "BrokenComponent", "ClusterUnavailable",
    "DependencyError", "PipelineError", "RunReport", "UnknownComponent", "analyze", "available_analysers",
    "dependency_order", "get_analyser",
]
