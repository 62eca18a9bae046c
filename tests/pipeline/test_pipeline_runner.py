"""The runner: dependency order, resuming, staleness, and the same results wherever batches run."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from frameline.analysis.base import Analyser, AnalysisOutput, LabelDraft
from frameline.pipeline import (
    AnalyserContractError,
    AnalyserFailed,
    DependencyError,
    PipelineError,
    UnknownComponent,
    analyze,
)
from frameline.pipeline.runner import dependency_order
from frameline.records import SpanDraft
from toy_analysers import Fragile, Loudness, Titles, Words, new_store, stored_layers


@pytest.fixture
def store(tmp_path):
    store = new_store(tmp_path / "x.db")
    yield store
    store.close()


def documents_done(report) -> dict[str, int]:  # noqa: ANN001
    return {stage.name: stage.documents for stage in report.analysers}


def test_requirements_run_first_and_only_pulls_in_what_it_requires():
    analysers = {a.name: a for a in (Loudness(), Titles(), Words())}
    order = [a.name for a in dependency_order(analysers)]
    assert order.index("words") < order.index("loudness") and sorted(order) == ["loudness", "titles", "words"]
    assert [a.name for a in dependency_order(analysers, only=["loudness"])] == ["words", "loudness"]
    with pytest.raises(UnknownComponent, match="no analyser named 'nope'; available: loudness, titles, words"):
        dependency_order(analysers, only=["nope"])


def test_a_missing_requirement_or_a_cycle_is_a_clear_error():
    with pytest.raises(DependencyError, match="'loudness' requires 'words', which is not installed"):
        dependency_order({"loudness": Loudness()})

    class Chicken(Words):
        name, requires = "chicken", ("egg",)

    class Egg(Words):
        name, requires = "egg", ("chicken",)

    with pytest.raises(DependencyError, match="cycle: chicken -> egg -> chicken"):
        dependency_order({"chicken": Chicken(), "egg": Egg(), "words": Words()})


def test_first_run_analyses_everything_in_order_and_a_second_run_does_nothing(store):
    report = analyze(store, analysers=[Loudness, Words, Titles], batch_size=7, workers=1)
    order = [stage.name for stage in report.analysers]
    assert order.index("words") < order.index("loudness")
    assert documents_done(report) == {"words": 30, "loudness": 30, "titles": 30}
    assert report["words"].batches == 5 and report["words"].docs_per_second > 0
    first = stored_layers(store)
    loud = [row for row in first if row[2] == "loudness"]
    assert {row[3] for row in loud} == {"loud", "calm"} and len(loud) == 30
    assert len([row for row in first if row[2] == "titled"]) == 10  # untitled documents: analysed, nothing found

    again = analyze(store, analysers=[Loudness, Words, Titles], batch_size=7, workers=1)
    assert again.documents == 0 and all(stage.where == "none" for stage in again.analysers)
    assert stored_layers(store) == first


def test_bumping_a_version_recomputes_that_analyser_and_those_that_read_it_only(store):
    analyze(store, analysers=[Loudness, Words, Titles], workers=1)

    class WordsV2(Words):
        version = "2"

    report = analyze(store, analysers=[Loudness, WordsV2, Titles], workers=1)
    assert documents_done(report) == {"words": 30, "loudness": 30, "titles": 0}
    assert {row[8] for row in stored_layers(store) if row[7] == "words"} == {"2"}

    class LoudnessV2(Loudness):
        version = "2"

    report = analyze(store, analysers=[LoudnessV2, WordsV2, Titles], workers=1)
    assert documents_done(report) == {"words": 0, "loudness": 30, "titles": 0}
    assert analyze(store, analysers=[LoudnessV2, WordsV2, Titles], workers=1).documents == 0


def test_a_codebook_change_makes_results_stale(store):
    class Coded(Titles):
        codebook = "v1"

        def config_version(self) -> str:
            return self.codebook

    analyze(store, analysers=[Coded()], workers=1)
    assert analyze(store, analysers=[Coded()], workers=1).documents == 0
    edited = Coded()
    edited.codebook = "v2"
    assert analyze(store, analysers=[edited], workers=1).documents == 30
    assert {row["config_version"] for row in store.status()["analysis"]} == {"v2"}


@pytest.mark.parametrize("workers", [1, 2])
def test_a_crash_midway_keeps_finished_batches_and_a_rerun_completes_the_rest(store, workers):
    ids = store.stale_documents("fragile", "1")
    failing = ids[17]  # in the fourth of six batches
    with pytest.raises(AnalyserFailed, match=f"'fragile' failed on the batch of documents {ids[15]}..{ids[19]}"):
        analyze(store, analysers=[Fragile(fail_on=failing)], batch_size=5, workers=workers)
    left = store.stale_documents("fragile", "1")
    assert ids[15:20] == left[:5]  # the failed batch is not marked done ...
    if workers == 1:
        assert left == ids[15:]  # ... and inline, nothing after it was started
    assert len(left) < len(ids)

    report = analyze(store, analysers=[Fragile()], batch_size=5, workers=workers)
    assert report["fragile"].documents == len(left)
    assert store.stale_documents("fragile", "1") == []


def test_process_pool_and_inline_give_identical_results(tmp_path):
    inline_store, pool_store = new_store(tmp_path / "inline.db", 40), new_store(tmp_path / "pool.db", 40)
    inline = analyze(inline_store, analysers=[Words, Loudness, Titles], batch_size=6, workers=1)
    pooled = analyze(pool_store, analysers=[Words, Loudness, Titles], batch_size=6, workers=2)
    assert {stage.where for stage in inline.analysers} == {"inline"}
    assert {stage.where for stage in pooled.analysers} == {"pool of 2"}
    assert documents_done(inline) == documents_done(pooled) == {"words": 40, "loudness": 40, "titles": 40}
    assert stored_layers(inline_store) == stored_layers(pool_store) != []


def test_a_single_small_batch_runs_inline(store):
    assert analyze(store, analysers=[Words])["words"].where == "inline"


class IdsOnly(Analyser):
    """Reads no text (like known-lists): labels each document from its id alone."""

    name = "ids-only"
    layers = ("parity",)
    reads_text = False

    def analyse(self, batch):  # noqa: ANN001, ANN201
        assert all(document.text == "" for document in batch)
        return {document.id: AnalysisOutput(labels=[LabelDraft("parity", str(document.id % 2))]) for document in batch}


def test_an_analyser_that_reads_no_text_runs_inline_even_with_a_pool(store):
    report = analyze(store, analysers=[Words, IdsOnly], batch_size=4, workers=2)
    assert report["words"].where == "pool of 2" and report["ids-only"].where == "inline"
    assert report["ids-only"].documents == 30 and report["ids-only"].batches == 8
    assert {label.label for document_id in range(1, 31) for label in store.get_labels(document_id)
            if label.producer == "ids-only"} == {"0", "1"}


class CountsCapitals(Analyser):
    """Reads only the spans of what it requires: its inputs carry `words`' spans and none of its labels."""

    name = "counts-capitals"
    version = "1"
    requires = ("words",)
    reads_labels = False
    layers = ("capital-count",)

    def analyse(self, batch):  # noqa: ANN001, ANN201
        assert all(document.labels == () for document in batch)
        return {document.id: AnalysisOutput(labels=[LabelDraft("capital-count", str(len(document.spans)))])
                for document in batch}


