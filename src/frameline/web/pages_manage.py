"""The pages that change things: sources and imports, annotation, and the admin pages."""

from __future__ import annotations

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse

from frameline.sources import available_importers
from frameline.sources.base import ImportOptions
from frameline.store.accounts import ROLES, AccountError
from frameline.web import monitoring, uploads
from frameline.web.app import RowId, context, render
from frameline.web.auth import Principal, check_csrf, require

router = APIRouter(include_in_schema=False)
viewer, analyst, admin = require("viewer"), require("analyst"), require("admin")


def _labels(text: str) -> list[str]:
    return [label.strip()[:128] for label in text.split(",") if label.strip()][:20]


def sources_page(request: Request, message: str | None = None, problem: str | None = None, status_code: int = 200):
    store = context(request).store
    status = store.status()
    counts = {row["id"]: row["documents"] for row in status["sources"]}
    return render(request, "sources.html", status_code=status_code, sources=store.list_sources(), counts=counts,
                  imports=store.list_imports(20), feeds=monitoring.watched_feeds(context(request).workspace, store),
                  importers=sorted(available_importers()), message=message,
                  problem=problem)


@router.get("/sources", response_class=HTMLResponse)
def sources(request: Request, who: Principal = Depends(viewer)):
    return sources_page(request)


@router.post("/sources/{source_id}/groups")
def edit_groups(request: Request, source_id: RowId, groups: str = Form(""), csrf_token: str = Form(""),
                who: Principal = Depends(analyst)):
    check_csrf(who, csrf_token)
    store = context(request).store
    source = store.get_source(source_id)
    wanted = _labels(groups)
    removed = [group for group in source.groups if group not in wanted]
    added = [group for group in wanted if group not in source.groups]
    store.add_source_groups(source_id, added)
    store.remove_source_groups(source_id, removed)
    store.audit(who.name, "source-groups", source.name, {"add": added, "remove": removed})
    return RedirectResponse("/sources", 303)


@router.post("/sources/import", response_class=HTMLResponse)
def upload_import(request: Request, importer: str = Form(...), upload: UploadFile = File(...),
                  source_name: str = Form(""), groups: str = Form(""), preset: str = Form(""),
                  csrf_token: str = Form(""), who: Principal = Depends(analyst)):
    """Save the uploaded file into the workspace's uploads folder and run the importer over it."""
    check_csrf(who, csrf_token)
    web = context(request)
    options = ImportOptions(source_name=source_name.strip() or None, groups=tuple(_labels(groups)),
                            preset=preset.strip() or None)
    try:
        name, report = uploads.import_upload(web.workspace, web.store, importer, upload.filename, upload.file,
                                             options, who.name, web.max_upload_bytes)
    except uploads.UploadRejected as error:
        return sources_page(request, problem=str(error), status_code=413 if "upload limit" in str(error) else 400)
    problem = None
    if report.rejected:
        problem = "; ".join(str(r) for r in report.sample_rejections[:3])
    return sources_page(request, message=f"Imported {name} with {importer}: {report.summary()}.", problem=problem)


@router.post("/sources/feeds", response_class=HTMLResponse)
def add_feed(request: Request, url: str = Form(...), groups: str = Form(""), interval_minutes: int = Form(60),
             csrf_token: str = Form(""), who: Principal = Depends(analyst)):
    """Record a feed for the collector (`frameline watch`) to poll."""
    check_csrf(who, csrf_token)
    web = context(request)
    try:
        monitoring.add_feed(web.workspace, url, interval_minutes, tuple(_labels(groups)))
    except monitoring.FeedRejected as error:
        return sources_page(request, problem=str(error), status_code=400)
    web.store.audit(who.name, "feed-added", url.strip(), {"groups": _labels(groups), "every_minutes": interval_minutes})
    return sources_page(request, message=f"Monitoring {url.strip()}: `frameline watch` polls it from its next cycle.")


# -- annotation -----------------------------------------------------------------------


