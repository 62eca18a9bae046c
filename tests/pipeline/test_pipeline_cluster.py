"""Batches sent to a Dask cluster give exactly what the local run gives."""

from __future__ import annotations

import time
from datetime import datetime, timezone

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


POSTS = [
    ('Iraqi Prime Minister Haider al-Abadi declared victory in Mosul on Monday. "The battle is over," said '
     "Brig. Gen. Yahya Rasool, a spokesman for the Joint Operations Command."),
    "وقال المتحدث الرسمي للدولة الإسلامية الشيخ أبو محمد العدناني: «إن جنود الخلافة ماضون حتى النصر أو الشهادة»",
    "Amaq Agency:\nThe soldiers of the Caliphate repelled an attack of the Iraqi army near Tal Afar and killed dozens.",
    "The soldiers of the Caliphate repelled an attack of the Iraqi army near Tal Afar and killed dozens. #Mosul",
    "أعلنت الحكومة العراقية اليوم تحرير مدينة الموصل بالكامل من سيطرة تنظيم داعش بعد معارك استمرت تسعة أشهر",
    '"It\'s a small setback in a much larger war," said Rita Katz, a terrorism analyst.',
    "عاجل\nأعلنت الحكومة العراقية اليوم تحرير مدينة الموصل بالكامل من سيطرة تنظيم داعش بعد معارك استمرت تسعة أشهر",
    "Coalition air strikes hit positions in Raqqa overnight, the US-led coalition said on Tuesday.",
]


def test_a_dask_cluster_of_separate_worker_processes_stores_what_a_local_run_stores(tmp_path):
    """Two real worker processes (spawned, each loading the models itself), reached over TCP."""
    import os

    from frameline.analysis.quotes import QuoteAnalyser
    from frameline.records import RawDocument, SourceRef
    from frameline.store import open_store, sqlite_url

    def posts_store(path):  # noqa: ANN001, ANN202
        store = open_store(sqlite_url(path))
        store.write_documents([RawDocument(source=SourceRef("telegram", f"channel {n % 3}"), native_id=str(n), text=t,
                                           published_at=datetime(2017, 7, 1 + n, tzinfo=timezone.utc))
                               for n, t in enumerate(POSTS * 2)])  # every post twice: exact re-posts as well
        return store

    local_store, dask_store = posts_store(tmp_path / "local.db"), posts_store(tmp_path / "dask.db")
    analysers = [LanguageAnalyser, EntityAnalyser, QuoteAnalyser, DuplicateAnalyser]
    local = analyze(local_store, analysers=analysers, batch_size=3, workers=1)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, protocol="tcp://",
                                  host="127.0.0.1", dashboard_address=":0") as cluster:
        pids = {worker.pid for worker in cluster.workers.values()}
        assert len(pids) == 2 and os.getpid() not in pids and None not in pids
        remote = analyze(dask_store, analysers=analysers, batch_size=3, cluster=cluster.scheduler_address)
        with distributed.Client(cluster.scheduler_address) as client:
            ran_on = client.run(lambda: sorted(__import__("frameline.pipeline.cluster").pipeline.cluster._PREPARED))
        again = analyze(dask_store, analysers=analysers, cluster=cluster.scheduler_address)
    assert {stage.where for stage in remote.analysers} == {"dask", "on demand"}
    assert all(tokens for tokens in ran_on.values()), ran_on  # both worker processes prepared analysers
    assert [(s.name, s.documents, s.batches) for s in remote.analysers] == \
        [(s.name, s.documents, s.batches) for s in local.analysers]
    assert stored_layers(dask_store) == stored_layers(local_store)
    assert {row[2] for row in stored_layers(dask_store)} >= {"entity", "quote", "cluster", "language"}
    assert dask_store.list_clusters() == local_store.list_clusters() != []
    assert again.documents == 0
    local_store.close()
    dask_store.close()