@pytest.mark.parametrize("workers", [1, 2])
def test_an_analyser_that_reads_no_labels_gets_its_requirements_spans_only(store, workers):
    analyze(store, analysers=[Words, CountsCapitals, Loudness], batch_size=8, workers=workers)
    counts = []
    for document in store.iter_documents():
        capitals = [span for span in store.get_spans(document.id) if span.layer == "capitals"]
        counts.append([label.label for label in store.get_labels(document.id) if label.layer == "capital-count"])
        assert counts[-1] == [str(len(capitals))]
    assert len(counts) == 30 and {count for (count,) in counts} == {"0", "2", "3", "6"}
    assert store.get_layers([1, 2], producers=["words"], labels=False) == {
        document_id: (store.get_layers([document_id], producers=["words"])[document_id][0], []) for document_id in (1, 2)}


class CapitalsInMosul(Analyser):
    """Needs `words`' spans only for texts that name Mosul; the others arrive without any."""

    name = "capitals-in-mosul"
    version = "1"
    requires = ("words",)
    layers = ("mosul-capitals",)

    def needs_requirements(self, text):  # noqa: ANN001, ANN201
        return "Mosul" in text

    def analyse(self, batch):  # noqa: ANN001, ANN201
        assert all(document.spans == () and document.labels == () for document in batch
                   if "Mosul" not in document.text)
        return {document.id: AnalysisOutput(labels=[LabelDraft("mosul-capitals", str(len(document.spans)))])
                for document in batch if "Mosul" in document.text}


