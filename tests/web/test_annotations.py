"""The annotation page, the JSON API and `frameline annotate` share one store: `frame_annotations`."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from frameline.analysis.frames import FrameAnalyser
from frameline.analysis.frames_annotation import agreement, next_sentences
from frameline.cli import app as cli
from frameline.store.annotations import list_annotations
from frameline.text.sentences import split_sentences

from .conftest import csrf_of


def _first_sentence(store, document_id: int) -> tuple[int, int]:  # noqa: ANN001
    return split_sentences(store.get_document(document_id).text)[0]


def test_the_page_cuts_sentences_where_the_frames_analyser_does(app, web_workspace):
    _, store, ids = web_workspace
    backend = app.state.web.annotations
    for document_id in ids:
        text = store.get_document(document_id).text
        cut = [(s.start, s.end) for s in backend.sentences(document_id)]
        assert cut == split_sentences(text)
        detected = FrameAnalyser().analyse_text(text).spans
        assert detected and all((span.start, span.end) in cut for span in detected)


def test_the_queue_follows_uncertainty_sampling_then_unannotated_frames(app, web_workspace):
    workspace, store, ids = web_workspace
    queue = app.state.web.annotations.queue(10)
    sampled = next_sentences(store, FrameAnalyser.from_workspace(workspace), 50)
    top = {candidate.document_id for candidate in sampled if candidate.uncertainty == sampled[0].uncertainty}
    assert sampled and queue[0] in top  # a tie (the same sentence in two documents) is cut by the seeded draw
    assert set(queue) == set(ids)  # every fixture document has detected frames and no annotation yet


def test_frame_labels_are_the_active_codebooks_frames(app, clients):
    labels = app.state.web.annotations.frame_labels()
    assert labels[0].id == "brutality" and {"steadfastness", "official-victory"} <= {label.id for label in labels}
    listed = clients["viewer"].get("/api/v1/frames").json()
    assert [f["id"] for f in listed] == [label.id for label in labels]
    page = clients["analyst"].get(f"/annotate/{app.state.web.store.count_documents()}").text
    assert '<option value="steadfastness">' in page and "<kbd>1</kbd> Brutality" in page


def test_web_and_cli_decisions_are_one_record(app, clients, web_workspace):
    workspace, store, ids = web_workspace
    analyst, document = clients["analyst"], ids[0]
    start, end = _first_sentence(store, document)
    key = f"{document}:{start}-{end}"

    response = analyst.post("/api/v1/annotations", headers={"X-CSRF-Token": csrf_of(analyst)},
                            json={"document_id": document, "start": start, "end": end, "frame": "steadfastness",
                                  "decision": "accept", "note": "the communique's own words"})
    assert response.status_code == 201
    row = next(a for a in list_annotations(store, document_id=document) if a.id == response.json()["id"])
    assert (row.annotator, row.frame, row.decision, row.codebook) == ("analyst", "steadfastness", "accept",
                                                                      "jihadist-narratives")
    assert row.machine_score == 0.83 and row.codebook_version  # the detected span's score; the version in use
    audit = clients["admin"].get("/api/v1/audit").json()
    assert any(e["action"] == "annotate" and e["target"] == str(document) and e["details"]["via"] == "api"
               for e in audit)

    runner, base = CliRunner(), ["-w", str(workspace.path)]
    result = runner.invoke(cli, ["annotate", "reject", key, "steadfastness", "-a", "omar", *base])
    assert result.exit_code == 0, result.output
    result = runner.invoke(cli, ["annotate", "agreement", *base])
    assert "2 annotators, 1 shared" in result.output and "analyst / omar" in result.output
    assert agreement(store).kappas[("analyst", "omar")][1] == 1

    listed = clients["viewer"].get(f"/api/v1/documents/{document}/annotations").json()
    assert {(a["annotator"], a["decision"], a["key"]) for a in listed} == {("analyst", "accept", key),
                                                                          ("omar", "reject", key)}
    page = analyst.get(f"/annotate/{document}").text
    assert "accept: steadfastness" in page and "reject: steadfastness" in page and "(omar)" in page


def test_the_latest_decision_counts_and_history_keeps_every_one(clients, web_workspace):
    _, store, ids = web_workspace
    analyst, document = clients["analyst"], ids[1]
    start, end = _first_sentence(store, document)
    token = csrf_of(analyst)
    for decision in ("accept", "reject"):
        body = {"document_id": document, "start": start, "end": end, "frame": "steadfastness", "decision": decision}
        assert analyst.post("/api/v1/annotations", json=body, headers={"X-CSRF-Token": token}).status_code == 201
    current = clients["viewer"].get(f"/api/v1/documents/{document}/annotations").json()
    assert [(a["decision"], a["text"]) for a in current] == [("reject", "جنود الخلافة في الموصل ثابتون حتى النصر أو الشهادة.")]
    history = clients["viewer"].get(f"/api/v1/documents/{document}/annotations", params={"history": "true"}).json()
    assert [a["decision"] for a in history] == ["accept", "reject"]


def test_a_frame_outside_the_codebooks_is_refused_with_the_way_out(clients, web_workspace):
    _, store, ids = web_workspace
    analyst, document = clients["analyst"], ids[2]
    start, end = _first_sentence(store, document)
    response = analyst.post("/api/v1/annotations", headers={"X-CSRF-Token": csrf_of(analyst)},
                            json={"document_id": document, "start": start, "end": end, "frame": "my-new-frame",
                                  "decision": "add"})
    assert response.status_code == 422 and "not a frame of the active codebooks" in response.json()["detail"]
    page = analyst.post(f"/annotate/{document}", data={"start": start, "end": end, "label": "my-new-frame",
                                                      "decision": "add", "csrf_token": csrf_of(analyst)})
    assert page.status_code == 400 and "codebooks/" in page.text
    assert not list_annotations(store, document_id=document)


def test_tied_scores_are_ordered_by_a_seeded_draw_across_the_whole_workspace(tmp_path):
    from frameline.sources.base import ImportOptions
    from frameline.sources.runner import run_import
    from frameline.web.annotations import FrameAnnotations
    from frameline.workspace import init_workspace

    from .conftest import MESSAGES

    workspace = init_workspace(tmp_path / "ties")
    store = workspace.open_store()
    posts = tmp_path / "posts.jsonl"
    with posts.open("w", encoding="utf-8") as out:  # one text but a number, so every sentence scores alike
        for number in range(120):
            out.write(json.dumps({"id": f"t{number}", "text": f"{MESSAGES[0]['text']} Report {number}."}) + "\n")
    ids = run_import(store, "jsonl", [posts], ImportOptions(source_name="ties")).new_ids
    analyser = FrameAnalyser.from_workspace(workspace)
    scores = {c.uncertainty for c in next_sentences(store, analyser, 1000, 1000) if c.start == 0}
    assert len(scores) == 1 and scores.pop() > 0  # the tie the demo shows (0.2608 there)
    queue = FrameAnnotations(store, workspace, max_documents=30, seed=7).queue(10)
    assert len(queue) == 10 and queue != sorted(queue)  # not id order
    assert max(queue) > ids[29]  # drawn from the whole workspace, not its first 30 documents
    assert FrameAnnotations(store, workspace, max_documents=30, seed=7).queue(10) == queue  # stable per seed
    assert FrameAnnotations(store, workspace, max_documents=30, seed=8).queue(10) != queue
    store.close()
