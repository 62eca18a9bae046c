"""Every list in the JSON API pages the same way: `page`, `per_page`, and a `total` that counts everything."""

from __future__ import annotations

import json

import pytest

from frameline.sources.base import ImportOptions
from frameline.sources.runner import run_import


@pytest.fixture(scope="module")
def three_imports(web_workspace, tmp_path_factory):
    """Two more imports (three in all, the fixture's Telegram one first), each a source of its own."""
    _, store, _ = web_workspace
    folder = tmp_path_factory.mktemp("imports")
    for number in (1, 2):
        path = folder / f"part{number}.jsonl"
        path.write_text(json.dumps({"id": f"p{number}", "text": f"part {number} of the paging test"}) + "\n",
                        encoding="utf-8")
        run_import(store, "jsonl", [path], ImportOptions(source_name=f"paging-{number}"))
    assert len(store.list_imports(100)) == 3
    return store


def test_imports_total_counts_every_import_whatever_the_page_size(clients, three_imports):
    viewer = clients["viewer"]
    first = viewer.get("/api/v1/imports", params={"per_page": 1}).json()
    assert first["total"] == 3 and len(first["items"]) == 1
    pages = [viewer.get("/api/v1/imports", params={"per_page": 1, "page": n}).json() for n in (1, 2, 3, 4)]
    assert [len(p["items"]) for p in pages] == [1, 1, 1, 0] and {p["total"] for p in pages} == {3}
    ids = [p["items"][0]["id"] for p in pages[:3]]
    assert ids == sorted(ids, reverse=True)  # newest first, no import twice


def test_sources_are_paginated(clients, three_imports):
    viewer = clients["viewer"]
    everything = viewer.get("/api/v1/sources", params={"per_page": 100}).json()
    assert everything["total"] == 3 and everything["page"] == 1
    names = [s["name"] for s in everything["items"]]
    paged = [viewer.get("/api/v1/sources", params={"per_page": 2, "page": n}).json() for n in (1, 2)]
    assert [len(p["items"]) for p in paged] == [2, 1]
    assert [s["name"] for p in paged for s in p["items"]] == names
    assert {s["name"]: s["documents"] for s in everything["items"]}["paging-1"] == 1


def test_a_documents_spans_are_paginated(clients, web_workspace):
    viewer = clients["viewer"]
    document = web_workspace[2][0]
    everything = viewer.get(f"/api/v1/documents/{document}/spans", params={"per_page": 1000}).json()
    total = everything["total"]
    assert total == len(everything["items"]) >= 5
    pages = [viewer.get(f"/api/v1/documents/{document}/spans", params={"per_page": 2, "page": n}).json()
             for n in range(1, total // 2 + 3)]
    assert {p["total"] for p in pages} == {total}
    assert [s["id"] for p in pages for s in p["items"]] == [s["id"] for s in everything["items"]]
    frames = viewer.get(f"/api/v1/documents/{document}/spans", params={"layer": "frame"}).json()
    assert frames["total"] == 2 and {s["layer"] for s in frames["items"]} == {"frame"}
    assert viewer.get(f"/api/v1/documents/{document}/spans", params={"per_page": 1001}).status_code == 422
