"""Analysers: one module per analyser, each writing its own declared layers.

The contract is in `frameline.analysis.base`; analysers are registered by
name through the `frameline.analysers` entry-point group and run by
`frameline.pipeline.analyze`.
"""

from __future__ import annotations

from frameline.analysis.base import Analyser, AnalysisOutput, DocumentInput, LabelDraft

__all__ = ["AnalysisOutput", "Analyser", "DocumentInput", "LabelDraft"]
