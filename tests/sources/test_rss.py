"""The `rss` importer: RSS and Atom from a real local server, full articles, 304s, hostile XML."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest
from local_web import LocalWeb, running_site
from pages import ARABIC_PARAGRAPHS, ARTICLE_PARAGRAPHS, BILLION_LAUGHS, BOILERPLATE, atom_feed, news_page, rss_feed

from frameline.sources.base import ImportOptions
from frameline.sources.collection import HttpState
from frameline.sources.fetch import Fetcher, FetchPolicy
from frameline.sources.runner import run_import


@pytest.fixture
def site():
    yield from running_site()


@pytest.fixture
def fetcher():
    with Fetcher(FetchPolicy.allowing(["127.0.0.1"], min_interval=0.0)) as fetcher:
        yield fetcher


def summary_items(site: LocalWeb, count: int) -> list[dict]:
    items = []
    for number in range(1, count + 1):
        canonical = f"https://news.example/world/{number}"
        site.serve(f"/articles/{number}", news_page(f"Story {number}", [f"Story {number}."] + ARTICLE_PARAGRAPHS,
                                                    canonical))
        items.append({"title": f"Story {number}", "link": site.url(f"/articles/{number}"), "guid": f"story-{number}",
                      "summary": f"<p>Summary of story {number}&hellip;</p>",
                      "date": f"Mon, 10 Jul 2017 {10 + number:02d}:00:00 GMT"})
    return items


def test_rss2_summary_only_entries_get_their_full_article(site, fetcher, workspace) -> None:
    url = site.serve("/feed.xml", rss_feed(summary_items(site, 2)), content_type="application/rss+xml")
    store = workspace.open_store()
    report = run_import(store, "rss", [url], ImportOptions(groups=("mainstream",), extra={"fetcher": fetcher}))
    assert report.summary() == "2 new, 0 duplicate, 0 rejected"
    first = store.get_document(report.new_ids[0], with_raw=True)
    assert first.text == "\n".join(["Story 1."] + ARTICLE_PARAGRAPHS)
    assert not any(junk in first.text for junk in BOILERPLATE)
    assert first.metadata["summary"] == "Summary of story 1…"
    assert first.title == "Story 1" and first.native_id == "story-1" and first.url == site.url("/articles/1")
    assert first.published_at.isoformat() == "2017-07-10T11:00:00+00:00" and first.language == "en"
    assert first.raw["entry"]["id"] == "story-1" and "Please enter your comment!" in first.raw["article"]["html"]
    source = store.get_source(first.source_id)
    assert (source.kind, source.name, source.url, source.groups) == ("rss", "Daily News: World", url, ["mainstream"])


def test_follow_links_never_keeps_the_summary(site, fetcher, workspace) -> None:
    url = site.serve("/feed.xml", rss_feed(summary_items(site, 1)), content_type="application/rss+xml")
    store = workspace.open_store()
    report = run_import(store, "rss", [url], ImportOptions(extra={"fetcher": fetcher, "follow_links": "never"}))
    assert store.get_document(report.new_ids[0]).text == "Summary of story 1…"
    assert site.hits("/articles/1") == 0


def test_atom_feed_with_full_content_is_not_followed(site, fetcher, workspace) -> None:
    entries = [{"title": "بيان", "id": "urn:statement:1", "link": site.url("/statements/1"),
                "content": "".join(f"<p>{p}</p>" for p in ARABIC_PARAGRAPHS), "author": "المكتب الإعلامي"}]
    url = site.serve("/atom", atom_feed(entries), content_type="application/atom+xml")
    store = workspace.open_store()
    report = run_import(store, "rss", [url], ImportOptions(extra={"fetcher": fetcher}))
    assert report.summary() == "1 new, 0 duplicate, 0 rejected"
    document = store.get_document(report.new_ids[0])
    assert document.text == "\n".join(ARABIC_PARAGRAPHS)
    assert (document.title, document.author, document.native_id) == ("بيان", "المكتب الإعلامي", "urn:statement:1")
    assert document.published_at.isoformat() == "2017-07-10T15:00:00+00:00"
    assert site.hits("/statements/1") == 0


def test_unchanged_feed_costs_one_304_and_known_entries_cost_no_article_fetch(site, fetcher, workspace) -> None:
    items = summary_items(site, 3)
    version = {"etag": '"v1"', "items": items[:2]}

    def feed(request):
        if request.headers.get("if-none-match") == version["etag"]:
            return 304, {"ETag": version["etag"]}, b""
        return 200, {"Content-Type": "application/rss+xml", "ETag": version["etag"]}, \
            rss_feed(version["items"]).encode("utf-8")

    url = site.route("/feed", feed)
    store = workspace.open_store()
    state = HttpState()
    options = ImportOptions(extra={"fetcher": fetcher, "http_state": state,
                                   "is_known": lambda source, native_id: store.has_document(source, native_id)})
    assert run_import(store, "rss", [url], options).summary() == "2 new, 0 duplicate, 0 rejected"
    assert state.etag == '"v1"' and not state.not_modified

    requests_before = len(site.requests)
    unchanged = run_import(store, "rss", [url], options)
    assert unchanged.summary() == "0 new, 0 duplicate, 0 rejected" and state.not_modified
    assert len(site.requests) == requests_before + 1 and site.requests[-1].headers["if-none-match"] == '"v1"'

    version.update(etag='"v2"', items=items)
    changed = run_import(store, "rss", [url], options)
    assert changed.summary() == "1 new, 2 duplicate, 0 rejected" and state.etag == '"v2"'
    assert [site.hits(f"/articles/{n}") for n in (1, 2, 3)] == [1, 1, 1]


def test_billion_laughs_feed_is_rejected_cleanly(site, fetcher, workspace) -> None:
    url = site.serve("/lol.xml", BILLION_LAUGHS, content_type="application/rss+xml")
    store = workspace.open_store()
    started = time.monotonic()
    report = run_import(store, "rss", [url], ImportOptions(extra={"fetcher": fetcher}))
    assert time.monotonic() - started < 5
    assert report.summary() == "0 new, 0 duplicate, 1 rejected" and report.failed_paths == [url]
    assert "billion laughs" in report.sample_rejections[0].reason


def test_garbage_instead_of_a_feed_is_rejected(site, fetcher, workspace) -> None:
    url = site.serve("/not-a-feed", b"\x00\x01 this is not xml at all \xff", content_type="application/rss+xml")
    report = run_import(workspace.open_store(), "rss", [url], ImportOptions(extra={"fetcher": fetcher}))
    assert report.failed_paths == [url] and "not an RSS or Atom feed" in report.sample_rejections[0].reason


RSS_091 = """<?xml version="1.0" encoding="ISO-8859-1"?>
<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" "http://my.netscape.com/publish/formats/rss-0.91.dtd">
<rss version="0.91"><channel><title>Old wire</title><link>https://wire.example/</link><description>x</description>
<language>en</language>
<item><title>Battle for Mosul ends</title><link>https://wire.example/1</link>
<description>Iraqi forces declared victory in Mosul.</description></item></channel></rss>"""

RSS_10 = """<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
 xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel rdf:about="https://rdf.example/"><title>RDF wire</title><link>https://rdf.example/</link>
