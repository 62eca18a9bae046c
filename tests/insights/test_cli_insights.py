"""The insight commands run as a user runs them, on a workspace holding the two-camp corpus."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from frameline.workspace import init_workspace

from .corpus import build


def frameline(workspace: Path, *args: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "frameline", *args, "--workspace", str(workspace)]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


@pytest.fixture
def case(tmp_path: Path) -> Path:
    workspace = init_workspace(tmp_path / "case")
    store = workspace.open_store()
    build(store)
    store.close()
    return workspace.path


def test_events_add_list_show_remove(case):
    added = frameline(case, "events", "add", "mosul-2017", "--from", "2017-06-20", "--to", "2017-06-29",
                      "--query", "Mosul OR الموصل", "--description", "The fall of Mosul")
    assert added.returncode == 0, added.stderr
    assert "20 documents in the window, 20 match its query" in added.stdout
    listed = json.loads(frameline(case, "events", "list", "--json").stdout)
    assert listed == [{"name": "mosul-2017", "from": "2017-06-20", "to": "2017-06-29", "query": "Mosul OR الموصل",
                       "description": "The fall of Mosul"}]
    shown = json.loads(frameline(case, "events", "show", "mosul-2017", "--json").stdout)
    assert shown["documents"] == 20 and shown["documents_per_group"] == {"extremist": 10, "mainstream": 10}
    again = frameline(case, "events", "add", "mosul-2017", "--query", "Mosul")
    assert again.returncode == 1 and "exists" in again.stderr
    bad = frameline(case, "events", "add", "broken", "--query", '"unclosed')
    assert bad.returncode == 1 and "quotation mark" in bad.stderr
    assert frameline(case, "events", "remove", "mosul-2017").returncode == 0
    gone = frameline(case, "events", "remove", "mosul-2017")
    assert gone.returncode == 1 and "no event called 'mosul-2017'" in gone.stderr


def test_compare_prints_json_and_exports_the_frame_table(case, tmp_path):
    assert frameline(case, "events", "add", "mosul-2017", "--from", "2017-06-20", "--to", "2017-06-29",
                     "--query", "Mosul").returncode == 0
    out = tmp_path / "frames.csv"
    done = frameline(case, "compare", "--a", "group:extremist", "--b", "group:mainstream", "--event", "mosul-2017",
                     "--json", "--export", str(out))
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert (result["documents_a"], result["documents_b"], result["event"]) == (10, 10, "mosul-2017")
    assert {row["frame"] for row in result["frames"] if row["significant"]} == {"f-steadfast", "f-victory"}
    assert result["frames"][0]["evidence_a"][0]["link"].startswith("/documents/")
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")  # UTF-8 BOM for Excel
    with out.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert {row["frame"] for row in rows} == {"f-steadfast", "f-victory"}
    table = frameline(case, "compare", "--a", "extremist", "--b", "mainstream")
    assert table.returncode == 0 and "Steadfastness" in table.stdout and "Holm" in table.stdout
    assert "B: streets (-2.3)" in table.stdout
    assert "A: none significant" in table.stdout  # said, not an empty line that looks like a failure
    wrong = frameline(case, "compare", "--a", "group:jihadists", "--b", "mainstream")
    assert wrong.returncode == 1 and "no source is in the group 'jihadists'" in wrong.stderr


def test_timeline_json_and_parquet_export(case, tmp_path):
    out = tmp_path / "timeline.parquet"
    done = frameline(case, "timeline", "--groups", "extremist,mainstream", "--interval", "day", "--json",
                     "--export", str(out))
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert [group["label"] for group in result["groups"]] == ["group:extremist", "group:mainstream"]
    steadfast = next(s for s in result["groups"][0]["frames"] if s["frame"] == "f-steadfast")
    assert [point["bucket"] for point in steadfast["change_points"]] == ["2017-07-02"]
    import pyarrow.parquet as pq

    table = pq.read_table(out)
    assert table.num_rows == 2 * 2 * 20 and "share" in table.column_names
    shown = frameline(case, "timeline", "--interval", "week")
    assert shown.returncode == 0 and "2017-06-19" in shown.stdout


def test_cooccurrence_and_propagation_commands(case, tmp_path):
    gexf = tmp_path / "actors.gexf"
    done = frameline(case, "cooccurrence", "--groups", "extremist,mainstream", "--min-documents", "5", "--json",
                     "--gexf", str(gexf))
    assert done.returncode == 0, done.stderr
    extremist, mainstream = json.loads(done.stdout)
    assert [(p["a"], p["b"]) for p in extremist["pairs"]] == [("isis", "mosul")]
    assert ("abadi", "iraq") in {(p["a"], p["b"]) for p in mainstream["pairs"]}
    import networkx as nx

    graph = nx.read_gexf(gexf)
    assert graph.edges["isis", "mosul"]["weight"] == 20 and graph.edges["iraq", "mosul"]["weight_group_mainstream"] == 20
    listed = frameline(case, "propagation", "--list")
    assert listed.returncode == 0 and "no re-post clusters yet" in listed.stdout
    missing = frameline(case, "propagation", "42")
    assert missing.returncode == 1 and "no re-post cluster 42" in missing.stderr
    network = frameline(case, "propagation", "--network", "--gexf", str(tmp_path / "sources.gexf"))
    assert network.returncode == 0 and (tmp_path / "sources.gexf").is_file()
