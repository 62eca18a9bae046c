"""The brief: a self-contained, escaped HTML file and a Markdown twin, built from the two-camp corpus."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

from frameline.records import DocLabel, RawDocument, SourceRef, Span
from frameline.reports.brief import build_brief, markdown_cell, render_html, write_brief
from frameline.store.base import ClusterMember, Event
from frameline.workspace import init_workspace

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from insights.corpus import build  # noqa: E402

HOSTILE = "</script><script>alert('x')</script><img src=x onerror=alert(1)>"


@pytest.fixture
def store(sqlite_store):
    build(sqlite_store)
    source = SourceRef(kind="telegram", name=f"Amaq {HOSTILE}", groups=("extremist",))
    text = f"Mosul will return. {HOSTILE}"
    document_id = sqlite_store.write_documents([RawDocument(
        source=source, text=text, native_id="h1", published_at=datetime(2017, 7, 1, 9, tzinfo=timezone.utc),
        language="en")]).new_ids[0]
    sqlite_store.write_analysis("frames", "1", {document_id: (
        [Span(0, 0, len(text), "frame", "f-return", 0.99, "", "", {"name": f"Return {HOSTILE}"})],
        [DocLabel(0, "frame", "f-return", 0.99, "", "", {"name": f"Return {HOSTILE}"})])})
    sqlite_store.record_clusters([], [ClusterMember(1, 1, 1.0, "founder"), ClusterMember(3, 1, 0.9, "minhash", 1),
                                      ClusterMember(document_id, 1, 0.9, "minhash", 1)], "duplicates", "1")
    sqlite_store.add_event(Event("mosul-2017", datetime(2017, 6, 15, tzinfo=timezone.utc),
                                 datetime(2017, 8, 15, tzinfo=timezone.utc), "Mosul OR الموصل",
                                 "Iraq declares the end of the caliphate in Mosul"))
    return sqlite_store


def test_html_brief_is_self_contained_escaped_and_complete(store, tmp_path):
    brief = build_brief(store, ["extremist", "mainstream"], "mosul-2017")
    html = render_html(brief)
    assert not re.search(r"""<(script|link|img)[^>]+(src|href)=["']?(https?:)?//""", html)  # nothing fetched
    assert "Plotly.newPlot" in html and len(html) > 1_000_000  # plotly.js inlined from the package
    assert HOSTILE not in html and "onerror=alert(1)>" not in html
    assert "&lt;/script&gt;&lt;script&gt;alert(" in html  # quoted and named, but as text
    assert html.count("<script") == html.count("</script>") == 2 + len(brief.charts)
    assert 'href="/documents/12"' in html  # evidence links back to the document view
    for needle in ("Steadfastness", "Victory", "Holm", "Iraq declares the end of the caliphate in Mosul",
                   "The soldiers of the Caliphate remain steadfast", "2017-07-02", "Most re-posted"):
        assert needle in html
    for block in re.findall(r'<script type="application/json" data-chart="[^"]+">(.*?)</script>', html, re.S):
        figure = json.loads(block)
        assert figure["data"] and "<" not in block
    assert brief.contrast is not None and brief.contrast.documents_a == 21
    assert [c.size for c in brief.clusters] == [3]


def test_markdown_brief_has_the_tables_quotes_and_links(store, tmp_path):
    out = tmp_path / "brief.md"
    assert write_brief(build_brief(store, ["extremist", "mainstream"], "mosul-2017", charts=False), out) == "md"
    text = out.read_text(encoding="utf-8")
    assert "| Steadfastness | 57.1% [36.5%, 75.5%] | 0.0% [0.0%, 21.5%] | +57.1% |" in text
    assert "> The soldiers of the Caliphate remain steadfast until victory or martyrdom." in text
    assert "(/documents/12)" in text and "2017-07-02: 75.0% → 0.0%" in text  # the extra document halves 07-01
    assert "<script>" not in text and "\\<script\\>" in text
    assert markdown_cell("a | b\nc <i>") == "a \\| b c \\<i\\>"


def test_report_command_writes_html_and_markdown(tmp_path):
    workspace = init_workspace(tmp_path / "case")
    store = workspace.open_store()
    build(store)
    store.close()
    command = [sys.executable, "-m", "frameline"]
    assert subprocess.run(command + ["events", "add", "mosul-2017", "--from", "2017-06-15", "--to", "2017-08-15",
                                     "--query", "Mosul OR الموصل", "-w", str(workspace.path)],
                          capture_output=True, timeout=120).returncode == 0
    for name in ("brief.html", "brief.md"):
        done = subprocess.run(command + ["report", "--event", "mosul-2017", "--groups", "extremist,mainstream",
                                         "--out", str(tmp_path / name), "-w", str(workspace.path)],
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        assert "Brief: mosul-2017" in (tmp_path / name).read_text(encoding="utf-8")
