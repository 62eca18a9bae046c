"""The `web` importer against a real local server: main text, metadata, encodings, lists, saved pages."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from local_web import LocalWeb, running_site
from pages import ARABIC_PARAGRAPHS, ARTICLE_PARAGRAPHS, BOILERPLATE, arabic_page, news_page

from frameline.sources.base import ImportOptions
from frameline.sources.fetch import Fetcher, FetchPolicy
from frameline.sources.runner import run_import

CANONICAL = "https://news.example/world/2017/07/10/mosul-liberated"


@pytest.fixture
def site():
    yield from running_site()


@pytest.fixture
def options():
    with Fetcher(FetchPolicy.allowing(["127.0.0.1"], min_interval=0.0)) as fetcher:
        yield ImportOptions(groups=("mainstream",), extra={"fetcher": fetcher})


def test_news_page_keeps_the_article_and_drops_navigation_share_and_comment_form(site, options, workspace) -> None:
    canonical = site.url("/world/mosul")
    url = site.serve("/world/mosul?utm_source=feed", news_page("Mosul declared liberated", ARTICLE_PARAGRAPHS, canonical))
    store = workspace.open_store()
    report = run_import(store, "web", [url], options)
    assert report.summary() == "1 new, 0 duplicate, 0 rejected"
    document = store.get_document(report.new_ids[0], with_raw=True)
    assert document.text == "\n".join(ARTICLE_PARAGRAPHS)
    for junk in BOILERPLATE:
        assert junk not in document.text
    assert document.title == "Mosul declared liberated" and document.author == "Jane Reporter"
    assert document.published_at.isoformat() == "2017-07-10T14:00:00+00:00"
    assert document.language == "en" and document.url == canonical and document.native_id == canonical
    assert document.metadata["fetched_url"] == url
    assert "Please enter your comment!" in document.raw["html"] and document.raw["status"] == 200
    source = store.get_source(document.source_id)
    assert (source.kind, source.name, source.groups) == ("web", "127.0.0.1", ["mainstream"])

    again = run_import(store, "web", [url], options)
    assert again.summary() == "0 new, 1 duplicate, 0 rejected"


def test_arabic_page(site, options, workspace) -> None:
    url = site.serve("/ar/mosul", arabic_page())
    store = workspace.open_store()
    document = store.get_document(run_import(store, "web", [url], options).new_ids[0])
    assert document.text == "\n".join(ARABIC_PARAGRAPHS)
    assert document.title == "تحرير الموصل" and document.language == "ar"
    assert "تابعونا" not in document.text and "الرئيسية" not in document.text


def test_windows_1256_page_without_any_charset_is_decoded(site, options, workspace) -> None:
    url = site.serve("/ar/legacy", arabic_page(charset_meta=False).encode("cp1256"), content_type="text/html")
    store = workspace.open_store()
    document = store.get_document(run_import(store, "web", [url], options).new_ids[0], with_raw=True)
    assert document.text == "\n".join(ARABIC_PARAGRAPHS)
    assert document.metadata["encoding"] == "cp1256 (detected)"


def test_url_list_imports_each_page_and_rejects_bad_lines_by_line_number(site, options, workspace, tmp_path) -> None:
    good = site.serve("/one", news_page("Mosul declared liberated", ARTICLE_PARAGRAPHS, CANONICAL))
    listing = tmp_path / "urls.txt"
    listing.write_text(f"# reading list\n{good}\nftp://old.example/file\n{site.url('/missing')}\n", encoding="utf-8")
    store = workspace.open_store()
    report = run_import(store, "web", [listing], options, rejects_dir=workspace.rejects_dir)
    assert report.summary() == "1 new, 0 duplicate, 2 rejected"
    reasons = {r.location: r.reason for r in report.sample_rejections}
    assert reasons["line 3"] == "not an http(s) URL"
    assert "HTTP 404" in reasons["line 4"]


def test_saved_pages_folder(tmp_path, workspace) -> None:
    folder = tmp_path / "saved"
    (folder / "ar").mkdir(parents=True)
    (folder / "mosul.html").write_text(news_page("Mosul declared liberated", ARTICLE_PARAGRAPHS, CANONICAL),
                                       encoding="utf-8")
    (folder / "ar" / "legacy.htm").write_bytes(arabic_page(charset_meta=False).encode("cp1256"))
    (folder / "empty.html").write_text("<html><body><nav>Home</nav></body></html>", encoding="utf-8")
    store = workspace.open_store()
    report = run_import(store, "web", [folder], ImportOptions(source_name="saved pages"))
    assert report.summary() == "2 new, 0 duplicate, 1 rejected"
    assert "no article text" in report.sample_rejections[0].reason
    texts = sorted(d.text for d in store.iter_documents())
    assert texts == sorted(["\n".join(ARTICLE_PARAGRAPHS), "\n".join(ARABIC_PARAGRAPHS)])
    natives = sorted(d.native_id for d in store.iter_documents())
    assert natives == sorted([CANONICAL, "ar/legacy.htm"])


def test_command_line_import_of_a_url(site, tmp_path) -> None:
    url = site.serve("/page", news_page("Mosul declared liberated", ARTICLE_PARAGRAPHS, CANONICAL))
    workspace = tmp_path / "case"
    command = [sys.executable, "-m", "frameline"]
    assert subprocess.run([*command, "init", str(workspace)], capture_output=True).returncode == 0
    refused = subprocess.run([*command, "import", "web", url, "--workspace", str(workspace)],
                             capture_output=True, text=True, timeout=120)
    assert refused.returncode == 1 and "loopback address" in refused.stderr
    allowed = subprocess.run([*command, "import", "web", url, "--workspace", str(workspace)], capture_output=True,
                             text=True, timeout=120, env={**os.environ, "FRAMELINE_ALLOW_HOSTS": "127.0.0.1"})
    assert allowed.returncode == 0, allowed.stderr
    assert "1 new, 0 duplicate, 0 rejected" in allowed.stdout


def test_a_redirect_chain_ends_as_the_document_of_the_final_page(site, options, workspace) -> None:
    final = site.url("/world/2017/mosul-liberated")
    start = site.serve("/r/abc123", b"", status=301, content_type="", headers={"Location": "/go/mosul"})
    site.serve("/go/mosul", b"", status=302, content_type="", headers={"Location": final})
    site.serve("/world/2017/mosul-liberated", news_page("Mosul declared liberated", ARTICLE_PARAGRAPHS, final))
    store = workspace.open_store()
    report = run_import(store, "web", [start], options)
    assert report.summary() == "1 new, 0 duplicate, 0 rejected"
    document = store.get_document(report.new_ids[0], with_raw=True)
    assert document.text == "\n".join(ARTICLE_PARAGRAPHS) and document.title == "Mosul declared liberated"
    assert (document.url, document.native_id) == (final, final)
    assert (document.raw["url"], document.raw["requested_url"]) == (final, start)
    assert document.raw["redirects"] == [start, site.url("/go/mosul")]
    assert [site.hits(p) for p in ("/r/abc123", "/go/mosul", "/world/2017/mosul-liberated")] == [1, 1, 1]
    # The same article reached straight away is the same document.
    assert run_import(store, "web", [final], options).summary() == "0 new, 1 duplicate, 0 rejected"


def test_page_redirecting_to_cloud_metadata_is_a_clear_rejection(site, options, workspace) -> None:
    url = site.serve("/go", b"", status=302, content_type="",
                     headers={"Location": "http://169.254.169.254/latest/meta-data/iam/security-credentials/"})
    report = run_import(workspace.open_store(), "web", [url], options, rejects_dir=workspace.rejects_dir)
    assert report.summary() == "0 new, 0 duplicate, 1 rejected" and report.failed_paths == [url]
    assert "169.254.169.254" in report.sample_rejections[0].reason
    assert "cloud metadata address" in report.sample_rejections[0].reason


def test_a_canonical_url_on_another_site_is_only_a_claim(site, options, workspace) -> None:
    url = site.serve("/fake", news_page("Mosul declared liberated", ARTICLE_PARAGRAPHS, CANONICAL))
    store = workspace.open_store()
    document = store.get_document(run_import(store, "web", [url], options).new_ids[0])
    assert document.url == url and document.native_id == url
    assert document.metadata["claimed_canonical_url"] == CANONICAL
    assert store.get_source(document.source_id).name == "127.0.0.1"


def test_robots_txt_can_be_switched_off_per_source(site, options, workspace) -> None:
    url = site.serve("/private/statement", news_page("Statement", ARTICLE_PARAGRAPHS, CANONICAL))
    store = workspace.open_store()
    polite = run_import(store, "web", [url], options)
    assert polite.failed_paths == [url] and "robots.txt disallows" in polite.sample_rejections[0].reason
    options.extra["robots"] = False
    assert run_import(store, "web", [url], options).summary() == "1 new, 0 duplicate, 0 rejected"