@pytest.mark.parametrize("workers", [1, 2])
def test_requirements_are_read_back_only_for_documents_that_need_them(store, workers):
    analyze(store, analysers=[Words, CapitalsInMosul], batch_size=8, workers=workers)
    counted = {}
    for document in store.iter_documents():
        labels = [label.label for label in store.get_labels(document.id) if label.layer == "mosul-capitals"]
        capitals = [span for span in store.get_spans(document.id) if span.layer == "capitals"]
        assert labels == ([str(len(capitals))] if "Mosul" in document.text else [])
        counted[document.id] = labels
    assert sum(1 for labels in counted.values() if labels) == 15 and len(counted) == 30


def test_since_limits_the_run_to_recent_documents(store):
    report = analyze(store, analysers=[Words], since=datetime(2017, 7, 20, tzinfo=timezone.utc), workers=1)
    assert report["words"].documents == len([n for n in range(30) if 1 + n % 28 >= 20])
    assert len(store.stale_documents("words", "1")) == 30 - report["words"].documents


def test_progress_reports_each_stored_batch(store):
    calls = []
    analyze(store, analysers=[Words], batch_size=12, workers=1, progress=lambda *call: calls.append(call))
    assert calls == [("words", 0, 30), ("words", 12, 30), ("words", 24, 30), ("words", 30, 30)]


def test_output_outside_what_the_analyser_declared_is_refused(store):
    class Sloppy(Analyser):
        name, layers = "sloppy", ("declared",)

        def analyse(self, batch):  # noqa: ANN001, ANN201
            return {d.id: AnalysisOutput(labels=[LabelDraft("undeclared", "x")]) for d in batch}

    class Overreaching(Analyser):
        name, layers = "overreaching", ("declared",)

        def analyse(self, batch):  # noqa: ANN001, ANN201
            return {d.id: AnalysisOutput(spans=[SpanDraft(0, len(d.text) + 1, "declared", "x")]) for d in batch}

    class SloppySpans(Analyser):
        name, layers = "sloppy-spans", ("declared",)

        def analyse(self, batch):  # noqa: ANN001, ANN201
            return {d.id: AnalysisOutput(spans=[SpanDraft(0, 1, "elsewhere", "x")]) for d in batch}

    with pytest.raises(AnalyserContractError, match="wrote layer 'undeclared' but declares only"):
        analyze(store, analysers=[Sloppy])
    with pytest.raises(AnalyserContractError, match="wrote layer 'elsewhere' but declares only"):
        analyze(store, analysers=[SloppySpans])
    with pytest.raises(AnalyserContractError, match="whose text has"):
        analyze(store, analysers=[Overreaching])
    assert len(store.stale_documents("sloppy", "1")) == 30  # nothing half-written


def test_an_analyser_that_cannot_reach_worker_processes_says_why(store):
    class Local(Words):  # defined in a function: pickle cannot name it
        name = "local"

    with pytest.raises(PipelineError, match="'local' cannot be sent to worker processes"):
        analyze(store, analysers=[Local], batch_size=5, workers=2)
    assert analyze(store, analysers=[Local], batch_size=5, workers=1)["local"].documents == 30
