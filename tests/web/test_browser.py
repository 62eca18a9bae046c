"""The UI in a real browser (Debian's Chromium via Playwright), with screenshots to look at.

Sign in, import a file through the Sources page, search in English and Arabic,
open a document and toggle its highlight layers, annotate a sentence with the
keyboard, and see the frame chart render.  Every page is checked for script
errors and Content-Security-Policy violations, and a hostile document must not
run anything.  Screenshots go to test-artefacts/ (gitignored).
"""

from __future__ import annotations

import json
import os
import socket
import sys
import threading
import time
from pathlib import Path

import pytest
import uvicorn

from frameline.reports.brief import build_brief, write_brief
from frameline.sources.base import ImportOptions
from frameline.sources.runner import run_import
from frameline.store.annotations import list_annotations
from frameline.store.base import ClusterMember
from frameline.web import create_app
from frameline.workspace import init_workspace

from .conftest import MESSAGES, PASSWORD
from conftest import write_telegram_export  # tests/conftest.py

CHROMIUM = Path("/usr/bin/chromium")
ARTEFACTS = Path(__file__).resolve().parents[2] / "test-artefacts"
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} not found: install Debian's chromium package (.ci/run does)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                             args=["--no-sandbox", "--disable-gpu"])
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def server(web_workspace, tmp_path_factory):
    workspace, store, ids = web_workspace
    hostile = tmp_path_factory.mktemp("hostile") / "hostile.jsonl"
    hostile.write_text(json.dumps({"id": "h1", "text": '<img src=x onerror="window.pwned=1"><script>window.pwned=2'
                                   '</script> \u202eexe.txt hostile-marker', "url": "javascript:window.pwned=3"}),
                       encoding="utf-8")
    hostile_id = run_import(store, "jsonl", [hostile], ImportOptions(source_name="hostile")).new_ids[0]
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = create_app(workspace, store=store)
    uvicorn_server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=uvicorn_server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not uvicorn_server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", ids, hostile_id
    uvicorn_server.should_exit = True
    thread.join(10)


@pytest.fixture
def page(browser, server):
    context = browser.new_context(viewport={"width": 1360, "height": 900}, locale="en-GB")
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.problems = problems
    yield page
    context.close()


def shot(page, name: str) -> None:  # noqa: ANN001
    ARTEFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / f"{name}.png"), full_page=True)


def sign_in(page, base: str, role: str = "analyst") -> None:  # noqa: ANN001
    page.goto(base + "/")
    assert "/login" in page.url
    shot(page, "01-login")
    page.fill("input[name=username]", role)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(base + "/")


def test_an_analyst_works_through_the_ui(page, server, web_workspace, tmp_path):
    base, ids, _ = server
    store = web_workspace[1]
    sign_in(page, base)
    shot(page, "02-overview")
    assert page.locator("text=documents in").count() >= 1

    export = write_telegram_export(tmp_path / "result.json", [
        {**MESSAGES[0], "id": 100, "text": "Uploaded in the browser: Tal Afar fighters speak of patience."},
        {**MESSAGES[1], "id": 101, "text": "رسالة جديدة عن تلعفر والصبر"}], name="Browser upload", chat_id=4242)
    page.click("nav >> text=Sources")
    page.select_option("select[name=importer]", "telegram")
    page.set_input_files("input[name=upload]", str(export))
    page.fill("#import-form input[name=groups]", "supporters")
    page.click("#import-form button.primary")
    page.wait_for_selector(".notice")
    assert "2 new" in page.inner_text(".notice")
    shot(page, "03-sources-after-import")

    page.click("nav >> text=Search")
    page.fill(".searchbar input[name=q]", "Mosul")
    page.press(".searchbar input[name=q]", "Enter")
    page.wait_for_selector(".hit")
    assert page.locator(".hit mark", has_text="Mosul").count() >= 2
    shot(page, "04-search-english")
    page.goto(base + "/search?q=" + "تلعفر")
    assert page.locator(".hit").count() == 1
    page.goto(base + "/search?q=" + "الموصل")
    assert page.locator(".hit mark", has_text="الموصل").count() == 1
    shot(page, "05-search-arabic")

    page.click(".hit .doclink")
    page.wait_for_selector("#doc-text")
    frame_mark = page.locator("mark.hl-frame").first
    frame_mark.hover()
    card = page.locator("#hovercard")
    assert card.is_visible() and "steadfastness" in card.inner_text() and "fixture-frames" in card.inner_text()
    assert page.eval_on_selector("#doc-text p", "p => getComputedStyle(p).direction") == "rtl"
    shot(page, "06-document-arabic-hover")

    page.goto(f"{base}/documents/{ids[0]}")
    before = page.eval_on_selector("mark.hl-frame", "m => getComputedStyle(m).backgroundColor")
    page.uncheck("input[data-layer=frame]")
    after = page.eval_on_selector("mark.hl-frame", "m => getComputedStyle(m).backgroundColor")
    assert before != after and after == "rgba(0, 0, 0, 0)"
    page.uncheck("input[data-layer=entity]")
    page.check("input[data-layer=frame]")
    page.locator("mark.hl-quote").first.hover()
    shot(page, "07-document-layers")

    page.goto(f"{base}/annotate/{ids[0]}")
    page.keyboard.press("j")
    page.keyboard.press("k")
    page.keyboard.press("a")
    page.wait_for_selector(".judged-accept")
    assert "accept: steadfastness" in page.inner_text(".sentences")
    page.keyboard.press("j")
    page.keyboard.press("2")  # add the second frame of the list to the second sentence
    page.wait_for_selector("#sentences li:nth-child(2) .judged-add")
    shot(page, "08-annotate")
    # What the keys did is in frame_annotations, where `frameline annotate` and training read it.
    second = page.get_attribute("#sentences li:nth-child(2)", "data-sentence-key")
    decisions = {(f"{a.document_id}:{a.start}-{a.end}", a.frame, a.decision)
                 for a in list_annotations(store, annotator="analyst", document_id=ids[0])}
    assert ("steadfastness", "accept") in {(frame, decision) for _, frame, decision in decisions}
    assert (second, "mercy", "add") in decisions  # key 2: the second frame of the active codebooks

    assert not page.problems, page.problems