@router.get("/annotate", response_class=HTMLResponse)
def annotation_queue(request: Request, who: Principal = Depends(analyst)):
    web = context(request)
    queue = web.annotations.queue(30)
    documents = web.store.get_documents(queue)
    return render(request, "annotate_queue.html", queue=[documents[i] for i in queue if i in documents])


@router.get("/annotate/{document_id}", response_class=HTMLResponse)
def annotate(request: Request, document_id: RowId, who: Principal = Depends(analyst)):
    web = context(request)
    doc = web.store.get_document(document_id)
    queue = web.annotations.queue(30)
    following = next((i for i in queue if i != document_id), None)
    return render(request, "annotate.html", doc=doc, source=web.store.get_source(doc.source_id),
                  sentences=web.annotations.sentences(document_id), labels=web.annotations.frame_labels(),
                  following=following)


@router.post("/annotate/{document_id}")
def judge(request: Request, document_id: RowId, start: int = Form(...), end: int = Form(...), label: str = Form(...),
          decision: str = Form(...), csrf_token: str = Form(""), who: Principal = Depends(analyst)):
    check_csrf(who, csrf_token)
    web = context(request)
    try:
        created = web.annotations.record(document_id, start, end, label, decision, who.name)
    except ValueError as error:
        return render(request, "error.html", status_code=400, status=400, message=str(error))
    web.store.audit(who.name, "annotate", str(document_id), {"start": start, "end": end, "frame": label.strip(),
                                                             "decision": decision, "annotation_id": created})
    return RedirectResponse(f"/annotate/{document_id}#s{start}", 303)


# -- admin --------------------------------------------------------------------------


@router.get("/admin/audit", response_class=HTMLResponse)
def audit_log(request: Request, action: str = "", actor: str = "", who: Principal = Depends(admin)):
    return admin_page(request, action=action.strip(), actor=actor.strip())


def admin_page(request: Request, message: str | None = None, problem: str | None = None, action: str = "",
               actor: str = "", status_code: int = 200):
    """Settings, users and the newest audit entries, optionally only one action or actor."""
    web = context(request)
    entries = [e for e in web.store.audit_entries(5000)
               if (not action or e["action"] == action) and (not actor or e["actor"] == actor)][:500]
    return render(request, "admin.html", status_code=status_code, entries=entries, users=web.accounts.list_users(),
                  roles=ROLES, message=message, problem=problem, action=action, actor=actor)


@router.post("/admin/settings")
def settings(request: Request, content_warning: str = Form(""), csrf_token: str = Form(""),
             who: Principal = Depends(admin)):
    check_csrf(who, csrf_token)
    web = context(request)
    enabled = content_warning == "on"
    web.workspace.settings.setdefault("web", {})["content_warning"] = enabled
    web.workspace.save_settings()
    web.store.audit(who.name, "settings", "web.content_warning", {"value": enabled})
    return RedirectResponse("/admin/audit", 303)


@router.post("/admin/users", response_class=HTMLResponse)
def add_user(request: Request, username: str = Form(...), password: str = Form(...), role: str = Form("viewer"),
             csrf_token: str = Form(""), who: Principal = Depends(admin)):
    check_csrf(who, csrf_token)
    web = context(request)
    message, problem = None, None
    try:
        web.accounts.add_user(username, password, role)
        web.store.audit(who.name, "user-added", username, {"role": role})
        message = f"Added {username} ({role})."
    except AccountError as error:
        problem = str(error)
    return admin_page(request, message=message, problem=problem, status_code=400 if problem else 200)


@router.post("/admin/users/{username}/disable")
def disable_user(request: Request, username: str, csrf_token: str = Form(""), who: Principal = Depends(admin)):
    check_csrf(who, csrf_token)
    web = context(request)
    web.accounts.set_disabled(username, True)
    web.store.audit(who.name, "user-disabled", username)
    return RedirectResponse("/admin/audit", 303)
