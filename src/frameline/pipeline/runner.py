"""`analyze`: run the analysers over every document whose results are missing or stale.

Analysers run one after another in dependency order (those named in
`requires` first).  For each, the store says which documents it has not
processed at its current version and configuration; those are cut into
batches that run in a local process pool (or inline, for a single batch, or
on a Dask cluster), and each batch is stored the moment it comes back, in one
transaction that also marks its documents done.  Killing a run loses at most
the batches in flight; running again picks up where it stopped, and a run with
nothing stale does nothing.

Staleness cascades: the configuration version recorded for an analyser folds
in the versions of the analysers it requires, so bumping `language` also
recomputes an analyser that reads the language layer, and nothing else.

Built-in stages (`BUILTIN_STAGES`: `normalize`) are required like analysers
but computed on demand inside the analysers that read them, so the runner
records their version (into their dependants' configuration) and schedules
nothing for them.
"""

from __future__ import annotations

import gc
import hashlib
import os
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from frameline.analysis.base import Analyser, AnalysisOutput, DocumentInput
from frameline.analysis.normalize import STAGE as NORMALIZE_STAGE
from frameline.analysis.normalize import NormalizeStage, is_on_demand
from frameline.pipeline.cluster import (
    BATCH_GC_THRESHOLD,
    AnalyserNotPicklable,
    BatchExecutor,
    DaskExecutor,
    InlineExecutor,
    LocalPoolExecutor,
    analyser_token,
)
from frameline.pipeline.registry import UnknownComponent
from frameline.pipeline.registry import analysers as analyser_registry
from frameline.store.query import DocumentFilter

if TYPE_CHECKING:
    from frameline.store import SqlStore
    from frameline.workspace import Workspace

CONFIG_VERSION_LENGTH = 64  # analysis_state.config_version
# Stages the pipeline provides itself: added when an analyser requires them and none was given.
BUILTIN_STAGES: dict[str, type[Analyser]] = {NORMALIZE_STAGE: NormalizeStage}
Progress = Callable[[str, int, int], None]  # (analyser name, documents done, documents to do)


class PipelineError(Exception):
    """A problem with the pipeline as configured or as it ran; the message says which analyser and what."""


class DependencyError(PipelineError):
    """An analyser requires one that is not installed, or requirements form a cycle."""


class AnalyserContractError(PipelineError):
    """An analyser returned output it did not declare: an unknown layer, offsets outside the text, a foreign id."""


class AnalyserFailed(PipelineError):
    """An analyser raised on a batch.  Batches that finished are stored; a re-run retries the rest."""

    def __init__(self, analyser: str, document_ids: list[int], cause: BaseException) -> None:
        self.analyser, self.document_ids, self.cause = analyser, document_ids, cause
        first, last = (document_ids[0], document_ids[-1]) if document_ids else (None, None)
        super().__init__(
            f"analyser {analyser!r} failed on the batch of documents {first}..{last} "
            f"({type(cause).__name__}: {cause}); finished batches are stored, run `frameline analyze` again to resume"
        )


@dataclass
class AnalyserReport:
    name: str
    version: str
    config_version: str
    documents: int = 0
    batches: int = 0
    seconds: float = 0.0
    where: str = "none"  # inline, pool of N, dask

    @property
    def docs_per_second(self) -> float:
        return self.documents / self.seconds if self.seconds > 0 else 0.0


@dataclass
class RunReport:
    analysers: list[AnalyserReport] = field(default_factory=list)
    broken: dict[str, str] = field(default_factory=dict)  # installed plugins that failed to load, and why

    @property
    def documents(self) -> int:
        return sum(report.documents for report in self.analysers)

    def __getitem__(self, name: str) -> AnalyserReport:
        return next(report for report in self.analysers if report.name == name)


# -- planning ----------------------------------------------------------------


AnalyserLike = Analyser | type[Analyser]  # planning needs only `name` and `requires`, which classes declare


def dependency_order(analysers: Mapping[str, AnalyserLike], only: Iterable[str] | None = None) -> list[AnalyserLike]:
    """The analysers to run, requirements first; `only` narrows to those names plus what they require."""
    wanted = set(analysers) if only is None else set()
    pending = list(only or [])
    while pending:
        name = pending.pop()
        if name in wanted:
            continue
        if name not in analysers:
            raise UnknownComponent("analyser", name, sorted(analysers))
        wanted.add(name)
        pending.extend(analysers[name].requires)
    for name in sorted(wanted):
        for required in analysers[name].requires:
            if required not in analysers:
                raise DependencyError(
                    f"analyser {name!r} requires {required!r}, which is not installed; "
                    f"installed: {', '.join(sorted(analysers))}"
                )
    ordered: list[AnalyserLike] = []
    done: set[str] = set()
    remaining = sorted(wanted)
    while remaining:
        ready = [name for name in remaining if set(analysers[name].requires) <= done]
        if not ready:
            raise DependencyError(f"analysers require each other in a cycle: {_cycle(analysers, remaining)}")
        for name in ready:
            ordered.append(analysers[name])
            done.add(name)
        remaining = [name for name in remaining if name not in done]
    return ordered