<description>x</description></channel>
<item rdf:about="https://rdf.example/1"><title>Mosul</title><link>https://rdf.example/1</link>
<description>The old city lies in ruins.</description><dc:date>2017-07-11T09:30:00Z</dc:date></item></rdf:RDF>"""


@pytest.mark.parametrize("body, version, text", [
    (RSS_091, "rss091n", "Iraqi forces declared victory in Mosul."),
    (RSS_10, "rss10", "The old city lies in ruins."),
])
def test_saved_rss_091_and_10_files(tmp_path, workspace, body, version, text) -> None:
    path = tmp_path / "feed.xml"
    path.write_text(body, encoding="utf-8")
    store = workspace.open_store()
    report = run_import(store, "rss", [path])
    assert report.summary() == "1 new, 0 duplicate, 0 rejected"
    document = store.get_document(report.new_ids[0])
    assert document.text == text
    assert store.get_source(document.source_id).metadata["feed_format"] == version


def test_article_links_that_fail_or_point_inside_keep_the_summary(site, fetcher, workspace) -> None:
    items = [{"title": "Gone", "link": site.url("/gone"), "guid": "gone", "summary": "Summary of a deleted story"},
             {"title": "Sneaky", "link": "http://169.254.169.254/latest/meta-data/", "guid": "sneaky",
              "summary": "Summary pointing at cloud metadata"}]
    url = site.serve("/feed.xml", rss_feed(items), content_type="application/rss+xml")
    store = workspace.open_store()
    report = run_import(store, "rss", [url], ImportOptions(extra={"fetcher": fetcher}))
    assert report.summary() == "2 new, 0 duplicate, 0 rejected"
    documents = {d.native_id: d for d in store.iter_documents()}
    assert documents["gone"].text == "Summary of a deleted story"
    assert "HTTP 404" in documents["gone"].metadata["article_error"]
    assert documents["sneaky"].text == "Summary pointing at cloud metadata"
    assert "metadata address" in documents["sneaky"].metadata["article_error"]


def frameline(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "frameline", *args], capture_output=True, text=True, timeout=120)


def said(result: subprocess.CompletedProcess) -> str:
    """stderr with the usage box's borders and line wrapping taken out."""
    return " ".join(result.stderr.replace("│", " ").split())


