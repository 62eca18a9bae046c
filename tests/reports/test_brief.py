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
    # Evidence links back to the document view by absolute URL (the file works opened from anywhere), and
    # names its document and source in plain text beside the quote.
    assert 'href="http://127.0.0.1:8000/documents/12"' in html and 'href="/documents/' not in html
    assert "Links open the documents in <code>frameline serve</code> at http://127.0.0.1:8000 (the default" in html
    assert re.search(r'remain steadfast until victory or martyrdom\.\s*<footer>— document <strong>#\d+</strong> · '
                     r'<span class="source">(Amaq Agency|Nashir News)</span> · 2017-0', html)
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
    assert "(http://127.0.0.1:8000/documents/12)" in text and "2017-07-02: 75.0% → 0.0%" in text  # the extra document halves 07-01
    assert re.search(r"> — document #\d+ · (Amaq Agency|Nashir News) · 2017-0\d-\d\d · \[open\]\(http://127\.0\.0\.1:8000/documents/\d+\)", text)
    assert "<script>" not in text and "\\<script\\>" in text
    assert markdown_cell("a | b\nc <i>") == "a \\| b c \\<i\\>"


def test_the_brief_lists_distinctive_words_per_language_on_the_right_side(store):
    brief = build_brief(store, ["extremist", "mainstream"], "mosul-2017")
    html = render_html(brief)
    section = re.search(r'<section id="terms">(.*?)</section>', html, re.S).group(1)
    assert "Monroe, Colaresi and Quinn 2008" in section and "<h3>en</h3>" in section
    side_a, side_b = re.findall(r'<div><strong class="side-(?:a|b)">.*?</ol></div>', section, re.S)
    # The mainstream side's own words (the celebration sentence), with their z-scores; none for the extremists,
    # whose steadfastness sentence the mainstream also quotes.
    for word in ("baghdad", "celebrated", "crowds", "streets"):
        assert re.search(rf'<li dir="auto">{word} <span class="note">z -2\.\d', side_b), word
        assert word not in side_a
    assert "none significant" in side_a and ">mainstream<" in side_b and ">extremist<" in side_a
    terms = brief.contrast.terms[0]
    assert sorted(s.word for s in terms.top_b) == ["baghdad", "celebrated", "crowds", "streets"] and not terms.top_a
    positions = [side_b.index(f">{s.word} <") for s in terms.top_b]
    assert positions == sorted(positions)  # in the insight's order, most distinctive first


def test_a_base_url_makes_every_link_absolute_under_it(store):
    brief = build_brief(store, ["extremist", "mainstream"], "mosul-2017", base_url="https://frameline.example/ws/")
    html = render_html(brief)
    links = re.findall(r'href="([^"]+)"', html.split("</head>", 1)[1])  # the body: not plotly.js
    assert links and all(link.startswith("https://frameline.example/ws/documents/") for link in links)
    assert "at https://frameline.example/ws/." in html and "(the default" not in html
    with pytest.raises(Exception, match="base-url"):
        build_brief(store, ["extremist", "mainstream"], "mosul-2017", base_url="javascript:alert(1)")


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
                                         "--out", str(tmp_path / name), "-w", str(workspace.path),
                                         "--base-url", "http://analyst-box:8080"],
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        written = (tmp_path / name).read_text(encoding="utf-8")
        assert "Brief: mosul-2017" in written and "http://analyst-box:8080/documents/" in written
