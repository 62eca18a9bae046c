"""Entity co-occurrence per group and event, with its network."""

from __future__ import annotations

import math
from datetime import datetime, timezone

import networkx as nx
import pytest

from frameline.insights.cooccurrence import entity_cooccurrence
from frameline.insights.propagation import write_gexf
from frameline.insights.selection import parse_selection
from frameline.store.base import Event


def test_pairs_count_documents_with_jaccard_and_pmi(mosul):
    store, _ids = mosul
    result = entity_cooccurrence(store, parse_selection(store, "group:mainstream"), min_documents=1)
    # 20 mainstream documents: iraq + mosul on all, abadi on the 10 even ones.
    assert result.documents == 20
    pairs = {(p.a, p.b): p for p in result.pairs}
    assert set(pairs) == {("iraq", "mosul"), ("abadi", "iraq"), ("abadi", "mosul")}
    assert pairs["iraq", "mosul"].documents == 20 and pairs["iraq", "mosul"].jaccard == 1.0
    abadi = pairs["abadi", "iraq"]
    assert (abadi.documents, abadi.name_a, abadi.name_b) == (10, "Haider al-Abadi", "Iraq")
    assert abadi.jaccard == pytest.approx(10 / (10 + 20 - 10))
    assert abadi.pmi == pytest.approx(math.log2(10 * 20 / (10 * 20)))  # 0: abadi tells nothing about iraq here
    assert [(e.entity, e.documents) for e in result.entities][:2] == [("iraq", 20), ("mosul", 20)]
    assert result.rows()[0]["selection"] == "group:mainstream"


def test_an_event_narrows_the_documents_and_the_network_exports(mosul, tmp_path):
    store, _ids = mosul
    event = store.add_event(Event("first-days", datetime(2017, 6, 20, tzinfo=timezone.utc),
                                  datetime(2017, 6, 24, tzinfo=timezone.utc)))
    result = entity_cooccurrence(store, parse_selection(store, "group:mainstream").restricted_to(event))
    assert result.documents == 4
    assert {(p.a, p.b): p.documents for p in result.pairs} == {("iraq", "mosul"): 4, ("abadi", "iraq"): 2,
                                                               ("abadi", "mosul"): 2}
    whole = entity_cooccurrence(store, parse_selection(store, "group:extremist,mainstream"), min_documents=15)
    assert [(p.a, p.b, p.documents) for p in whole.pairs] == [("iraq", "mosul", 20), ("isis", "mosul", 20)]
    path = tmp_path / "actors.gexf"
    write_gexf(whole.graph(), path)
    back = nx.read_gexf(path)
    assert back.edges["isis", "mosul"]["weight"] == 20 and back.nodes["isis"]["label"] == "Islamic State"
