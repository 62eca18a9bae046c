"""Every route × every role × anonymous, against the real app and a real SQLite workspace."""

from __future__ import annotations

import itertools

import pytest
from fastapi.routing import APIRoute

from frameline.store.annotations import list_annotations

from .conftest import ROLES, csrf_of

RANK = {None: -1, "viewer": 0, "analyst": 1, "admin": 2}
_counter = itertools.count()


def _unique(prefix: str) -> str:
    return f"{prefix}{next(_counter)}"


# (method, route path, path used, least role (None: anyone), status when allowed, request builder)
def _routes(ids):  # noqa: ANN001, ANN202
    doc = ids[0]
    return [
        ("GET", "/login", "/login", None, 200, None),
        ("POST", "/login", "/login", None, 403, lambda c, t: {"data": {"username": "x", "password": "y"}}),
        ("POST", "/logout", "/logout", "viewer", 303, None),
        ("GET", "/", "/", "viewer", 200, None),
        ("GET", "/search", "/search?q=Mosul&group=extremist&frame=steadfastness", "viewer", 200, None),
        ("GET", "/export", "/export?q=Mosul&format=csv", "analyst", 200, None),
        ("GET", "/documents/{document_id}", f"/documents/{doc}", "viewer", 200, None),
        ("GET", "/frames", "/frames", "viewer", 200, None),
        ("GET", "/compare", "/compare?a=group:extremist&b=search:Baghdad&event=", "viewer", 200, None),
        ("GET", "/compare/export", "/compare/export?a=group:extremist&b=search:Baghdad&format=csv", "analyst", 200,
         None),
        ("GET", "/clusters", "/clusters", "viewer", 200, None),
        ("GET", "/clusters/{cluster_id}", "/clusters/999999", "viewer", 404, None),
        ("GET", "/account", "/account", "viewer", 200, None),
        ("POST", "/account/tokens", "/account/tokens", "viewer", 200, lambda c, t: {"data": {"name": "matrix"}}),
        ("POST", "/account/tokens/{token_id}/revoke", "/account/tokens/999999/revoke", "viewer", 303, None),
        ("GET", "/sources", "/sources", "viewer", 200, None),
        ("POST", "/sources/{source_id}/groups", "/sources/1/groups", "analyst", 303,
         lambda c, t: {"data": {"groups": "extremist"}}),
        ("POST", "/sources/import", "/sources/import", "analyst", 200,
         lambda c, t: {"data": {"importer": "jsonl", "source_name": "matrix"},
                       "files": {"upload": ("m.jsonl", b'{"text": "matrix upload", "id": "' + _unique("m").encode() + b'"}\n')}}),
        ("POST", "/sources/feeds", "/sources/feeds", "analyst", 200,
         lambda c, t: {"data": {"url": "https://example.org/feed.xml", "groups": "mainstream"}}),
        ("GET", "/annotate", "/annotate", "analyst", 200, None),
        ("GET", "/annotate/{document_id}", f"/annotate/{doc}", "analyst", 200, None),
        ("POST", "/annotate/{document_id}", f"/annotate/{doc}", "analyst", 303,
         lambda c, t: {"data": {"start": 0, "end": 10, "label": "steadfastness", "decision": "accept"}}),
        ("GET", "/admin/audit", "/admin/audit", "admin", 200, None),
        ("POST", "/admin/settings", "/admin/settings", "admin", 303, lambda c, t: {"data": {"content_warning": "on"}}),
        ("POST", "/admin/users", "/admin/users", "admin", 200,
         lambda c, t: {"data": {"username": _unique("u"), "password": "long enough pw", "role": "viewer"}}),
        ("POST", "/admin/users/{username}/disable", "/admin/users/nobody-here/disable", "admin", 404, None),
        ("GET", "/api/v1/documents", "/api/v1/documents?per_page=2", "viewer", 200, None),
        ("GET", "/api/v1/documents/{document_id}", f"/api/v1/documents/{doc}", "viewer", 200, None),
        ("GET", "/api/v1/documents/{document_id}/spans", f"/api/v1/documents/{doc}/spans?layer=frame", "viewer", 200, None),
        ("GET", "/api/v1/documents/{document_id}/annotations", f"/api/v1/documents/{doc}/annotations", "viewer", 200,
         None),
        ("GET", "/api/v1/search", "/api/v1/search?q=الموصل", "viewer", 200, None),
        ("GET", "/api/v1/sources", "/api/v1/sources", "viewer", 200, None),
        ("POST", "/api/v1/sources/{source_id}/groups", "/api/v1/sources/1/groups", "analyst", 200,
         lambda c, t: {"json": {"add": ["extremist"]}, "headers": {"X-CSRF-Token": t}}),
        ("GET", "/api/v1/imports", "/api/v1/imports", "viewer", 200, None),
        ("POST", "/api/v1/imports", "/api/v1/imports", "analyst", 201,
         lambda c, t: {"data": {"importer": "jsonl", "groups": ["api"]}, "headers": {"X-CSRF-Token": t},
                       "files": {"upload": ("a.jsonl", b'{"text": "api upload", "id": "' + _unique("a").encode() + b'"}')}}),
        ("GET", "/api/v1/timelines/frames", "/api/v1/timelines/frames?measure=share", "viewer", 200, None),
        ("GET", "/api/v1/status", "/api/v1/status", "viewer", 200, None),
        ("GET", "/api/v1/frames", "/api/v1/frames", "viewer", 200, None),
        ("POST", "/api/v1/annotations", "/api/v1/annotations", "analyst", 201,
         lambda c, t: {"json": {"document_id": doc, "start": 0, "end": 5, "frame": "steadfastness", "decision": "add"},
                       "headers": {"X-CSRF-Token": t}}),
        ("GET", "/api/v1/audit", "/api/v1/audit", "admin", 200, None),
        ("GET", "/api/v1/compare", "/api/v1/compare?a=group:extremist&b=search:Baghdad", "viewer", 200, None),
        ("GET", "/api/v1/clusters", "/api/v1/clusters?min_size=2", "viewer", 200, None),
        ("GET", "/api/v1/clusters/{cluster_id}", "/api/v1/clusters/999999", "viewer", 404, None),
        ("GET", "/api/v1/events", "/api/v1/events", "viewer", 200, None),
        ("POST", "/api/v1/events", "/api/v1/events", "analyst", 201,
         lambda c, t: {"json": {"name": _unique("matrix-"), "from": "2017-07-01", "to": "2017-07-31"},
                       "headers": {"X-CSRF-Token": t}}),
        ("GET", "/api/v1/events/{name}", "/api/v1/events/no-such-event", "viewer", 404, None),
        ("GET", "/api/v1/feeds", "/api/v1/feeds", "viewer", 200, None),
        ("POST", "/api/v1/feeds", "/api/v1/feeds", "analyst", 201,
         lambda c, t: {"json": {"url": f"https://example.org/{_unique('feed')}.xml", "groups": ["mainstream"]},
                       "headers": {"X-CSRF-Token": t}}),
        ("GET", "/api/v1/openapi.json", "/api/v1/openapi.json", None, 200, None),
        ("GET", "/vendor/plotly.min.js", "/vendor/plotly.min.js", None, 200, None),
    ]


