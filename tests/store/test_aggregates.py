"""The insight aggregates on both databases: the same two-camp corpus gives the same answers."""

from __future__ import annotations

from datetime import datetime, timezone

from frameline.insights.contrast import contrast_groups
from frameline.insights.cooccurrence import entity_cooccurrence
from frameline.insights.selection import event_named, parse_selection
from frameline.insights.timelines import frame_timeline
from frameline.store import open_store
from frameline.store.base import Event

from insights.corpus import build  # noqa: E402 - tests/ is on sys.path (see conftest)


def test_contrast_timeline_evidence_events_and_entities(store_url):
    store = open_store(store_url)
    try:
        ids = build(store)
        store.add_event(Event("mosul-2017", datetime(2017, 6, 20, tzinfo=timezone.utc),
                              datetime(2017, 6, 30, tzinfo=timezone.utc), "Mosul OR الموصل"))
        event = event_named(store, "mosul-2017")
        a, b = parse_selection(store, "group:extremist"), parse_selection(store, "group:mainstream")
        whole = contrast_groups(store, a, b, evidence_per_side=2)
        counts = {row.frame: (row.a.documents, row.b.documents) for row in whole.frames}
        assert (whole.documents_a, whole.documents_b) == (20, 20)
        assert counts == {"f-steadfast": (12, 2), "f-victory": (4, 14)}
        steadfast = next(row for row in whole.frames if row.frame == "f-steadfast")
        assert [e.document_id for e in steadfast.evidence_a] == [ids["extremist"][11], ids["extremist"][10]]
        assert {s.word for s in whole.terms[0].top_b} == {"baghdad", "celebrated", "crowds", "streets"}
        within = contrast_groups(store, a.restricted_to(event), b.restricted_to(event), evidence_per_side=1)
        assert (within.documents_a, within.documents_b) == (10, 10)
        assert [e.document_id for row in within.frames for e in row.evidence_a if row.frame == "f-steadfast"] == [
            ids["extremist"][9]]
        timeline = frame_timeline(store, [a, b])
        assert len(timeline.buckets) == 20 and timeline.groups[0].documents == [1] * 20
        series = next(s for s in timeline.groups[0].frames if s.frame == "f-steadfast")
        assert [p.bucket for p in series.change_points] == ["2017-07-02"]
        pairs = entity_cooccurrence(store, b.restricted_to(event), min_documents=1).pairs
        assert {(p.a, p.b): p.documents for p in pairs} == {("iraq", "mosul"): 10, ("abadi", "iraq"): 5,
                                                           ("abadi", "mosul"): 5}
    finally:
        store.close()