def _cycle(analysers: Mapping[str, AnalyserLike], names: list[str]) -> str:
    path, name = [], names[0]
    while name not in path:
        path.append(name)
        name = next(required for required in analysers[name].requires if required in names)
    return " -> ".join(path[path.index(name):] + [name])


def recorded_config_version(analyser: Analyser, upstream: Mapping[str, tuple[str, str]]) -> str:
    """The configuration version stored with results: the analyser's own plus its requirements' versions.

    `upstream` maps a required analyser's name to its (version, recorded config version).
    """
    own = analyser.config_version()
    if analyser.requires:
        inputs = ";".join(f"{name}@{upstream[name][0]}/{upstream[name][1]}" for name in sorted(analyser.requires))
        own = f"{own}|after:{hashlib.sha256(inputs.encode()).hexdigest()[:12]}"
    if len(own) > CONFIG_VERSION_LENGTH:
        own = "sha256:" + hashlib.sha256(own.encode()).hexdigest()[: CONFIG_VERSION_LENGTH - 7]
    return own


# -- running -----------------------------------------------------------------


def analyze(
    store: SqlStore,
    workspace: Workspace | None = None,
    only: Iterable[str] | None = None,
    since: datetime | None = None,
    cluster: str | None = None,
    batch_size: int = 500,
    progress: Progress | None = None,
    *,
    analysers: Iterable[Analyser | type[Analyser]] | None = None,
    workers: int | None = None,
) -> RunReport:
    """Bring every selected analyser's results up to date; see the module docstring.

    `analysers` replaces the registered set (tests, embedding); `workers`
    caps the local pool (default: one per core; 1 runs everything inline).
    """
    if batch_size < 1:
        raise PipelineError("batch_size must be at least 1")
    report = RunReport()
    if analysers is None:
        by_name: dict[str, AnalyserLike] = dict(analyser_registry.available())
        report.broken = analyser_registry.broken()
        for name, analyser_class in by_name.items():
            if analyser_class.name != name:
                raise PipelineError(f"the analyser registered as {name!r} calls itself {analyser_class.name!r}; "
                                    "results are stored under its own name, so the two must match")
    else:
        by_name = {item.name: item for item in analysers}
    for item in list(by_name.values()):
        for required in item.requires:
            if required not in by_name and required in BUILTIN_STAGES:
                by_name[required] = BUILTIN_STAGES[required]
    # Only the analysers that will run are built (and read their configuration).
    ordered = [item.from_workspace(workspace) if isinstance(item, type) else item
               for item in dependency_order(by_name, only)]
    document_filter = DocumentFilter(since=since) if since is not None else None
    recorded: dict[str, tuple[str, str]] = {}
    dask = DaskExecutor(cluster) if cluster else None
    thresholds = gc.get_threshold()
    gc.set_threshold(max(thresholds[0], BATCH_GC_THRESHOLD), *thresholds[1:])
    try:
        for analyser in ordered:
            config_version = recorded_config_version(analyser, recorded)
            recorded[analyser.name] = (analyser.version, config_version)
            stage = AnalyserReport(analyser.name, analyser.version, config_version)
            report.analysers.append(stage)
            if is_on_demand(analyser):
                stage.where = "on demand"  # computed inside each analyser that requires it
                continue
            stored = tuple(name for name in analyser.requires if not is_on_demand(by_name[name]))
            _run_stage(store, analyser, stage, document_filter, batch_size, dask, workers, progress, stored)
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()  # what an inline stage froze (see InlineExecutor) is the collector's again
        if dask is not None:
            dask.close()
    return report


