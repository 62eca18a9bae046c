"""The pages that change things: sources and imports, annotation, and the admin pages."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse

from frameline.records import SourceRef
from frameline.sources import BrokenImporter, UnknownImporter, available_importers
from frameline.sources.base import ImportOptions, ImportRejected
from frameline.sources.runner import run_import
from frameline.store.accounts import ROLES, AccountError
from frameline.web.app import RowId, context, render
from frameline.web.auth import Principal, check_csrf, require

router = APIRouter(include_in_schema=False)
viewer, analyst, admin = require("viewer"), require("analyst"), require("admin")
_UNSAFE_NAME = re.compile(r"[^\w.\-]+")


def _labels(text: str) -> list[str]:
    return [label.strip()[:128] for label in text.split(",") if label.strip()][:20]


def sources_page(request: Request, message: str | None = None, problem: str | None = None, status_code: int = 200):
    store = context(request).store
    status = store.status()
    counts = {row["id"]: row["documents"] for row in status["sources"]}
    return render(request, "sources.html", status_code=status_code, sources=store.list_sources(), counts=counts,
                  imports=store.list_imports(20), importers=sorted(available_importers()), message=message,
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
    name = _UNSAFE_NAME.sub("_", Path(upload.filename or "upload").name)[-120:].lstrip(".") or "upload"
    folder = web.workspace.path / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{datetime.now(timezone.utc).strftime('%Y%m%dT%H%M%S%f')}-{name}"
    written = 0
    with target.open("wb") as handle:
        while chunk := upload.file.read(1 << 20):
            written += len(chunk)
            if written > web.max_upload_bytes:
                handle.close()
                target.unlink()
                return sources_page(request, problem="The file is larger than the upload limit.", status_code=413)
            handle.write(chunk)
    options = ImportOptions(source_name=source_name.strip() or None, groups=tuple(_labels(groups)),
                            preset=preset.strip() or None)
    try:
        report = run_import(web.store, importer, [target], options, rejects_dir=web.workspace.rejects_dir,
                            actor=who.name)
    except (UnknownImporter, BrokenImporter, ImportRejected, ValueError) as error:
        return sources_page(request, problem=f"{name}: {error}", status_code=400)
    problem = None
    if report.rejected:
        problem = "; ".join(str(r) for r in report.sample_rejections[:3])
    return sources_page(request, message=f"Imported {name} with {importer}: {report.summary()}.", problem=problem)


@router.post("/sources/feeds", response_class=HTMLResponse)
def add_feed(request: Request, url: str = Form(...), groups: str = Form(""), interval_minutes: int = Form(60),
             csrf_token: str = Form(""), who: Principal = Depends(analyst)):
    """Record a feed to monitor.  The collector (a separate component) reads `metadata.monitor`."""
    check_csrf(who, csrf_token)
    store = context(request).store
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or len(url) > 2000:
        return sources_page(request, problem="A feed address must be an http:// or https:// URL.", status_code=400)
    source_id = store.ensure_source(SourceRef(kind="rss", name=url, url=url, groups=tuple(_labels(groups))))
    store.merge_source_metadata(source_id, {"monitor": {
        "url": url, "interval_minutes": max(5, min(interval_minutes, 7 * 24 * 60)), "added_by": who.name,
        "added_at": datetime.now(timezone.utc).isoformat()}})
    store.audit(who.name, "feed-added", url, {"groups": _labels(groups)})
    return sources_page(request, message=f"Monitoring {url} (the collector picks it up on its next run).")


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
        web.annotations.record(document_id, start, end, label, decision, who.name)
    except ValueError as error:
        return render(request, "error.html", status_code=400, status=400, message=str(error))
    web.store.audit(who.name, "annotate", str(document_id), {"start": start, "end": end, "label": label,
                                                             "decision": decision})
    return RedirectResponse(f"/annotate/{document_id}#s{start}", 303)


# -- admin --------------------------------------------------------------------------


@router.get("/admin/audit", response_class=HTMLResponse)
def audit_log(request: Request, who: Principal = Depends(admin)):
    web = context(request)
    return render(request, "admin.html", entries=web.store.audit_entries(300), users=web.accounts.list_users(),
                  roles=ROLES, message=None, problem=None)


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
    return render(request, "admin.html", status_code=400 if problem else 200, entries=web.store.audit_entries(300),
                  users=web.accounts.list_users(), roles=ROLES, message=message, problem=problem)


@router.post("/admin/users/{username}/disable")
def disable_user(request: Request, username: str, csrf_token: str = Form(""), who: Principal = Depends(admin)):
    check_csrf(who, csrf_token)
    web = context(request)
    web.accounts.set_disabled(username, True)
    web.store.audit(who.name, "user-disabled", username)
    return RedirectResponse("/admin/audit", 303)