def test_import_takes_no_robots_allow_host_and_follow_links_on_the_command_line(site, tmp_path) -> None:
    feed = site.serve("/private/feed.xml", rss_feed(summary_items(site, 1)), content_type="application/rss+xml")
    page = site.serve("/private/statement", news_page("Statement", ARTICLE_PARAGRAPHS, site.url("/private/statement")))
    workspace = str(tmp_path / "case")
    assert frameline("init", workspace).returncode == 0

    inside = frameline("import", "rss", feed, "-w", workspace)
    assert inside.returncode == 1 and "loopback address" in inside.stderr
    polite = frameline("import", "rss", feed, "--allow-host", "127.0.0.1", "-w", workspace)
    assert polite.returncode == 1 and "robots.txt disallows" in polite.stderr
    assert site.hits("/private/feed.xml") == 0

    imported = frameline("import", "rss", feed, "--allow-host", "127.0.0.1", "--no-robots",
                         "--follow-links", "never", "-g", "mainstream", "-w", workspace)
    assert imported.returncode == 0, imported.stderr
    assert "1 new, 0 duplicate, 0 rejected" in imported.stdout
    assert site.hits("/articles/1") == 0  # never: the summary is kept, the article not fetched
    pages = frameline("import", "web", page, "--allow-host", "127.0.0.1", "--no-robots", "-w", workspace)
    assert "1 new, 0 duplicate, 0 rejected" in pages.stdout, pages.stderr
    out = tmp_path / "all.jsonl"
    assert frameline("export", "--format", "jsonl", "--out", str(out), "-w", workspace).returncode == 0
    stored = sorted((d["title"], d["text"]) for d in map(json.loads, out.read_text(encoding="utf-8").splitlines()))
    assert stored == [("Statement", "\n".join(ARTICLE_PARAGRAPHS)), ("Story 1", "Summary of story 1…")]

    misplaced = frameline("import", "csv", str(tmp_path / "x.csv"), "--no-robots", "-w", workspace)
    assert misplaced.returncode == 2 and "applies to the rss and web importer(s), not 'csv'" in said(misplaced)
    for_web = frameline("import", "web", page, "--follow-links", "always", "-w", workspace)
    assert for_web.returncode == 2 and "applies to the rss importer(s), not 'web'" in said(for_web)
    bad = frameline("import", "rss", feed, "--follow-links", "sometimes", "-w", workspace)
    assert bad.returncode == 2 and "'sometimes' is not one of auto, always, never" in said(bad)
