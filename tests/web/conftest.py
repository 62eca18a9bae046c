"""Real workspaces for the web tests: English and Arabic documents with analysis layers and one user per role
(`web_workspace`), and the two-camp Mosul corpus with a re-post cluster and an event (`mosul`)."""

from __future__ import annotations

import re
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from frameline.records import DocLabel, RawDocument, Span
from frameline.sources.base import ImportOptions
from frameline.sources.runner import run_import
from frameline.store.accounts import AccountStore
from frameline.store.base import ClusterMember, Event
from frameline.web import create_app
from frameline.workspace import init_workspace

from conftest import write_telegram_export  # tests/conftest.py (rootdir on sys.path)

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from insights.corpus import AMAQ, REUTERS, build  # noqa: E402

PASSWORD = "correct horse battery"
ROLES = ("admin", "analyst", "viewer")
MESSAGES = [
    {"id": 10, "type": "message", "date_unixtime": "1499688000", "from": "Amaq test",
     "text": "The soldiers of the Caliphate in Mosul continue until victory or martyrdom. "
             "This is one small setback in a much larger war."},
    {"id": 11, "type": "message", "date_unixtime": "1499774400", "from": "Amaq test",
     "text": "جنود الخلافة في الموصل ثابتون حتى النصر أو الشهادة.\nإنها خسارة لكل المسلمين أمام الصليبيين."},
    {"id": 12, "type": "message", "date_unixtime": "1500292800", "from": "Amaq test",
     "text": "Iraq declares victory in Mosul; celebrations in Baghdad."},
    {"id": 13, "type": "message", "date_unixtime": "1500379200", "from": "Amaq test",
     "text": "The soldiers of the Caliphate in Mosul continue until victory or martyrdom. "
             "This is one small setback in a much larger war."},
]


def find(text: str, phrase: str) -> tuple[int, int]:
    start = text.index(phrase)
    return start, start + len(phrase)


def add_analysis(store, document_ids: list[int]) -> None:  # noqa: ANN001
    """Frames, techniques, entities and quotes as analysers would write them (overlapping on purpose)."""
    outputs = {}
    for document_id in document_ids:
        text = store.get_document(document_id).text
        spans, labels = [], []
        for phrase, label in (("continue until victory or martyrdom", "steadfastness"),
                              ("one small setback in a much larger war", "minimisation-of-loss"),
                              ("ثابتون حتى النصر أو الشهادة", "steadfastness"),
                              ("خسارة لكل المسلمين", "pan-islamic-victimhood"),
                              ("declares victory", "victory-declaration")):
            if phrase in text:
                start, end = find(text, phrase)
                spans.append(Span(document_id, start, end, "frame", label, 0.83, "", "",
                                  {"evidence": f"cue: {phrase.split()[0]}"}))
                labels.append(DocLabel(document_id, "frame", label, 0.83, "", ""))
        for phrase in ("until victory", "small setback"):
            if phrase in text:
                start, end = find(text, phrase)
                spans.append(Span(document_id, start, end, "technique", "Loaded_Language", 0.6, "", ""))
        for phrase, entity in (("Mosul", "place:mosul"), ("الموصل", "place:mosul"), ("Caliphate", "group:is")):
            for match in re.finditer(re.escape(phrase), text):
                spans.append(Span(document_id, match.start(), match.end(), "entity", "place", 1.0, "", "",
                                  {"entity_id": entity, "name": phrase}))
                labels.append(DocLabel(document_id, "entity", entity, 1.0, "", ""))
        if "soldiers of the Caliphate" in text:
            start, end = find(text, "soldiers of the Caliphate in Mosul continue")
            spans.append(Span(document_id, start, end, "quote", "quote", 0.9, "", "", {"speaker": "Amaq"}))
        outputs[document_id] = (spans, labels)
    store.write_analysis("fixture-frames", "1", outputs)


@pytest.fixture(scope="module")
def web_workspace(tmp_path_factory):
    folder = tmp_path_factory.mktemp("web")
    workspace = init_workspace(folder / "workspace")
    store = workspace.open_store()
    export = write_telegram_export(folder / "result.json", MESSAGES)
    report = run_import(store, "telegram", [export], ImportOptions(groups=("extremist",)), actor="test")
    add_analysis(store, report.new_ids)
    accounts = AccountStore(store)
    for role in ROLES:
        accounts.add_user(role, PASSWORD, role)
    yield workspace, store, report.new_ids
    store.close()


@pytest.fixture(scope="module")
def app(web_workspace):
    workspace, store, _ = web_workspace
    return create_app(workspace, store=store)


def signed_in(app, role: str | None) -> TestClient:  # noqa: ANN001
    client = TestClient(app, follow_redirects=False)
    if role is not None:
        page = client.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        response = client.post("/login", data={"username": role, "password": PASSWORD, "csrf_token": token})
        assert response.status_code == 303, response.text
    return client


def csrf_of(client: TestClient) -> str:
    page = client.get("/account")
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


@pytest.fixture(scope="module")
def clients(app):
    return {role: signed_in(app, role) for role in (*ROLES, None)}


@pytest.fixture(scope="module")
def mosul(tmp_path_factory):
    """The insights corpus (tests/insights/corpus.py) with a straggler, cluster 1 of three members and an event."""
    workspace = init_workspace(tmp_path_factory.mktemp("insight-pages") / "workspace")
    store = workspace.open_store()
    ids = build(store)
    # A straggler from years before the story (with a frame), and an unlabelled early post in the window.
    straggler = store.write_documents([RawDocument(source=AMAQ, text="An old statement.", native_id="old",
                                                   published_at=datetime(2014, 1, 6, tzinfo=timezone.utc),
                                                   language="en")]).new_ids[0]
    store.write_analysis("straggler", "1", {straggler: ([], [DocLabel(0, "frame", "f-steadfast", 0.5, "", "")])})
    early = store.write_documents([RawDocument(source=REUTERS, text="Weather report.", native_id="early",
                                               published_at=datetime(2017, 6, 5, tzinfo=timezone.utc),
                                               language="en")]).new_ids[0]
    members = ids["extremist"][:2] + ids["mainstream"][14:15]
    store.record_clusters([], [ClusterMember(members[0], 1, 1.0, "founder"),
                               ClusterMember(members[1], 1, 0.9, "minhash", members[0]),
                               ClusterMember(members[2], 1, 0.9, "minhash", members[0])], "duplicates", "1")
    store.add_event(Event("mosul-2017", datetime(2017, 6, 25, tzinfo=timezone.utc),
                          datetime(2017, 7, 5, tzinfo=timezone.utc), "", "the end of the battle"))
    accounts = AccountStore(store)
    for role in ("analyst", "viewer"):
        accounts.add_user(role, PASSWORD, role)
    app = create_app(workspace, store=store)
    yield {"workspace": workspace, "store": store, "app": app, "accounts": accounts, "ids": ids,
           "straggler": straggler, "early": early, "members": members,
           "analyst": signed_in(app, "analyst"), "viewer": signed_in(app, "viewer")}
    store.close()
