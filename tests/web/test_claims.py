"""Claims the web tests make, proved on real data: re-post clusters, argon2 hashes, audit entries, blurred media,
CSRF on every POST route, and a hostile document with a 2 MB line."""

from __future__ import annotations

import json
import re

from frameline.pipeline import analyze
from frameline.sources.base import ImportOptions
from frameline.sources.runner import run_import

from conftest import write_telegram_export  # tests/conftest.py

from .conftest import MESSAGES, csrf_of
from .test_authorisation import _routes

REPOST = ("Amaq Agency: The soldiers of the Caliphate in Mosul continue until victory or martyrdom. "
          "This is one small setback in a much larger war. #Mosul")


def test_the_document_page_lists_a_real_repost_clusters_siblings(clients, web_workspace, tmp_path):
    workspace, store, ids = web_workspace
    relay = write_telegram_export(tmp_path / "relay.json", [{**MESSAGES[0], "id": 50, "text": REPOST}],
                                  name="Relay channel", chat_id=9090)
    copy = run_import(store, "telegram", [relay], ImportOptions(groups=("supporters",))).new_ids[0]
    analyze(store, workspace, only=["duplicates"], workers=1)
    original, repost = ids[0], ids[3]  # the fixture's message 13 repeats message 10 word for word
    cluster = store.cluster_ids([original, repost, copy])
    assert cluster[original] == cluster[repost] == cluster[copy]  # the duplicates analyser's own clustering
    page = clients["viewer"].get(f"/documents/{copy}").text
    panel = page[page.index("<h2>Re-post cluster</h2>"):page.index("<h3>Same text elsewhere</h3>")]
    assert "3 documents from 2 sources" in panel
    assert f'href="/documents/{original}"' in panel and f'href="/documents/{repost}"' in panel
    assert f'href="/documents/{copy}"' not in panel  # siblings, not the document itself
    assert re.search(rf'href="/documents/{original}">#{original}</a>[^<]*<span class="tag">first</span>', panel)
    assert f'href="/search?cluster={cluster[copy]}&amp;sort=oldest"' in panel


def test_passwords_are_stored_as_argon2id_hashes(web_workspace):
    with web_workspace[1].engine.connect() as connection:
        rows = connection.exec_driver_sql("SELECT username, password_hash FROM users").all()
    hashes = {username: stored for username, stored in rows}
    assert {"admin", "analyst", "viewer"} <= set(hashes)
    for username in ("admin", "analyst", "viewer"):
        assert hashes[username].startswith("$argon2id$") and "correct horse" not in hashes[username]


def test_an_import_and_an_export_through_the_web_are_audited(clients, web_workspace):
    analyst = clients["analyst"]
    body = b'{"id": "audited-1", "text": "An audited upload about Raqqa"}\n'
    response = analyst.post("/sources/import", data={"importer": "jsonl", "source_name": "audited upload",
                                                     "csrf_token": csrf_of(analyst)},
                            files={"upload": ("audited.jsonl", body)})
    assert response.status_code == 200 and "1 new" in response.text
    export = analyst.get("/export", params={"q": "Raqqa", "format": "jsonl"})
    assert export.status_code == 200 and len(export.text.splitlines()) == 1
    entries = clients["admin"].get("/api/v1/audit", params={"limit": 50}).json()
    imports = [e for e in entries if e["action"] == "import" and e["actor"] == "analyst"]
    assert imports and imports[0]["target"] == "jsonl"
    exports = [e for e in entries if e["action"] == "export" and e["actor"] == "analyst"]
    assert exports and exports[0]["details"]["documents"] == 1 and exports[0]["details"]["format"] == "jsonl"
    assert exports[0]["details"]["search"] == "q=Raqqa"
    log = clients["admin"].get("/admin/audit", params={"action": "export"}).text
    assert "analyst" in log and "export" in log


def test_the_content_warning_blurs_media_placeholders_until_turned_off(clients, web_workspace, tmp_path):
    _, store, _ = web_workspace
    export = write_telegram_export(tmp_path / "media.json", [
        {**MESSAGES[0], "id": 60, "text": "A photo from the front", "photo": "photos/photo_1.jpg",
         "width": 800, "height": 600}], name="Media channel", chat_id=6060)
    document = run_import(store, "telegram", [export], ImportOptions()).new_ids[0]
    admin = clients["admin"]
    thumbs = re.compile(r'<button type="button" class="thumb( blurred)?"')
    admin.post("/admin/settings", data={"content_warning": "on", "csrf_token": csrf_of(admin)})
    assert thumbs.findall(clients["viewer"].get(f"/documents/{document}").text) == [" blurred"]
    admin.post("/admin/settings", data={"csrf_token": csrf_of(admin)})  # unticked: off
    assert thumbs.findall(clients["viewer"].get(f"/documents/{document}").text) == [""]
    admin.post("/admin/settings", data={"content_warning": "on", "csrf_token": csrf_of(admin)})
    css = clients["viewer"].get("/static/app.css").text
    assert re.search(r"\.thumb\.blurred > \* \{ filter: blur\(\d+px\)", css)  # what `blurred` does


def test_every_post_route_refuses_a_request_without_the_csrf_token(app, clients, web_workspace):
    admin = clients["admin"]  # may do everything, so a refusal can only be the missing token
    posts = [(route, path, build) for method, route, path, _, _, build in _routes(web_workspace[2])
             if method == "POST"]
    assert len(posts) >= 10
    before = len(web_workspace[1].audit_entries(5000))
    failures = []
    for route, path, build in posts:
        kwargs = build(admin, "") if build else {}
        kwargs.pop("headers", None)  # no X-CSRF-Token header
        kwargs.get("data", {}).pop("csrf_token", None)  # and no form field
        response = admin.request("POST", path, **kwargs)
        if response.status_code != 403:
            failures.append(f"POST {path}: {response.status_code}")
    assert not failures, "\n".join(failures)
    assert len(web_workspace[1].audit_entries(5000)) == before  # nothing was done, so nothing was logged


def test_a_hostile_document_with_a_two_megabyte_line_renders_whole_pages(clients, web_workspace, tmp_path):
    _, store, _ = web_workspace
    line = "\u202e" + "A" * 2_000_000  # no spaces, a bidi override in front
    text = f'<script>window.pwned=1</script><img src=x onerror="window.pwned=2"> {line} tail-marker'
    path = tmp_path / "huge.jsonl"
    path.write_text(json.dumps({"id": "huge", "text": text, "title": "<b onmouseover=alert(1)>huge</b>"}) + "\n",
                    encoding="utf-8")
    document = run_import(store, "jsonl", [path], ImportOptions(source_name="huge line")).new_ids[0]
    page = clients["viewer"].get(f"/documents/{document}")
    assert page.status_code == 200
    html = page.text
    assert html.rstrip().endswith("</html>") and "<h2>Details</h2>" in html  # the side panel still renders
    assert "<script>window.pwned" not in html and "<img src=x" not in html and "<b onmouseover" not in html
    assert "&lt;script&gt;window.pwned=1&lt;/script&gt;" in html
    assert "[RLO]" in html and "\u202e" not in html
    assert "the first 1,000,000 are shown" in html
    assert "tail-marker" not in html  # beyond the display limit; the API carries it
    api = clients["viewer"].get(f"/api/v1/documents/{document}").json()
    assert api["text"].endswith("tail-marker") and len(api["text"]) > 2_000_000
    for listing in ("/", "/search?q=tail-marker"):
        response = clients["viewer"].get(listing)
        assert response.status_code == 200 and response.text.rstrip().endswith("</html>")
        assert "A" * 300 not in response.text  # lists show an excerpt, not the line
