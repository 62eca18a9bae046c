"""The analysis pipeline: analysers looked up by name, run in dependency order over what is stale.

`analyze(store, workspace)` is what `frameline analyze` calls; see
`frameline.pipeline.runner` for how runs resume and what re-runs recompute,
and `frameline.analysis.base` for the contract an analyser meets.

The names below are imported when first used: pool workers import
`frameline.pipeline.cluster` to run batches, and an eager package would import
the runner, storage, SQLAlchemy and Alembic into every worker (a third of a
CPU second each) for nothing.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

_HOMES = {
    "ClusterUnavailable": "cluster",
    "BrokenComponent": "registry", "UnknownComponent": "registry", "available_analysers": "registry",
    "get_analyser": "registry",
    "AnalyserContractError": "runner", "AnalyserFailed": "runner", "AnalyserReport": "runner",
    "DependencyError": "runner", "PipelineError": "runner", "RunReport": "runner", "analyze": "runner",
    "dependency_order": "runner",
}

__all__ = sorted(_HOMES)


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value
