"""The JSON API under /api/v1: what the pages show, for scripts and notebooks.

Lists are paginated with `page` and `per_page` and say their `total`.  Reads
need the viewer role; changes need analyst and, when the caller uses a session
cookie rather than an API token, the session's `X-CSRF-Token` header.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, Depends, File, Form, Header, HTTPException, Query, Request, UploadFile
from pydantic import BaseModel, Field

from frameline.records import Document, Source, Span
from frameline.store import annotations as annotation_store
from frameline.store import browse
from frameline.store.query import DocumentFilter
from frameline.sources.base import ImportOptions
from frameline.web import uploads
from frameline.web.app import MAX_ROW_ID, RowId, context
from frameline.web.auth import Principal, check_csrf, require
from frameline.web.search_params import SearchForm

router = APIRouter(prefix="/api/v1", tags=["api"])
viewer, analyst, admin = require("viewer"), require("analyst"), require("admin")
Page = Query(1, ge=1, le=500)
PerPage = Query(20, ge=1, le=100)


class SourceOut(BaseModel):
    id: int
    kind: str
    name: str
    handle: str | None
    url: str | None
    language: str | None
    groups: list[str]
    documents: int | None = None


class SpanOut(BaseModel):
    id: int | None
    start: int
    end: int
    layer: str
    label: str
    score: float | None
    producer: str
    producer_version: str
    attributes: dict[str, Any]
    text: str


class LabelOut(BaseModel):
    layer: str
    label: str
    score: float | None
    producer: str


class DocumentOut(BaseModel):
    id: int
    source_id: int
    native_id: str
    title: str | None
    text: str
    url: str | None
    author: str | None
    published_at: datetime | None
    collected_at: datetime
    language: str | None
    content_hash: str


class DocumentDetail(DocumentOut):
    source: SourceOut
    spans: list[SpanOut]
    labels: list[LabelOut]
    cluster_id: int | None


class DocumentPage(BaseModel):
    items: list[DocumentOut]
    page: int
    per_page: int
    total: int


class Fragment(BaseModel):
    text: str
    highlighted: bool


class Hit(BaseModel):
    document: DocumentOut
    source: SourceOut
    rank: float | None
    snippet: list[Fragment]


class SearchPage(BaseModel):
    items: list[Hit]
    page: int
    per_page: int
    total: int
    total_is_lower_bound: bool


class ImportOut(BaseModel):
    id: int
    importer: str
    arguments: dict[str, Any]
    started_at: datetime
    finished_at: datetime | None
    new: int
    duplicate: int
    rejected: int
    status: str


class ImportPage(BaseModel):
    items: list[ImportOut]
    page: int
    per_page: int
    total: int


class SourcePage(BaseModel):
    items: list[SourceOut]
    page: int
    per_page: int
    total: int


class SpanPage(BaseModel):
    items: list[SpanOut]
    page: int
    per_page: int
    total: int


class Timeline(BaseModel):
    interval: str
    measure: str
    buckets: list[str]
    frames: list[str]
    groups: dict[str, dict[str, list[float]]]
    totals: dict[str, list[int]]


class GroupEdit(BaseModel):
    add: list[str] = Field(default_factory=list, max_length=20)
    remove: list[str] = Field(default_factory=list, max_length=20)


class AnnotationIn(BaseModel):
    document_id: int = Field(ge=1, le=MAX_ROW_ID)
    start: int = Field(ge=0, le=2**31, description="Sentence start (character offset), as in the frame spans.")
    end: int = Field(ge=1, le=2**31)
    frame: str = Field(min_length=1, max_length=64, description="A frame id of the active codebooks (GET /frames).")
    decision: Literal["accept", "reject", "add"]
    note: str | None = Field(None, max_length=2000, description="Why, for the record.")


class Created(BaseModel):
    id: int


def search_filters(
    source: list[int] | None = Query(None, description="Source id (repeatable)."),
    group: list[str] | None = Query(None, description="Source group (repeatable)."),
    lang: list[str] | None = Query(None, description="Language code (repeatable)."),
    since: str | None = Query(None, description="From this day, YYYY-MM-DD (UTC)."),
    until: str | None = Query(None, description="Up to and including this day, YYYY-MM-DD."),
    frame: str | None = Query(None, description="Documents labelled with this frame."),
    technique: str | None = Query(None, description="Documents with a span of this persuasion technique."),
    entity: str | None = Query(None, description="Documents mentioning this watch-listed entity id."),
    cluster: str | None = Query(None, description="Members of this re-post cluster."),
) -> None:
    """Declares the filters for the schema; `SearchForm` reads them from the query string."""


Filters = Depends(search_filters)


def _document(d: Document) -> DocumentOut:
    return DocumentOut(id=d.id, source_id=d.source_id, native_id=d.native_id, title=d.title, text=d.text, url=d.url,
                       author=d.author, published_at=d.published_at, collected_at=d.collected_at,
                       language=d.language, content_hash=d.content_hash)


def _source(s: Source, documents: int | None = None) -> SourceOut:
    return SourceOut(id=s.id, kind=s.kind, name=s.name, handle=s.handle, url=s.url, language=s.language,
                     groups=s.groups, documents=documents)


def _span(s: Span, text: str) -> SpanOut:
    return SpanOut(id=s.id, start=s.start, end=s.end, layer=s.layer, label=s.label, score=s.score,
                   producer=s.producer, producer_version=s.producer_version, attributes=s.attributes or {},
                   text=text[s.start:s.end])


@router.get("/documents", response_model=DocumentPage, summary="Documents, newest first, with search filters")
def list_documents(request: Request, page: int = Page, per_page: int = PerPage, _filters: None = Filters,
                   who: Principal = Depends(viewer)):
    form = SearchForm.from_params(request.query_params, per_page=per_page)
    form.q, form.sort, form.page = "", "newest", page
    results = context(request).store.search(form.query())
    return DocumentPage(items=[_document(h.document) for h in results.hits], page=page, per_page=per_page,
                        total=results.total)


@router.get("/documents/{document_id}", response_model=DocumentDetail)
def get_document(request: Request, document_id: RowId, who: Principal = Depends(viewer)):
    store = context(request).store
    d = store.get_document(document_id)
    store.audit(who.name, "view-document", str(document_id), {"via": "api"})
    return DocumentDetail(**_document(d).model_dump(), source=_source(store.get_source(d.source_id)),
                          spans=[_span(s, d.text) for s in store.get_spans(document_id)],
                          labels=[LabelOut(layer=l.layer, label=l.label, score=l.score, producer=l.producer)
                                  for l in store.get_labels(document_id)],
                          cluster_id=store.cluster_ids([document_id]).get(document_id))


@router.get("/documents/{document_id}/spans", response_model=SpanPage,
            summary="A document's spans (as stored), optionally of some layers")
def get_spans(request: Request, document_id: RowId, layer: list[str] | None = Query(None),
              page: int = Page, per_page: int = Query(100, ge=1, le=1000), who: Principal = Depends(viewer)):
    store = context(request).store
    text = store.get_document(document_id).text
    found = store.get_spans(document_id, layer or None)
    chunk = found[(page - 1) * per_page: page * per_page]
    return SpanPage(items=[_span(s, text) for s in chunk], page=page, per_page=per_page, total=len(found))


@router.get("/search", response_model=SearchPage, summary="Full-text search (Arabic-aware) with filters")
def search(request: Request, q: str = Query("", max_length=500), page: int = Page, per_page: int = PerPage,
           sort: Literal["relevance", "newest", "oldest"] = "relevance", _filters: None = Filters,
           who: Principal = Depends(viewer)):
    form = SearchForm.from_params(request.query_params, per_page=per_page)
    results = context(request).store.search(form.query())
    return SearchPage(items=[Hit(document=_document(h.document), source=_source(h.source), rank=h.rank,
                                 snippet=[Fragment(text=f.text, highlighted=f.highlighted) for f in h.snippet])
                             for h in results.hits],
                      page=form.page, per_page=per_page, total=results.total,
                      total_is_lower_bound=results.total_is_lower_bound)


@router.get("/sources", response_model=SourcePage, summary="Sources with their groups and document counts")
def list_sources(request: Request, page: int = Page, per_page: int = PerPage, who: Principal = Depends(viewer)):
    store = context(request).store
    rows = store.status()["sources"]
    chunk = rows[(page - 1) * per_page: page * per_page]
    sources = {s.id: s for s in store.list_sources()}
    return SourcePage(items=[_source(sources[row["id"]], row["documents"]) for row in chunk if row["id"] in sources],
                      page=page, per_page=per_page, total=len(rows))


@router.post("/sources/{source_id}/groups", response_model=SourceOut)
def edit_groups(request: Request, source_id: RowId, edit: GroupEdit, x_csrf_token: str | None = Header(None),
                who: Principal = Depends(analyst)):
    check_csrf(who, x_csrf_token)
    store = context(request).store
    source = store.get_source(source_id)
    store.add_source_groups(source_id, [g.strip()[:128] for g in edit.add if g.strip()])
    store.remove_source_groups(source_id, edit.remove)
    store.audit(who.name, "source-groups", source.name, {"add": edit.add, "remove": edit.remove, "via": "api"})
    return _source(store.get_source(source_id))


@router.get("/imports", response_model=ImportPage)
def list_imports(request: Request, page: int = Page, per_page: int = PerPage, who: Principal = Depends(viewer)):
    store = context(request).store
    chunk = store.list_imports(limit=page * per_page)[(page - 1) * per_page:]
    return ImportPage(items=[ImportOut(id=r.id, importer=r.importer, arguments=r.arguments, started_at=r.started_at,
                                       finished_at=r.finished_at, new=r.new, duplicate=r.duplicate,
                                       rejected=r.rejected, status=r.status) for r in chunk],
                      page=page, per_page=per_page, total=browse.count_imports(store))


class ImportResult(BaseModel):
    import_id: int
    file: str
    new: int
    duplicate: int
    rejected: int
    rejections: list[str]


@router.post("/imports", response_model=ImportResult, status_code=201, summary="Upload a file and import it")
def create_import(request: Request, importer: str = Form(..., max_length=64), upload: UploadFile = File(...),
                  source_name: str = Form("", max_length=512), groups: list[str] = Form([]),
                  preset: str = Form("", max_length=128), x_csrf_token: str | None = Header(None),
                  who: Principal = Depends(analyst)):
    check_csrf(who, x_csrf_token)
    web = context(request)
    options = ImportOptions(source_name=source_name.strip() or None,
                            groups=tuple(g.strip()[:128] for g in groups[:20] if g.strip()), preset=preset.strip() or None)
    try:
        name, report = uploads.import_upload(web.workspace, web.store, importer, upload.filename, upload.file,
                                             options, who.name, web.max_upload_bytes)
    except uploads.UploadRejected as error:
        raise HTTPException(413 if "upload limit" in str(error) else 400, str(error)) from error
    return ImportResult(import_id=report.import_id, file=name, new=report.new, duplicate=report.duplicate,
                        rejected=report.rejected, rejections=[str(r) for r in report.sample_rejections[:20]])


@router.get("/timelines/frames", response_model=Timeline, summary="Documents per frame per day or week per group")
def frame_timeline(request: Request, interval: Literal["day", "week"] = "week",
                   measure: Literal["count", "share"] = "count", group: list[str] | None = Query(None),
                   since: str | None = Query(None, description="From this day, YYYY-MM-DD."),
                   until: str | None = Query(None, description="Up to and including this day, YYYY-MM-DD."),
                   who: Principal = Depends(viewer)):
    dates = SearchForm.from_params(request.query_params).document_filter()
    timeline = browse.frame_timeline(context(request).store, interval,
                                     DocumentFilter(groups=group or [], since=dates.since, until=dates.until))
    groups: dict[str, dict[str, list[float]]] = {}
    for name, per_frame in timeline.groups.items():
        totals = timeline.totals[name]
        groups[name] = {frame: ([round(n / t, 4) if t else 0.0 for n, t in zip(counts, totals)]
                                if measure == "share" else [float(n) for n in counts])
                        for frame, counts in per_frame.items()}
    return Timeline(interval=interval, measure=measure, buckets=[b.isoformat() for b in timeline.buckets],
                    frames=timeline.frames, groups=groups, totals=timeline.totals)


@router.get("/status", summary="Counts by source, group, language and analysis state")
def status(request: Request, who: Principal = Depends(viewer)) -> dict[str, Any]:
    return context(request).store.status()


class AnnotationOut(BaseModel):
    id: int
    key: str  # document:start-end, the sentence key `frameline annotate accept KEY FRAME` takes
    start: int
    end: int
    text: str  # the sentence as annotated
    codebook: str
    codebook_version: str
    frame: str
    decision: str
    annotator: str
    created_at: datetime
    machine_score: float | None
    note: str | None


class FrameOut(BaseModel):
    codebook: str
    id: str
    name: str
    parent: str
    parent_name: str


@router.get("/frames", response_model=list[FrameOut], summary="The frames of the active codebooks (annotation labels)")
def frames(request: Request, who: Principal = Depends(viewer)):
    try:
        infos = context(request).annotations.frame_labels()
    except ValueError as error:  # a codebook file that does not validate
        raise HTTPException(409, str(error)) from error
    return [FrameOut(codebook=i.codebook, id=i.id, name=i.name, parent=i.parent, parent_name=i.parent_name)
            for i in infos]


@router.get("/documents/{document_id}/annotations", response_model=list[AnnotationOut],
            summary="Analysts' frame decisions on this document's sentences (web page and CLI alike)")
def list_annotations(request: Request, document_id: RowId,
                     history: bool = Query(False, description="Every decision ever made, not only each annotator's "
                                                              "latest per sentence and frame."),
                     who: Principal = Depends(viewer)):
    store = context(request).store
    store.get_document(document_id)
    if history:
        rows = annotation_store.list_annotations(store, document_id=document_id)
    else:
        rows = sorted(annotation_store.current_decisions(store, document_id).values(), key=lambda a: a.id)
    return [AnnotationOut(id=a.id, key=f"{a.document_id}:{a.start}-{a.end}", start=a.start, end=a.end,
                          text=a.sentence, codebook=a.codebook, codebook_version=a.codebook_version, frame=a.frame,
                          decision=a.decision, annotator=a.annotator, created_at=a.created_at,
                          machine_score=a.machine_score, note=a.note) for a in rows]


@router.post("/annotations", response_model=Created, status_code=201,
             summary="Accept, reject or add a frame on a sentence (stored with the caller as annotator)")
def annotate(request: Request, annotation: AnnotationIn, x_csrf_token: str | None = Header(None),
             who: Principal = Depends(analyst)):
    check_csrf(who, x_csrf_token)
    web = context(request)
    web.store.get_document(annotation.document_id)
    try:
        created = web.annotations.record(annotation.document_id, annotation.start, annotation.end, annotation.frame,
                                         annotation.decision, who.name, annotation.note)
    except ValueError as error:
        raise HTTPException(422, str(error)) from error
    web.store.audit(who.name, "annotate", str(annotation.document_id),
                    annotation.model_dump() | {"via": "api", "annotation_id": created})
    return Created(id=created)


@router.get("/audit", summary="The audit log, newest first (admins)")
def audit(request: Request, limit: int = Query(100, ge=1, le=1000), who: Principal = Depends(admin)) -> list[dict[str, Any]]:
    return context(request).store.audit_entries(limit)
