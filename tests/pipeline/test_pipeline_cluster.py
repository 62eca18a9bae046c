"""Batches sent to a Dask cluster give exactly what the local run gives."""

from __future__ import annotations

import time

import pytest
from frameline.analysis.duplicates import DuplicateAnalyser
from frameline.analysis.entities import EntityAnalyser
from frameline.analysis.language import LanguageAnalyser
from frameline.pipeline import AnalyserFailed, ClusterUnavailable, analyze
from frameline.pipeline.cluster import DaskExecutor
from toy_analysers import Fragile, Loudness, Words, new_store, stored_layers

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def scheduler_address():
    """A one-worker cluster on the loopback interface, reached over TCP as a real one would be."""
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False, protocol="tcp://",
                                  host="127.0.0.1", dashboard_address=":0") as cluster:
        yield cluster.scheduler_address


def test_a_dask_run_stores_what_a_local_run_stores(tmp_path, scheduler_address):
    assert scheduler_address.startswith("tcp://127.0.0.1:")
    local_store, dask_store = new_store(tmp_path / "local.db", 40), new_store(tmp_path / "dask.db", 40)
    # Toy analysers, and real ones: one that matches on the normalised text (a built-in stage, computed
    # on the worker), one whose batches are consolidated against the store back here.
    analysers = [Words, Loudness, LanguageAnalyser, EntityAnalyser, DuplicateAnalyser]
    local = analyze(local_store, analysers=analysers, batch_size=9, workers=1)  # no fork beside the cluster threads
    remote = analyze(dask_store, analysers=analysers, batch_size=9, cluster=scheduler_address)
    assert {stage.where for stage in remote.analysers} == {"dask", "on demand"}
    assert [(s.name, s.documents, s.batches) for s in remote.analysers] == \
        [(s.name, s.documents, s.batches) for s in local.analysers]
    assert stored_layers(dask_store) == stored_layers(local_store) != []
    assert {row[2] for row in stored_layers(dask_store)} >= {"entity", "cluster", "language", "words"}
    assert dask_store.list_clusters() == local_store.list_clusters() != []
    languages = lambda store: [d.language for d in store.iter_documents()]  # noqa: E731
    assert languages(dask_store) == languages(local_store) and "en" in languages(local_store)
    assert analyze(dask_store, analysers=analysers, cluster=scheduler_address).documents == 0


def test_an_unreachable_scheduler_is_a_clear_error():
    started = time.monotonic()
    with pytest.raises(ClusterUnavailable, match="cannot reach the Dask scheduler at tcp://127.0.0.1:9"):
        DaskExecutor("tcp://127.0.0.1:9", timeout_s=1)
    assert time.monotonic() - started < 10


def test_a_batch_that_fails_on_the_cluster_keeps_the_others_and_resumes(tmp_path, scheduler_address):
    store = new_store(tmp_path / "x.db", 20)
    ids = store.stale_documents("fragile", "1")
    with pytest.raises(AnalyserFailed, match="cannot read document"):
        analyze(store, analysers=[Fragile(fail_on=ids[7])], batch_size=5, cluster=scheduler_address)
    assert set(ids[5:10]) <= set(store.stale_documents("fragile", "1")) and store.stale_documents("fragile", "1") != ids
    analyze(store, analysers=[Fragile()], batch_size=5, cluster=scheduler_address)
    assert store.stale_documents("fragile", "1") == []
