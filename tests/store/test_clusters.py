"""Re-post clusters in storage, on SQLite and PostgreSQL: signatures, memberships, spread, resets."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from frameline.analysis.duplicates import DuplicateAnalyser
from frameline.pipeline import analyze
from frameline.store.base import ClusterMember

from .corpus import AMAQ, NASHIR, REUTERS, raw_doc

T0 = datetime(2017, 7, 10, 8, tzinfo=timezone.utc)


def stored(store, *items) -> list[int]:  # noqa: ANN001
    """(text, source, hours after T0) -> document ids, in order."""
    return store.write_documents([raw_doc(text, native_id=str(n), source=source, published_at=T0 + timedelta(hours=h))
                                  for n, (text, source, h) in enumerate(items)]).new_ids


def test_signatures_are_read_back_by_kind_after_a_row(store):
    a, b, c = stored(store, ("one", AMAQ, 0), ("two", NASHIR, 1), ("three", REUTERS, 2))
    store.record_clusters([(a, "exact/1", b"\x01" * 32), (a, "minhash/1", b"\x02" * 8), (b, "exact/1", b"\x03" * 32)],
                          [], "duplicates", "1")
    rows = store.signatures_after("exact/1")
    assert [(document, value) for _, document, value in rows] == [(a, b"\x01" * 32), (b, b"\x03" * 32)]
    assert rows[0][0] < rows[1][0]
    assert [document for _, document, _ in store.signatures_after("exact/1", rows[0][0])] == [b]
    assert store.signatures_after("minhash/1")[0][2] == b"\x02" * 8
    assert store.signatures_of([a, b, c]) == {a: {"exact/1": b"\x01" * 32, "minhash/1": b"\x02" * 8},
                                              b: {"exact/1": b"\x03" * 32}}
    assert store.signatures_after("exact/1", values=False) == [(row_id, document) for row_id, document, _ in rows]
    assert store.signatures_by_row([rows[1][0], rows[0][0], 10**9]) == rows  # in row order; a missing row is absent
    store.record_clusters([(a, "exact/1", b"\x04" * 32)], [], "duplicates", "1")  # a document's signatures replaced
    assert store.signatures_of([a]) == {a: {"exact/1": b"\x04" * 32}}


def test_members_found_a_cluster_and_its_spread_follows_them(store):
    first, second, third, fourth = stored(store, ("original", AMAQ, 5), ("re-post", NASHIR, 2),
                                          ("again", NASHIR, 9), ("unrelated", REUTERS, 0))
    store.record_clusters([], [ClusterMember(first, first, 1.0, "founder"),
                               ClusterMember(second, first, 0.8, "minhash", first)], "duplicates", "1",
                          label_outside=[first])
    assert store.cluster_ids([first, second, third, fourth]) == {first: first, second: first}
    spread = store.get_cluster(first)
    assert (spread.size, spread.sources) == (2, 2)
    assert spread.first_document_id == second and spread.first_seen_at == T0 + timedelta(hours=2)  # posted earlier
    assert spread.last_seen_at == T0 + timedelta(hours=5)
    assert [(label.label, label.attributes) for label in store.get_labels(first, ["cluster"])] == [
        (str(first), {"method": "founder"})]

    store.record_clusters([], [ClusterMember(third, first, 1.0, "exact", first)], "duplicates", "1")
    spread = store.get_cluster(first)
    assert (spread.size, spread.sources, spread.last_seen_at) == (3, 2, T0 + timedelta(hours=9))
    assert [(m.document_id, m.method, m.matched_document_id) for m in store.cluster_members(first)] == [
        (first, "founder", None), (second, "minhash", first), (third, "exact", first)]
    assert store.get_cluster(fourth) is None


def test_clusters_are_listed_largest_first_from_a_minimum_size(store):
    ids = stored(store, *[(f"text {n}", AMAQ, n) for n in range(6)])
    store.record_clusters([], [ClusterMember(ids[0], ids[0], 1.0, "founder"), ClusterMember(ids[1], ids[0], 1.0, "exact"),
                               ClusterMember(ids[2], ids[2], 1.0, "founder"), ClusterMember(ids[3], ids[2], 0.7, "minhash"),
                               ClusterMember(ids[4], ids[2], 0.9, "minhash")], "duplicates", "1")
    assert [(c.id, c.size) for c in store.list_clusters()] == [(ids[2], 3), (ids[0], 2)]
    assert [c.id for c in store.list_clusters(min_size=3)] == [ids[2]]
    assert [c.id for c in store.list_clusters(limit=1)] == [ids[2]]


def test_reset_forgets_clusters_signatures_labels_and_state(store):
    a, b = stored(store, ("original text", AMAQ, 0), ("original text again", NASHIR, 1))
    store.write_analysis("duplicates", "1", {a: ([], []), b: ([], [])})
    store.record_clusters([(a, "exact/1", b"\x01" * 32)], [ClusterMember(a, a, 1.0, "founder"),
                                                           ClusterMember(b, a, 1.0, "exact", a)], "duplicates", "1",
                          label_outside=[a, b])
    assert store.count_labelled("cluster") == 2 and store.count_labelled("cluster", {"method": "exact"}) == 1
    assert store.reset_clusters() == 1
    assert store.list_clusters() == [] and store.cluster_ids([a, b]) == {} and store.signatures_of([a, b]) == {}
    assert store.count_labelled("cluster") == 0
    assert store.stale_documents("duplicates", "1") == [a, b]


PARAGRAPH = ("The soldiers of the Caliphate repelled an attack on the outskirts of the old city of Mosul, "
             "killing dozens of them, and the battle goes on until victory or martyrdom, the statement said.")


def test_the_duplicates_analyser_clusters_through_this_store(store):
    ids = stored(store, (PARAGRAPH, AMAQ, 0), (f"Amaq:\n{PARAGRAPH} #Mosul\nshare", NASHIR, 1),
                 (PARAGRAPH.replace("dozens", "scores"), REUTERS, 2), ("Celebrations in Baghdad tonight", REUTERS, 3))
    report = analyze(store, analysers=[DuplicateAnalyser], workers=2, batch_size=1)  # founders as if in order
    assert report["duplicates"].documents == 4
    assert store.cluster_ids(ids) == {ids[0]: ids[0], ids[1]: ids[0], ids[2]: ids[0]}
    assert [m.method for m in store.cluster_members(ids[0])] == ["founder", "exact", "minhash"]
    assert store.get_cluster(ids[0]).sources == 3
    assert analyze(store, analysers=[DuplicateAnalyser], workers=1).documents == 0
