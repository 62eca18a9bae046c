"""Take the README tour's screenshots from the demo workspace, in headless Chromium.

Run after `make demo DEMO_ARGS=--no-serve`, with Playwright for Python installed
(`.venv/bin/pip install playwright`; no browser download is needed, Debian's
/usr/bin/chromium is used):

    .venv/bin/python scripts/screenshots.py [--workspace .demo-workspace] [--out docs/screenshots]

It starts `frameline serve --local` on a free port on 127.0.0.1, opens each page
of the tour, saves one small JPEG per step and stops the server; last it writes
the HTML brief of the demo's event (in a temporary folder: it is 5 MB, plotly.js
inlined, and does not belong beside the images) and photographs it opened from the file.  The pages
are listed in TOUR; a page the running build does not have (HTTP 404) is
reported and skipped, so the script can be run as the UI grows.
"""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
VIEWPORT = {"width": 1280, "height": 800}
JPEG_QUALITY = 70  # the README's images stay small (about 100 kB each)
# (file name, path, what the README says the user should see); {document} is a document found by search,
# {cluster} the largest re-post cluster.
TOUR = [
    ("01-overview", "/", "counts by source group, language and day"),
    ("02-search-english", "/search?q=" + urllib.parse.quote("Mosul OR caliphate"), "hits with the match highlighted"),
    ("03-search-arabic", "/search?q=" + urllib.parse.quote("الدوله الاسلاميه"), "Arabic hits across spelling variants"),
    ("04-document", "/documents/{document}", "a document with its entity and quote highlights"),
    ("05-frames-over-time", "/frames", "frames per week per group, change points in the strip above each chart"),
    ("06-compare", "/compare?" + urllib.parse.urlencode({"a": "group:official-propaganda", "b": "group:mainstream"}),
     "frame shares with 95% intervals, Holm-adjusted tests, evidence and distinctive words"),
    ("07-clusters", "/clusters", "the largest re-post clusters"),
    ("08-cluster", "/clusters/{cluster}", "which sources carried the largest cluster, and when"),
]
BRIEF_EVENT = "mosul-offensive-2016"  # the demo's event (src/frameline/demo_corpus/events.yaml)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_up(url: str, server: subprocess.Popen, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"frameline serve exited with {server.returncode}")
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"frameline serve did not answer at {url} within {timeout_s:.0f} s")


def a_document_with_quotes(store) -> int:  # noqa: ANN001
    from frameline.store import DocumentFilter, SearchQuery

    hits = store.search(SearchQuery('"Battle of Mosul"', DocumentFilter(groups=["mainstream"]), limit=1)).hits
    return hits[0].document.id if hits else 1


def the_largest_cluster(store) -> int:  # noqa: ANN001
    found = store.list_clusters(limit=1)
    return found[0].id if found else 1


def write_the_brief(store, out: Path) -> Path:  # noqa: ANN001
    """The HTML brief of the demo's event (all groups), as `frameline report` writes it."""
    from frameline.reports.brief import build_brief, write_brief

    event = BRIEF_EVENT if store.get_event(BRIEF_EVENT) else None
    write_brief(build_brief(store, [], event), out)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workspace", type=Path, default=Path(".demo-workspace"))
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    arguments = parser.parse_args()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise SystemExit("Playwright for Python is needed: .venv/bin/pip install playwright") from None
    arguments.out.mkdir(parents=True, exist_ok=True)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([sys.executable, "-m", "frameline", "serve", "--local", "--host", "127.0.0.1",
                               "--port", str(port), "--workspace", str(arguments.workspace)])
    try:
        wait_until_up(base + "/", server)
        from frameline.workspace import load_workspace

        store = load_workspace(arguments.workspace).open_store()
        try:
            document, cluster = a_document_with_quotes(store), the_largest_cluster(store)
            brief = write_the_brief(store, Path(tempfile.mkdtemp(prefix="frameline-brief-")) / "brief.html")
        finally:
            store.close()
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
            page = browser.new_page(viewport=VIEWPORT)
            for name, path, expected in TOUR:
                response = page.goto(base + path.format(document=document, cluster=cluster), wait_until="networkidle")
                if response is None or response.status >= 400:
                    print(f"skipped {name}: {path} answered {response.status if response else 'nothing'}")
                    continue
                target = arguments.out / f"{name}.jpg"
                page.screenshot(path=str(target), type="jpeg", quality=JPEG_QUALITY)
                print(f"{target} ({target.stat().st_size:,} bytes): {expected}")
            page.goto(brief.resolve().as_uri())  # the brief works from the file itself, offline
            page.wait_for_function("document.querySelectorAll('.js-plotly-plot .main-svg').length > 0", timeout=30_000)
            target = arguments.out / "09-brief.jpg"
            page.screenshot(path=str(target), type="jpeg", quality=JPEG_QUALITY)
            print(f"{target} ({target.stat().st_size:,} bytes): the HTML brief of {BRIEF_EVENT}, charts drawn offline")
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