def test_the_frame_chart_renders(page, server):
    base, _, _ = server
    sign_in(page, base, "viewer")
    page.goto(base + "/frames")
    page.wait_for_selector("#frame-charts[data-rendered=true] .main-svg", timeout=20_000)
    assert page.locator(".chart[data-group=extremist] .legendtext", has_text="steadfastness").count() == 1
    shot(page, "09-frames-count")
    # One colour per frame, each frame a different one (the legend's swatches).
    swatches = page.eval_on_selector_all(".chart[data-group=extremist] .legendpoints path",
                                         "paths => paths.map(p => getComputedStyle(p).fill)")
    assert len(swatches) == len(set(swatches)) >= 3
    page.select_option("select[name=measure]", "share")
    page.wait_for_selector("#frame-charts[data-rendered=true] .main-svg", timeout=20_000)
    assert page.locator(".chart[data-group=extremist] .scatterlayer .trace").count() >= 3
    shot(page, "10-frames-share")
    assert not page.problems, page.problems


def test_compare_and_a_cluster_page_draw_their_charts(page, server, web_workspace):
    base, ids, _ = server
    store = web_workspace[1]
    store.record_clusters([], [ClusterMember(ids[0], 1, 1.0, "founder"), ClusterMember(ids[3], 1, 1.0, "exact", ids[0])],
                          "duplicates", "1")
    sign_in(page, base, "viewer")
    page.click("nav >> text=Compare")
    page.select_option("select[name=a]", "group:extremist")
    page.fill("input[name=b_q]", "Baghdad")
    page.click("#compare-form button.primary")
    page.wait_for_selector("#contrast-chart[data-rendered=true] .main-svg", timeout=20_000)
    assert "b=search%3ABaghdad" in page.url  # the choice is in the URL
    assert page.locator("#contrast-chart .errorbar").count() >= 2  # the 95% intervals
    assert page.locator("#contrast-table tr").count() >= 2
    shot(page, "12-compare")
    page.goto(f"{base}/documents/{ids[3]}")
    page.click("#cluster-spread-link")
    page.wait_for_selector("#spread-chart[data-rendered=true] .main-svg", timeout=20_000)
    assert page.url.endswith("/clusters/1") and page.locator("#cluster-members li").count() == 2
    shot(page, "13-cluster")
    assert not page.problems, page.problems


def test_the_html_brief_draws_its_charts_offline(page, tmp_path):
    """The brief file opened in Chromium with every network request refused: plotly is inside the file."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from insights.corpus import build

    workspace = init_workspace(tmp_path / "brief-workspace")
    store = workspace.open_store()
    try:
        build(store)
        brief = build_brief(store, ["extremist", "mainstream"])
        write_brief(brief, tmp_path / "brief.html")
    finally:
        store.close()
    requested: list[str] = []

    def refuse(route):  # noqa: ANN001
        if not route.request.url.startswith("file://"):
            requested.append(route.request.url)
            return route.abort()
        return route.continue_()

    page.route("**/*", refuse)
    page.goto((tmp_path / "brief.html").as_uri())
    page.wait_for_function(f"document.querySelectorAll('.js-plotly-plot .main-svg').length >= {len(brief.charts)}",
                           timeout=20_000)
    assert page.locator(".js-plotly-plot").count() == len(brief.charts) >= 2
    assert page.locator("#chart-contrast .errorbar").count() >= 2
    assert page.locator("#evidence blockquote footer a[href^='http://127.0.0.1:8000/documents/']").count() >= 4
    shot(page, "14-brief")
    assert not requested, requested
    assert not page.problems, page.problems


def test_a_hostile_document_runs_nothing(page, server):
    base, _, hostile_id = server
    sign_in(page, base, "viewer")
    page.goto(f"{base}/documents/{hostile_id}")
    page.wait_for_selector("#doc-text")
    assert page.evaluate("() => window.pwned") is None
    assert page.locator("#doc-text img, #doc-text script").count() == 0
    assert page.locator("a[href^='javascript']").count() == 0
    assert "[RLO]" in page.inner_text("#doc-text")
    shot(page, "11-hostile-document")


def test_a_two_megabyte_line_wraps_inside_the_page(page, server, web_workspace, tmp_path):
    base, _, _ = server
    path = tmp_path / "wide.jsonl"
    path.write_text(json.dumps({"id": "wide", "text": '<script>window.pwned=1</script>' + "W" * 2_000_000}) + "\n",
                    encoding="utf-8")
    document = run_import(web_workspace[1], "jsonl", [path], ImportOptions(source_name="wide")).new_ids[0]
    sign_in(page, base, "viewer")
    page.goto(f"{base}/documents/{document}")
    page.wait_for_selector("#doc-text")
    assert page.evaluate("() => window.pwned") is None
    width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1]  # no sideways scrolling: the line wraps in its column
    assert page.locator("aside.side h2", has_text="Details").is_visible()  # the side panel is still beside it
    ARTEFACTS.mkdir(exist_ok=True)  # the viewport only: the whole page is some 200,000 pixels tall
    page.screenshot(path=str(ARTEFACTS / "12-two-megabyte-line.png"))
    assert not page.problems, page.problems
