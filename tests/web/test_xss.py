"""Hostile documents: markup, event handlers, javascript: links and bidi overrides stay inert text."""

from __future__ import annotations

import json
import re
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient

from frameline.records import DocLabel
from frameline.sources.base import ImportOptions
from frameline.sources.runner import run_import
from frameline.store.accounts import AccountStore
from frameline.store.base import ClusterMember
from frameline.web import create_app
from frameline.web.hostile_text import safe_link, visible_text
from frameline.workspace import init_workspace

from .conftest import PASSWORD, signed_in

PAYLOADS = [
    '<script>window.pwned=1</script>alert-marker-1',
    '<img src=x onerror="window.pwned=2">marker-2',
    '"><svg onload=window.pwned=3>marker-3',
    "<a href=\"javascript:window.pwned=4\">click</a> marker-4",
    "marker-5 \u202eevil.exe\u202c \u2067RTL isolate\u2069 \u200fmark",
    "</textarea></title><style>body{display:none}</style>marker-6",
]


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    folder = tmp_path_factory.mktemp("xss")
    workspace = init_workspace(folder / "workspace")
    store = workspace.open_store()
    rows = [{"id": f"x{i}", "text": text, "author": "<b onmouseover=alert(1)>author</b>",
             "url": "javascript:window.pwned=99" if i % 2 else "https://example.org/<script>",
             "title": "<script>title</script>\u202e"} for i, text in enumerate(PAYLOADS)]
    path = folder / "hostile.jsonl"
    path.write_text("\n".join(json.dumps(row, ensure_ascii=False) for row in rows), encoding="utf-8")
    report = run_import(store, "jsonl", [path], ImportOptions(source_name="<script>src</script>",
                                                              groups=("<img src=x onerror=alert(5)>",)))
    assert report.new == len(PAYLOADS)
    # A hostile frame (id and name) on two documents that form a re-post cluster: the insight pages' charts
    # and tables carry these names too.
    first, second = report.new_ids[:2]
    frame = DocLabel(0, "frame", "<svg onload=window.pwned=7>", 0.9, "", "",
                     {"name": "<script>window.pwned=8</script>\u202ename"})
    store.write_analysis("frames", "1", {first: ([], [frame]), second: ([], [frame])})
    store.record_clusters([], [ClusterMember(first, 1, 1.0, "founder"), ClusterMember(second, 1, 0.9, "minhash", first)],
                          "duplicates", "1")
    AccountStore(store).add_user("analyst", PASSWORD, "analyst")
    app = create_app(workspace, store=store)
    yield signed_in(app, "analyst"), report.new_ids
    store.close()


def _no_live_markup(html: str) -> None:
    assert "<script>" not in html.replace('<script src="/static/app.js" defer></script>', "")
    assert not re.search(r"<(img|svg|style|b)\b[^>]*\bon\w+=", html, re.I)
    assert "<style>" not in html
    assert not re.search(r'href="javascript:', html, re.I)
    for control in "\u202e\u202c\u2067\u2069\u200f":
        assert control not in html.split("<body", 1)[1], f"bidi control U+{ord(control):04X} rendered raw"


def test_pages_escape_hostile_documents(hostile):
    client, ids = hostile
    group = "<img src=x onerror=alert(5)>"
    pages = ["/", "/search?q=marker", "/search?q=pwned", "/sources", "/annotate", *(f"/documents/{i}" for i in ids),
             *(f"/annotate/{i}" for i in ids), "/frames", "/frames?measure=share&interval=day", "/clusters",
             "/clusters/1", "/compare", "/compare?" + urlencode({"a": f"group:{group}", "b": "search:marker"}),
             "/compare?" + urlencode({"a": "search:<script>x</script>", "b": "search:\u202e"})]
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        _no_live_markup(response.text)
    document = client.get(f"/documents/{ids[0]}").text
    assert "&lt;script&gt;window.pwned=1&lt;/script&gt;" in document
    compared = client.get("/compare?" + urlencode({"a": f"group:{group}", "b": "search:marker"})).text
    assert "&lt;script&gt;window.pwned=8&lt;/script&gt;" in compared  # the frame's name, as text
    # In the chart's JSON: HTML-escaped for plotly's label markup, then '&' written as \u0026 for the block.
    assert "\\u0026lt;script\\u0026gt;window.pwned=8" in compared


def test_bidi_controls_are_shown_as_labelled_tokens(hostile):
    client, ids = hostile
    page = client.get(f"/documents/{ids[4]}").text
    assert '[RLO]</span>evil.exe' in page and "[PDF]" in page and "[RLI]" in page and "[RLM]" in page


def test_javascript_links_are_never_links(hostile):
    client, ids = hostile
    page = client.get(f"/documents/{ids[1]}").text
    assert 'class="inert-url"' in page and "javascript:window.pwned=99" in page


def test_every_response_carries_the_strict_headers(hostile):
    client, ids = hostile
    for path in ("/", f"/documents/{ids[0]}", "/api/v1/sources", "/login", "/static/app.css"):
        headers = client.get(path).headers
        assert "script-src 'self';" in headers["content-security-policy"]
        assert "unsafe-inline" not in headers["content-security-policy"]  # not even for styles
        assert headers["x-frame-options"] == "DENY"
        assert headers["x-content-type-options"] == "nosniff"


def test_only_the_chart_page_allows_inline_styles_and_never_inline_scripts(hostile):
    client, _ = hostile
    policy = client.get("/frames").headers["content-security-policy"]
    assert "style-src 'self' 'unsafe-inline'" in policy and "script-src 'self';" in policy


def test_the_api_returns_hostile_text_as_data(hostile):
    client, ids = hostile
    response = client.get(f"/api/v1/documents/{ids[0]}")
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["text"] == PAYLOADS[0]


def test_visible_text_and_safe_link_units():
    assert str(visible_text("<b>\u202ex")) == '&lt;b&gt;<span class="ctl" title="U+202E RIGHT-TO-LEFT OVERRIDE">[RLO]</span>x'
    assert "<a " not in str(safe_link("JaVaScRiPt:alert(1)"))
    assert "<a " not in str(safe_link(" data:text/html,<script>alert(1)</script>"))
    assert "<a " not in str(safe_link("https://ok.example/\nx"))
    assert str(safe_link('https://ok.example/"onmouseover=1')).startswith(
        '<a href="https://ok.example/&#34;onmouseover=1"')


def test_a_non_loopback_client_is_refused_in_local_mode(tmp_path):
    workspace = init_workspace(tmp_path / "workspace")
    app = create_app(workspace, local=True)
    remote = TestClient(app, client=("192.0.2.7", 50000))
    assert remote.get("/").status_code == 403
    assert remote.get("/api/v1/sources").status_code == 403
    rebound = TestClient(app, base_url="http://attacker.example:8000", client=("127.0.0.1", 50000))
    assert rebound.get("/api/v1/sources").status_code == 421  # DNS rebinding: a foreign Host header
    local = TestClient(app, base_url="http://127.0.0.1:8000", client=("127.0.0.1", 50000), follow_redirects=False)
    assert TestClient(app, base_url="http://localhost:8000", client=("::1", 5)).get("/").status_code == 200
    page = local.get("/")
    assert page.status_code == 200 and "local" in page.text
    cookie = page.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
