"""What the pages and API do with a real workspace: search, filters, annotation, imports, accounts."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from frameline.store.annotations import list_annotations
from frameline.store.accounts import AccountStore
from frameline.web import create_app

from .conftest import PASSWORD, csrf_of, signed_in


def test_search_is_arabic_aware_and_highlights_the_match(clients):
    page = clients["viewer"].get("/search", params={"q": "الموصل"}).text
    assert "<mark>الموصل</mark>" in page
    variant = clients["viewer"].get("/search", params={"q": "الخلافه"}).text  # ta marbuta written as ha
    assert "<mark>الخلافة</mark>" in variant


def test_filters_by_frame_entity_and_date_are_shareable_urls(clients, web_workspace):
    viewer = clients["viewer"]
    frame = viewer.get("/api/v1/search", params={"frame": "steadfastness", "sort": "oldest"}).json()
    assert frame["total"] == 3  # English, Arabic and the re-post
    victory = viewer.get("/api/v1/search", params={"frame": "victory-declaration"}).json()
    assert [h["document"]["text"][:4] for h in victory["items"]] == ["Iraq"]
    dated = viewer.get("/api/v1/search", params={"since": "2017-07-17", "until": "2017-07-17"}).json()
    assert dated["total"] == 1
    page = viewer.get("/search?q=Mosul&frame=steadfastness&sort=newest").text
    assert 'href="/search?q=Mosul&amp;frame=steadfastness&amp;sort=newest"' in page  # the link to this search
    technique = viewer.get("/api/v1/search", params={"technique": "Loaded_Language"}).json()
    assert technique["total"] == 2


def test_a_bad_query_is_explained_not_crashed(clients):
    response = clients["viewer"].get("/search", params={"q": '"unclosed'})
    assert response.status_code == 400 and "quotation mark" in response.text
    assert clients["viewer"].get("/api/v1/search", params={"q": "OR"}).status_code == 400


def test_the_document_page_shows_layers_cluster_siblings_and_repeats(clients, web_workspace):
    first, _, _, repost = web_workspace[2]
    page = clients["viewer"].get(f"/documents/{first}").text
    for layer in ("frame", "technique", "entity", "quote"):
        assert f'data-layer="{layer}"' in page
    assert f'href="/documents/{repost}"' in page  # same text elsewhere
    audit = clients["admin"].get("/api/v1/audit").json()
    assert any(e["action"] == "view-document" and e["target"] == str(first) for e in audit)


def test_frame_timeline_counts_and_shares(clients):
    counts = clients["viewer"].get("/api/v1/timelines/frames", params={"interval": "week"}).json()
    extremist = counts["groups"]["extremist"]
    assert sum(extremist["steadfastness"]) == 3 and sum(extremist["victory-declaration"]) == 1
    shares = clients["viewer"].get("/api/v1/timelines/frames", params={"measure": "share"}).json()
    assert all(0 <= v <= 1 for series in shares["groups"]["extremist"].values() for v in series)


def test_annotating_a_sentence_is_stored_and_audited(clients, web_workspace):
    analyst = clients["analyst"]
    document = web_workspace[2][1]
    page = analyst.get(f"/annotate/{document}").text
    start, end = re.search(r'name="start" value="(\d+)"><input type="hidden" name="end" value="(\d+)"', page).groups()
    response = analyst.post(f"/annotate/{document}", data={"start": start, "end": end, "label": "steadfastness",
                                                           "decision": "reject", "csrf_token": csrf_of(analyst)})
    assert response.status_code == 303
    stored = list_annotations(web_workspace[1], document_id=document)
    assert {(a.frame, a.decision, a.annotator, a.codebook) for a in stored} >= {
        ("steadfastness", "reject", "analyst", "jihadist-narratives")}
    assert "reject: steadfastness" in analyst.get(f"/annotate/{document}").text
    listed = clients["viewer"].get(f"/api/v1/documents/{document}/annotations").json()
    assert any(a["decision"] == "reject" and a["text"] == "جنود الخلافة في الموصل ثابتون حتى النصر أو الشهادة."
               for a in listed)
    audit = clients["admin"].get("/api/v1/audit").json()
    assert any(e["action"] == "annotate" and e["details"].get("annotation_id") in {a.id for a in stored}
               for e in audit)


def test_uploading_a_file_imports_it_with_groups(clients):
    analyst = clients["analyst"]
    body = b'{"id": "u1", "text": "Uploaded through the browser about Raqqa"}\n{"broken json\n'
    response = analyst.post("/sources/import", data={"importer": "jsonl", "source_name": "upload-test",
                                                     "groups": "mainstream, official", "csrf_token": csrf_of(analyst)},
                            files={"upload": ("../../evil name.jsonl", body)})
    assert response.status_code == 200
    assert "1 new" in response.text and "1 rejected" in response.text
    sources = {s["name"]: s for s in analyst.get("/api/v1/sources", params={"per_page": 100}).json()["items"]}
    assert set(sources["upload-test"]["groups"]) == {"mainstream", "official"}
    assert analyst.get("/api/v1/search", params={"q": "Raqqa"}).json()["total"] == 1


def test_api_tokens_are_hashed_at_rest_and_revocable(app, web_workspace):
    client = signed_in(app, "viewer")
    page = client.post("/account/tokens", data={"name": "notebook", "csrf_token": csrf_of(client)}).text
    token = re.search(r'<code class="token">([^<]+)</code>', page).group(1)
    api = TestClient(app, headers={"Authorization": f"Bearer {token}"})
    assert api.get("/api/v1/sources").status_code == 200
    assert api.post("/api/v1/annotations", json={"document_id": 1, "start": 0, "end": 3, "frame": "steadfastness",
                                                 "decision": "add"}).status_code == 403  # a viewer's token
    with web_workspace[1].engine.connect() as connection:
        assert token not in str(connection.exec_driver_sql("SELECT * FROM api_tokens").all())
    token_id = AccountStore(web_workspace[1]).list_api_tokens(AccountStore(web_workspace[1]).get_user("viewer"))[-1]["id"]
    client.post(f"/account/tokens/{token_id}/revoke", data={"csrf_token": csrf_of(client)})
    assert api.get("/api/v1/sources").status_code == 401


def test_login_is_rate_limited_per_user(web_workspace):
    workspace, store, _ = web_workspace
    app = create_app(workspace, store=store)
    client = TestClient(app, follow_redirects=False)
    statuses = []
    for _ in range(6):
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
        statuses.append(client.post("/login", data={"username": "analyst", "password": "wrong password",
                                                    "csrf_token": token}).status_code)
    assert statuses == [401] * 5 + [429]
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
    blocked = client.post("/login", data={"username": "analyst", "password": PASSWORD, "csrf_token": token})
    assert blocked.status_code == 429  # even the right password waits
    assert any(e["action"] == "login-failed" for e in store.audit_entries(50))


def test_a_disabled_user_loses_their_session(app, web_workspace):
    accounts = AccountStore(web_workspace[1])
    accounts.add_user("leaver", PASSWORD, "analyst")
    client = signed_in(app, "leaver")
    assert client.get("/").status_code == 200
    accounts.set_disabled("leaver")
    assert client.get("/").status_code == 303


def test_content_warning_blurs_media_until_the_setting_is_off(clients, web_workspace, tmp_path):
    store = web_workspace[1]
    admin = clients["admin"]
    admin.post("/admin/settings", data={"content_warning": "on", "csrf_token": csrf_of(admin)})
    assert 'class="content-warning"' in admin.get("/").text
    admin.post("/admin/settings", data={"csrf_token": csrf_of(admin)})
    assert 'class="content-warning"' not in admin.get("/").text
    assert any(e["action"] == "settings" for e in store.audit_entries(50))
    admin.post("/admin/settings", data={"content_warning": "on", "csrf_token": csrf_of(admin)})


def test_openapi_schema_lists_the_api(app):
    schema = TestClient(app).get("/api/v1/openapi.json").json()
    for path in ("/api/v1/documents", "/api/v1/search", "/api/v1/documents/{document_id}/spans", "/api/v1/sources",
                 "/api/v1/imports", "/api/v1/timelines/frames"):
        assert path in schema["paths"]
    assert not any(path.startswith(("/search", "/documents")) for path in schema["paths"])  # pages stay out


def test_session_cookies_are_httponly_lax_and_secure_over_tls(app):
    client = TestClient(app, base_url="https://testserver", follow_redirects=False)
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
    response = client.post("/login", data={"username": "viewer", "password": PASSWORD, "csrf_token": token})
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("frameline_session="))
    assert {"httponly", "samesite=lax", "secure"} <= {part.strip().lower() for part in cookie.split(";")}
    plain = signed_in(app, "viewer").cookies
    assert "frameline_session" in plain


def test_a_feed_is_recorded_where_the_collector_reads_it(clients, web_workspace):
    workspace = web_workspace[0]
    analyst = clients["analyst"]
    response = analyst.post("/sources/feeds", data={"url": "https://news.example/world.rss", "groups": "mainstream",
                                                    "interval_minutes": "30", "csrf_token": csrf_of(analyst)})
    assert response.status_code == 200 and "Monitoring https://news.example/world.rss" in response.text
    entries = workspace.settings["monitor"]["sources"]
    assert {"kind": "rss", "target": "https://news.example/world.rss", "every": "30m",
            "groups": ["mainstream"]} in entries
    from frameline.workspace import load_workspace
    assert load_workspace(workspace.path).settings["monitor"]["sources"] == entries  # saved to frameline.yaml
    assert "not polled yet" in analyst.get("/sources").text
    bad = analyst.post("/sources/feeds", data={"url": "javascript:alert(1)", "csrf_token": csrf_of(analyst)})
    assert bad.status_code == 400 and "http:// or https://" in bad.text


def test_the_audit_log_can_be_filtered_by_action(clients):
    admin = clients["admin"]
    clients["viewer"].get("/documents/1")
    page = admin.get("/admin/audit", params={"action": "view-document", "actor": "viewer"}).text
    rows = re.findall(r'<span class="tag">([\w-]+)</span></td>', page)
    assert rows and set(rows) == {"view-document"}


def test_frame_timeline_filters_by_group_and_dates(clients):
    viewer = clients["viewer"]
    narrowed = viewer.get("/api/v1/timelines/frames", params={"interval": "day", "since": "2017-07-17",
                                                              "until": "2017-07-17", "group": "extremist"}).json()
    assert narrowed["buckets"] == ["2017-07-17"] and narrowed["frames"] == ["victory-declaration"]
    page = viewer.get("/frames", params={"group": ["extremist", "<script>"], "since": "2017-07-17"}).text
    # The page draws what it was asked for: the one known group, from that day (an unknown group is dropped).
    assert '<option value="extremist" selected>' in page and 'name="since" value="2017-07-17"' in page
    titles = re.findall(r'"title":\{"text":"([^"]+)"', page)
    assert [t for t in titles if " · " in t] == ["extremist · documents carrying each frame"]
    assert '"x":["2017-07-17"]' in page and "&lt;script&gt;" not in page


def test_entity_labels_show_their_mention_count_and_other_labels_their_score(tmp_path):
    """The entity analyser's document label counts mentions: shown as "×2", never as a confidence "2.00"."""
    from frameline.analysis.entities import EntityAnalyser
    from frameline.pipeline import analyze
    from frameline.records import DocLabel, RawDocument, SourceRef
    from frameline.workspace import init_workspace

    workspace = init_workspace(tmp_path / "workspace")
    store = workspace.open_store()
    text = "Fighting in Mosul continued. The army says Mosul is retaken. The Islamic State denies it."
    document_id = store.write_documents([RawDocument(SourceRef("test", "labels"), text, native_id="1")]).new_ids[0]
    analyze(store, analysers=[EntityAnalyser])
    store.write_analysis("fixture-frames", "1", {document_id: ([], [DocLabel(document_id, "frame", "steadfastness",
                                                                             0.8347, "", "")])})
    scores = {(label.layer, label.label): label.score for label in store.get_labels(document_id)}
    assert scores[("entity", "mosul")] == 2.0 and scores[("entity", "islamic-state")] == 1.0  # as the analyser counts
    AccountStore(store).add_user("viewer", PASSWORD, "viewer")
    page = signed_in(create_app(workspace, store=store), "viewer").get(f"/documents/{document_id}").text
    chips = dict(re.findall(r'<li class="chip-(?:entity|frame)" title="[^"]*"><span class="muted">\w+</span> ([\w-]+)'
                            r' <span class="muted"[^>]*>([^<]*)</span></li>', page))
    assert chips == {"mosul": "×2", "islamic-state": "×1", "steadfastness": "0.83"}
    assert "2.00" not in page
    store.close()