def test_the_matrix_lists_every_route_of_the_app(app, web_workspace):
    listed = {(method, route) for method, route, *_ in _routes(web_workspace[2])}
    served = set()
    routes = list(app.routes)
    for route in routes:
        routes += getattr(getattr(route, "original_router", None), "routes", [])  # newer FastAPI nests routers
        for method in getattr(route, "methods", None) or ():
            if method != "HEAD" and route.path not in ("/static",):
                served.add((method, route.path))
    assert served == listed


@pytest.mark.parametrize("role", [*ROLES, None], ids=[*ROLES, "anonymous"])
def test_every_route_answers_each_role_as_expected(app, web_workspace, clients, role):
    client = clients[role]
    token = csrf_of(client) if role else ""
    failures = []
    annotations_before = len(list_annotations(web_workspace[1], annotator=role or "anonymous"))
    for method, route, path, least, allowed, build in _routes(web_workspace[2]):
        if route == "/logout":
            continue  # signing out would end this client's session; covered below
        kwargs = build(client, token) if build else {}
        if method == "POST" and "json" not in kwargs and "headers" not in kwargs:
            kwargs.setdefault("data", {})["csrf_token"] = token
        response = client.request(method, path, **kwargs)
        if method == "GET" and route == "/login" and role is not None:
            expected = 303  # already signed in: straight on
        elif least is None or (role is not None and RANK[role] >= RANK[least]):
            expected = allowed
        elif role is None:
            expected = 401 if path.startswith("/api/") else 303
        else:
            expected = 403
        if response.status_code != expected:
            failures.append(f"{method} {path} as {role}: {response.status_code}, expected {expected}")
        if role is None and expected == 303:
            assert response.headers["location"].startswith("/login")
    assert not failures, "\n".join(failures)
    # The page's and the API's annotation each wrote one frame_annotations row, and only where allowed.
    written = len(list_annotations(web_workspace[1], annotator=role or "anonymous")) - annotations_before
    assert written == (2 if role is not None and RANK[role] >= RANK["analyst"] else 0)


@pytest.mark.parametrize("role", ROLES)
def test_signing_out_ends_the_session(app, role):
    from .conftest import signed_in

    client = signed_in(app, role)
    assert client.post("/logout", data={"csrf_token": csrf_of(client)}).status_code == 303
    assert client.get("/").status_code == 303


def test_forms_without_the_csrf_token_are_refused(clients, web_workspace):
    analyst = clients["analyst"]
    assert analyst.post("/sources/1/groups", data={"groups": "hijacked"}).status_code == 403
    assert analyst.post("/sources/1/groups", data={"groups": "hijacked", "csrf_token": "guess"}).status_code == 403
    assert analyst.post("/api/v1/sources/1/groups", json={"add": ["hijacked"]}).status_code == 403
    assert "hijacked" not in analyst.get("/sources").text