def _run_stage(
    store: SqlStore, analyser: Analyser, stage: AnalyserReport, document_filter: DocumentFilter | None,
    batch_size: int, dask: DaskExecutor | None, workers: int | None, progress: Progress | None,
    reads: tuple[str, ...] = (),
) -> None:
    """Run one analyser over its stale documents; `reads` are the required analysers whose stored output it gets."""
    started = time.perf_counter()
    stale = store.stale_documents(analyser.name, analyser.version, stage.config_version, filter=document_filter)
    if progress:
        progress(analyser.name, 0, len(stale))
    if not stale:
        return
    batches = [stale[start:start + batch_size] for start in range(0, len(stale), batch_size)]
    executor: BatchExecutor
    # An analyser that reads no text works in `consolidate`, here: a pool would start processes to return nothing.
    inline = dask is None and (len(batches) == 1 or workers == 1 or not analyser.reads_text)
    try:
        token = "" if inline else analyser_token(analyser)
    except AnalyserNotPicklable as error:
        raise PipelineError(str(error)) from error
    if inline:
        executor, stage.where = InlineExecutor(), "inline"
    elif dask is not None:
        executor, stage.where = dask, "dask"
    else:
        executor = LocalPoolExecutor(token, analyser, min(workers or os.cpu_count() or 1, len(batches)))
        stage.where = f"pool of {executor.capacity}"
    in_flight: dict[Any, list[DocumentInput]] = {}
    failure: tuple[list[int], BaseException] | None = None
    pending = iter(batches)
    # Corpus-level analysers (duplicates) finish each batch in this process against the whole store,
    # in the order the batches were cut (document-id order), so that which document founds a cluster
    # does not depend on which worker finished first.
    consolidate = getattr(analyser, "consolidate", None)
    submitted: deque[Any] = deque()
    finished: set[Any] = set()
    try:
        while True:
            while failure is None and len(in_flight) < executor.capacity + 1:
                document_ids = next(pending, None)
                if document_ids is None:
                    break
                inputs = (_load_inputs(store, document_ids, reads, analyser) if analyser.reads_text
                          else [DocumentInput(document_id, "") for document_id in document_ids])
                future = executor.submit(token, analyser, inputs)
                in_flight[future] = inputs
                submitted.append(future)
            if not in_flight:
                break
            finished.update(executor.wait_first([future for future in in_flight if future not in finished]))
            if consolidate is None:
                ready = list(finished)
            else:
                ready = []
                while submitted and submitted[0] in finished:
                    ready.append(submitted.popleft())
            for future in ready:
                finished.discard(future)
                inputs = in_flight.pop(future)
                try:
                    outputs = future.result()
                    if consolidate is not None:
                        outputs = consolidate(store, inputs, outputs)
                except Exception as error:  # an analyser can fail in any way; keep what finished
                    failure = failure or ([document.id for document in inputs], error)
                    continue
                _store_outputs(store, analyser, stage.config_version, inputs, outputs)
                stage.documents += len(inputs)
                stage.batches += 1
                if progress:
                    progress(analyser.name, stage.documents, len(stale))
    finally:
        if executor is not dask:
            executor.close()
        stage.seconds = time.perf_counter() - started
    if failure is not None:
        raise AnalyserFailed(analyser.name, failure[0], failure[1]) from failure[1]


def _load_inputs(store: SqlStore, document_ids: list[int], requires: tuple[str, ...],
                 analyser: Analyser) -> list[DocumentInput]:
    documents = store.analysis_inputs(document_ids)
    layers = {}
    if requires:
        needs = analyser.needs_requirements
        wanted = [document_id for document_id, (text, *_) in documents.items() if needs(text or "")]
        layers = store.get_layers(wanted, producers=requires, labels=analyser.reads_labels) if wanted else {}
    inputs = []
    for document_id in document_ids:
        found = documents.get(document_id)
        if found is None:
            continue  # deleted since the stale list was read
        text, title, language, published_at, source_id = found
        spans, labels = layers.get(document_id, ([], []))
        # Positional: a third cheaper than keywords for a frozen dataclass, four stages times every document.
        inputs.append(DocumentInput(document_id, text, title, language, published_at, source_id,
                                    tuple(spans), tuple(labels)))  # spans and labels: read for `requires` only
    return inputs


def _undeclared(analyser: Analyser, layer: str) -> None:
    raise AnalyserContractError(
        f"analyser {analyser.name!r} wrote layer {layer!r} but declares only {list(analyser.layers)}"
    )


def _store_outputs(
    store: SqlStore, analyser: Analyser, config_version: str, inputs: list[DocumentInput],
    outputs: Mapping[int, AnalysisOutput],
) -> None:
    """Check the output against what the analyser declared, then store it and mark the batch done."""
    lengths = {document.id: len(document.text) for document in inputs}
    foreign = set(outputs) - set(lengths)
    if foreign:
        raise AnalyserContractError(
            f"analyser {analyser.name!r} returned documents it was not given: {sorted(foreign)[:5]}"
        )
    # Drafts go to storage as they are: it takes the offsets, layer, label, score and attributes,
    # and fills in the document, producer and version (no record object per span).
    records: dict[int, tuple[list[Any], list[Any]]] = {}
    languages: dict[int, str] = {}
    declared = set(analyser.layers)
    for document_id, length in lengths.items():
        output = outputs.get(document_id)
        if output is None:
            records[document_id] = ([], [])
            continue
        for span in output.spans:  # one pass per kind: half a million spans on 100k posts for entities alone
            if span.layer not in declared:
                _undeclared(analyser, span.layer)
            if not 0 <= span.start <= span.end <= length:
                raise AnalyserContractError(
                    f"analyser {analyser.name!r} wrote span {span.start}..{span.end} on document {document_id}, "
                    f"whose text has {length} characters"
                )
        for label in output.labels:
            if label.layer not in declared:
                _undeclared(analyser, label.layer)
        records[document_id] = (output.spans, output.labels)
        if analyser.sets_language and output.language:
            languages[document_id] = output.language
    # Document languages go in the batch's own transaction: stored and marked done together, or neither.
    store.write_analysis(analyser.name, analyser.version, records, config_version, languages=languages)
