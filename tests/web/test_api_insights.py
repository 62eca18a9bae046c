"""The API behind Compare, re-post clusters, events and monitored feeds, on the two-camp Mosul corpus.

Every value must be the one `frameline.insights` (and the collector's settings
and status) give for the same question, so the tests compare the JSON with
the insight functions' own results, and check the roles, CSRF and audit rules.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from fastapi.testclient import TestClient

from frameline.insights.contrast import contrast_groups
from frameline.insights.propagation import cluster_spread
from frameline.insights.selection import event_named, parse_selection
from frameline.sources.schedule import monitored_sources
from frameline.workspace import load_workspace

from .conftest import csrf_of


def _close(value: float, expected: float) -> bool:
    return abs(value - expected) < 1e-12


def assert_same_contrast(body: dict, expected) -> None:  # noqa: ANN001 - a Contrast
    assert (body["a"], body["b"], body["event"]) == (expected.a, expected.b, expected.event)
    assert (body["documents_a"], body["documents_b"]) == (expected.documents_a, expected.documents_b)
    assert (body["correction"], body["alpha"]) == ("holm", 0.05)
    assert [row["frame"] for row in body["frames"]] == [f.frame for f in expected.frames]
    for row, frame in zip(body["frames"], expected.frames):
        assert row["name"] == frame.name
        for side, share in (("a", frame.a), ("b", frame.b)):
            assert row[side]["documents"] == share.documents
            assert _close(row[side]["share"], share.share)
            assert _close(row[side]["ci_low"], share.ci_low) and _close(row[side]["ci_high"], share.ci_high)
        assert _close(row["difference"], frame.difference) and _close(row["z"], frame.z)
        assert _close(row["p_value"], frame.p_value) and _close(row["p_adjusted"], frame.p_adjusted)
        assert row["significant"] is frame.significant
        for side, quotes in (("evidence_a", frame.evidence_a), ("evidence_b", frame.evidence_b)):
            assert [(q["document_id"], q["sentence"], q["source"]) for q in row[side]] == [
                (q.document_id, q.sentence, q.source) for q in quotes]
    assert [t["language"] for t in body["terms"]] == [t.language for t in expected.terms]
    for got, terms in zip(body["terms"], expected.terms):
        assert (got["documents_a"], got["documents_b"]) == (terms.documents_a, terms.documents_b)
        assert [(w["word"], w["count_a"], w["count_b"]) for w in got["top_a"]] == [
            (w.word, w.count_a, w.count_b) for w in terms.top_a]
        assert [w["word"] for w in got["top_b"]] == [w.word for w in terms.top_b]
        assert all(_close(w["z"], e.z) for w, e in zip(got["top_b"], terms.top_b))


# -- compare ----------------------------------------------------------------------------


def test_compare_returns_what_the_contrast_insight_computes(mosul):
    store = mosul["store"]
    response = mosul["viewer"].get("/api/v1/compare", params={"a": "group:extremist", "b": "group:mainstream"})
    assert response.status_code == 200, response.text
    body = response.json()
    expected = contrast_groups(store, parse_selection(store, "group:extremist"),
                               parse_selection(store, "group:mainstream"), evidence_per_side=3, top_terms=15)
    assert_same_contrast(body, expected)
    # The corpus's known answer (each side has 21 documents with the straggler and the early post):
    # steadfastness 13/21 (with the straggler's label) against 2/21, victory 4/21 against 14/21.
    by_frame = {row["frame"]: row for row in body["frames"]}
    assert body["documents_a"] == 21 and body["documents_b"] == 21
    assert by_frame["f-victory"]["a"]["documents"] == 4 and by_frame["f-victory"]["b"]["documents"] == 14
    assert by_frame["f-steadfast"]["a"]["documents"] == 13 and by_frame["f-steadfast"]["b"]["documents"] == 2
    assert all(row["significant"] for row in body["frames"])
    victory_a = by_frame["f-victory"]["a"]
    assert victory_a["ci_low"] < victory_a["share"] < victory_a["ci_high"]
    # Evidence: three quotes of the extremist side, each a document of that side, quoting the stored text.
    quotes = by_frame["f-steadfast"]["evidence_a"]
    assert len(quotes) == 3 and {q["document_id"] for q in quotes} <= set(mosul["ids"]["extremist"])
    assert all("remain steadfast until victory or martyrdom" in q["sentence"] for q in quotes)
    english = next(t for t in body["terms"] if t["language"] == "en")
    assert {"baghdad", "celebrated"} <= {w["word"] for w in english["top_b"]}
    assert all(w["z"] < 0 for w in english["top_b"]) and all(w["z"] > 0 for w in english["top_a"])


def test_compare_within_an_event_restricts_both_sides(mosul):
    store = mosul["store"]
    params = {"a": "group:extremist", "b": "search:Baghdad", "event": "mosul-2017"}
    body = mosul["viewer"].get("/api/v1/compare", params=params).json()
    event = event_named(store, "mosul-2017")
    expected = contrast_groups(store, parse_selection(store, "group:extremist").restricted_to(event),
                               parse_selection(store, "search:Baghdad").restricted_to(event),
                               event_name="mosul-2017", evidence_per_side=3, top_terms=15)
    assert_same_contrast(body, expected)
    assert body["a"] == "group:extremist @ mosul-2017" and body["event"] == "mosul-2017"
    assert body["documents_b"] == 9  # the mainstream posts of 2017-06-25..07-04 that mention Baghdad


@pytest.mark.parametrize(("params", "reason"), [
    ({"a": "group:nobody", "b": "group:mainstream"}, "no source is in the group 'nobody'"),
    ({"a": "colour:red", "b": "group:mainstream"}, "a side is group:NAME, source:NAME, search:QUERY or event:NAME"),
    ({"a": "source:Nobody Press", "b": "group:mainstream"}, "no source called 'Nobody Press'"),
    ({"a": "search:\"unclosed", "b": "group:mainstream"}, "quotation mark"),
    ({"a": "group:extremist", "b": "group:mainstream", "event": "no-such-event"}, "no event called 'no-such-event'"),
])
def test_a_side_that_cannot_be_understood_is_a_422_that_says_why(mosul, params, reason):
    response = mosul["viewer"].get("/api/v1/compare", params=params)
    assert response.status_code == 422, response.text
    assert reason in response.json()["detail"]


def test_compare_needs_both_sides(mosul):
    response = mosul["viewer"].get("/api/v1/compare", params={"a": "group:extremist"})
    assert response.status_code == 422 and response.json()["detail"][0]["loc"] == ["query", "b"]


# -- clusters ---------------------------------------------------------------------------


def test_clusters_list_is_paginated_and_filtered_by_size(mosul):
    viewer = mosul["viewer"]
    body = viewer.get("/api/v1/clusters").json()
    assert (body["page"], body["per_page"], body["total"]) == (1, 20, 1)
    [cluster] = body["items"]
    summary = mosul["store"].get_cluster(1)
    assert cluster["id"] == 1 and cluster["size"] == 3 and cluster["sources"] == 3
    assert cluster["first_document_id"] == summary.first_document_id == mosul["members"][0]
    assert datetime.fromisoformat(cluster["first_seen_at"]) == summary.first_seen_at
    assert viewer.get("/api/v1/clusters", params={"min_size": 4}).json() == {
        "items": [], "page": 1, "per_page": 20, "total": 0}
    beyond = viewer.get("/api/v1/clusters", params={"page": 2, "per_page": 1}).json()
    assert beyond["items"] == [] and beyond["total"] == 1


def test_a_cluster_shows_who_carried_it_and_when(mosul):
    body = mosul["viewer"].get("/api/v1/clusters/1").json()
    spread = cluster_spread(mosul["store"], 1)
    assert body["summary"]["size"] == spread.size == 3 and body["summary"]["first_document_id"] == mosul["members"][0]
    assert (body["first_seen"], body["last_seen"]) == (spread.first_seen, spread.last_seen)
    assert [(s["source"], s["first_seen"], s["first_document_id"], s["hours_after_first"])
            for s in body["per_source"]] == [
        (s.source, s.first_seen, s.first_document_id, s.hours_after_first) for s in spread.sources]
    assert [s["source"] for s in body["per_source"]] == ["Nashir News", "Amaq Agency", "Reuters World"]
    assert body["per_source"][1]["hours_after_first"] == 24.0  # Amaq posted it a day after Nashir
    assert [(p["at"], p["document_id"], p["documents"], p["sources"]) for p in body["curve"]] == [
        (p.at, p.document_id, p.documents, p.sources) for p in spread.curve]
    assert [p["sources"] for p in body["curve"]] == [1, 2, 3]
    assert sorted(body["member_ids"]) == sorted(mosul["members"])


def test_an_unknown_cluster_is_a_404(mosul):
    response = mosul["viewer"].get("/api/v1/clusters/99999")
    assert response.status_code == 404 and "no re-post cluster 99999" in response.json()["detail"]


# -- events -----------------------------------------------------------------------------


def test_events_list_and_detail(mosul):
    viewer = mosul["viewer"]
    body = viewer.get("/api/v1/events").json()
    first = next(e for e in body["items"] if e["name"] == "mosul-2017")
    assert (first["from"], first["to"]) == ("2017-06-25", "2017-07-04")  # the last day is inclusive
    assert first["ends_at"].startswith("2017-07-05T00:00:00") and first["description"] == "the end of the battle"
    assert body["total"] == len(mosul["store"].list_events())
    detail = viewer.get("/api/v1/events/mosul-2017").json()
    window = mosul["store"].count_documents(parse_selection(mosul["store"], "event:mosul-2017").filter)
    assert detail["documents"] == window == 20  # ten days, one post a day on each side
    assert viewer.get("/api/v1/events/not-there").status_code == 404


def test_an_analyst_adds_an_event_and_it_is_audited(mosul):
    analyst, store = mosul["analyst"], mosul["store"]
    event = {"name": "baghdad-celebrations", "from": "2017-06-20", "to": "2017-06-30", "query": "Baghdad",
             "description": "crowds in the streets"}
    response = analyst.post("/api/v1/events", json=event, headers={"X-CSRF-Token": csrf_of(analyst)})
    assert response.status_code == 201, response.text
    body = response.json()
    stored = store.get_event("baghdad-celebrations")
    assert stored.starts_at == datetime(2017, 6, 20, tzinfo=timezone.utc)
    assert stored.ends_at == datetime(2017, 6, 30, tzinfo=timezone.utc) + timedelta(days=1)
    assert stored.query == "Baghdad" and (body["from"], body["to"]) == ("2017-06-20", "2017-06-30")
    assert body["documents"] == store.match_event_documents(stored) == 11  # Reuters 06-20..06-30 all mention it
    entry = store.audit_entries(5)[0]
    assert (entry["actor"], entry["action"], entry["target"]) == ("analyst", "event-add", "baghdad-celebrations")
    # It is usable at once: Compare within it.
    within = mosul["viewer"].get("/api/v1/compare", params={"a": "group:extremist", "b": "group:mainstream",
                                                            "event": "baghdad-celebrations"}).json()
    assert within["documents_b"] == 11 and within["documents_a"] == 0  # no extremist post mentions Baghdad


@pytest.mark.parametrize(("event", "status", "reason"), [
    ({"name": "mosul-2017"}, 409, "an event called 'mosul-2017' exists"),
    ({"name": "backwards", "from": "2017-07-01", "to": "2017-06-01"}, 422, "ends (2017-06-01) before it starts"),
    ({"name": "bad-query", "query": '"unclosed'}, 422, "quotation mark"),
    ({"name": "has spaces"}, 422, "pattern"),
    ({"name": "bad-day", "from": "2017-13-01"}, 422, "date"),
])
def test_an_event_that_cannot_be_stored_is_refused_with_the_reason(mosul, event, status, reason):
    analyst = mosul["analyst"]
    before = len(mosul["store"].list_events())
    response = analyst.post("/api/v1/events", json=event, headers={"X-CSRF-Token": csrf_of(analyst)})
    assert response.status_code == status, response.text
    assert reason in str(response.json()["detail"])
    assert len(mosul["store"].list_events()) == before


def test_events_need_an_analyst_and_the_csrf_token(mosul):
    event = {"name": "viewer-made"}
    viewer = mosul["viewer"]
    assert viewer.post("/api/v1/events", json=event, headers={"X-CSRF-Token": csrf_of(viewer)}).status_code == 403
    assert mosul["analyst"].post("/api/v1/events", json=event).status_code == 403  # a cookie without the token
    assert mosul["store"].get_event("viewer-made") is None
    token = mosul["accounts"].create_api_token(mosul["accounts"].get_user("analyst"), "script")
    scripted = TestClient(mosul["app"]).post("/api/v1/events", json=event, headers={"Authorization": f"Bearer {token}"})
    assert scripted.status_code == 201  # an API token carries no ambient authority, so it needs no CSRF token


# -- feeds ------------------------------------------------------------------------------


def test_an_analyst_adds_a_feed_where_the_collector_reads_it(mosul):
    analyst, workspace = mosul["analyst"], mosul["workspace"]
    feed = {"url": "https://news.example/feed.xml", "groups": ["mainstream", " "], "every_minutes": 30}
    response = analyst.post("/api/v1/feeds", json=feed, headers={"X-CSRF-Token": csrf_of(analyst)})
    assert response.status_code == 201, response.text
    assert response.json() | {"last_attempt_at": None} == {
        "kind": "rss", "target": "https://news.example/feed.xml", "every": "30m", "groups": ["mainstream"],
        "last_attempt_at": None, "last_success_at": None, "outcome": None, "error": None, "failures": 0,
        "next_due_at": None, "last_new": 0, "total_new": 0, "polls": 0}
    watched = monitored_sources(load_workspace(workspace.path))  # what `frameline watch` reads from disk
    assert [(s.kind, s.target, s.every_s, s.groups) for s in watched] == [
        ("rss", "https://news.example/feed.xml", 1800.0, ("mainstream",))]
    entry = mosul["store"].audit_entries(5)[0]
    assert (entry["actor"], entry["action"], entry["target"]) == ("analyst", "feed-added", feed["url"])
    again = analyst.post("/api/v1/feeds", json=feed | {"every_minutes": 120},
                         headers={"X-CSRF-Token": csrf_of(analyst)})
    assert again.status_code == 200 and again.json()["every"] == "2h"  # the same target replaced, not doubled
    assert len(monitored_sources(load_workspace(workspace.path))) == 1


def test_feeds_list_their_last_poll(mosul):
    store, target = mosul["store"], "https://news.example/feed.xml"
    mosul["analyst"].post("/api/v1/feeds", json={"url": target}, headers={"X-CSRF-Token": csrf_of(mosul["analyst"])})
    polled = datetime(2026, 1, 2, 3, 4, tzinfo=timezone.utc)
    store.record_collection(target, "rss", last_attempt_at=polled, outcome="failed", error="HTTP 503 from news.example",
                            failures=2, next_due_at=polled + timedelta(hours=4), total_new=7, polls=5)
    body = mosul["viewer"].get("/api/v1/feeds").json()
    assert body["total"] == 1 and body["page"] == 1
    [feed] = body["items"]
    assert datetime.fromisoformat(feed["last_attempt_at"]) == polled
    assert datetime.fromisoformat(feed["next_due_at"]) == polled + timedelta(hours=4)
    assert (feed["outcome"], feed["error"], feed["failures"], feed["total_new"], feed["polls"]) == (
        "failed", "HTTP 503 from news.example", 2, 7, 5)
    # The Sources page shows the same row.
    page = mosul["viewer"].get("/sources").text
    assert "HTTP 503 from news.example" in page and "2026-01-02 03:04" in page


@pytest.mark.parametrize(("feed", "reason"), [
    ({"url": "ftp://news.example/feed"}, "http:// or https://"),
    ({"url": "javascript:alert(1)"}, "http:// or https://"),
    ({"url": "https://news.example/feed", "every_minutes": 1}, "greater than or equal to 5"),
])
def test_a_feed_that_cannot_be_monitored_is_refused(mosul, feed, reason):
    analyst = mosul["analyst"]
    response = analyst.post("/api/v1/feeds", json=feed, headers={"X-CSRF-Token": csrf_of(analyst)})
    assert response.status_code == 422 and reason in str(response.json()["detail"])
    targets = [s.target for s in monitored_sources(load_workspace(mosul["workspace"].path))]
    assert feed["url"] not in targets


def test_feeds_need_an_analyst(mosul):
    viewer = mosul["viewer"]
    response = viewer.post("/api/v1/feeds", json={"url": "https://viewer.example/feed"},
                           headers={"X-CSRF-Token": csrf_of(viewer)})
    assert response.status_code == 403


def test_the_schema_documents_the_new_endpoints(mosul):
    schema = mosul["viewer"].get("/api/v1/openapi.json").json()
    for path in ("/api/v1/compare", "/api/v1/clusters", "/api/v1/clusters/{cluster_id}", "/api/v1/events",
                 "/api/v1/events/{name}", "/api/v1/feeds"):
        assert path in schema["paths"]
    frame = schema["components"]["schemas"]["FrameContrastOut"]["properties"]
    assert {"p_adjusted", "significant", "evidence_a"} <= set(frame)
    assert "from" in schema["components"]["schemas"]["EventIn"]["properties"]
