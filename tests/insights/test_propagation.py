"""A re-post cluster's spread over sources and time, and the forward/re-post network as GEXF."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import networkx as nx
import pytest

from frameline.insights.propagation import cluster_spread, network_rows, repost_network, write_gexf
from frameline.insights.selection import parse_selection
from frameline.records import RawDocument
from frameline.store.base import ClusterMember, StoreError

from .corpus import AMAQ, NASHIR, REUTERS

T0 = datetime(2017, 7, 1, 8, tzinfo=timezone.utc)
STATEMENT = "Statement on the battle of Mosul: the soldiers of the Caliphate remain steadfast."


def _post(store, source, native_id, hours, text=STATEMENT, **fields):  # noqa: ANN001, ANN003
    result = store.write_documents([RawDocument(source=source, text=text, native_id=native_id,
                                                published_at=T0 + timedelta(hours=hours), **fields)])
    return result.new_ids[0]


@pytest.fixture
def spread(sqlite_store):
    store = sqlite_store
    founder = _post(store, AMAQ, "a1", 0)
    copies = [_post(store, NASHIR, "n1", 2), _post(store, NASHIR, "n2", 30), _post(store, REUTERS, "r1", 5)]
    members = [ClusterMember(founder, founder, 1.0, "founder")] + [
        ClusterMember(document_id, founder, 0.95, "minhash", founder) for document_id in copies]
    store.record_clusters([], members, "duplicates", "1")
    _post(store, NASHIR, "n3", 1, text="forwarded 1", forwarded_from="Amaq Agency")
    _post(store, NASHIR, "n4", 3, text="forwarded 2", forwarded_from="@amaq")
    _post(store, NASHIR, "n5", 4, text="forwarded 3", forwarded_from="Khilafah News")
    return store, founder, copies


def test_cluster_spread_lists_sources_in_order_of_first_sighting(spread):
    store, founder, copies = spread
    result = cluster_spread(store, founder)
    assert result.size == 4 and result.first_seen == T0.isoformat()
    assert [(s.source, s.documents, s.hours_after_first) for s in result.sources] == [
        ("Amaq Agency", 1, 0.0), ("Nashir News", 2, 2.0), ("Reuters World", 1, 5.0)]
    assert result.sources[1].first_document_id == copies[0]
    assert result.sources[1].last_seen == (T0 + timedelta(hours=30)).isoformat()
    assert [(p.documents, p.sources) for p in result.curve] == [(1, 1), (2, 2), (3, 3), (4, 3)]
    assert result.rows()[0]["cluster_id"] == founder
    with pytest.raises(StoreError, match="no re-post cluster 999"):
        cluster_spread(store, 999)


def test_network_joins_forwards_by_name_or_handle_and_cluster_reposts(spread, tmp_path):
    store, _founder, _copies = spread
    amaq, nashir, reuters = (store.find_source(name).id for name in ("Amaq Agency", "Nashir News", "Reuters World"))
    graph = repost_network(store)
    edge = graph.edges[f"source:{amaq}", f"source:{nashir}"]
    assert (edge["forwards"], edge["reposts"], edge["weight"]) == (2, 2, 4)
    assert graph.edges[f"source:{amaq}", f"source:{reuters}"]["reposts"] == 1
    assert graph.edges["external:Khilafah News", f"source:{nashir}"]["forwards"] == 1
    assert graph.nodes["external:Khilafah News"]["external"] is True
    assert graph.nodes[f"source:{amaq}"]["groups"] == "extremist"
    path = tmp_path / "network.gexf"
    write_gexf(graph, path)
    back = nx.read_gexf(path)
    assert back.number_of_edges() == 3 and back.nodes[f"source:{nashir}"]["label"] == "Nashir News"
    rows = network_rows(graph)
    assert {(row["source_label"], row["target_label"], row["weight"]) for row in rows} == {
        ("Amaq Agency", "Nashir News", 4), ("Amaq Agency", "Reuters World", 1), ("Khilafah News", "Nashir News", 1)}
    extremist_only = repost_network(store, parse_selection(store, "group:extremist"))
    assert not extremist_only.has_edge(f"source:{amaq}", f"source:{reuters}")
