"""The reading pages: overview, search (with export), document (frames over time: `pages_insights`)."""

from __future__ import annotations

import io
import json

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from frameline.reports.exports import write_csv, write_jsonl, export_records
from frameline.store import QuerySyntaxError, SearchQuery, browse
from frameline.web.app import RowId, context, render
from frameline.web.auth import Principal, require
from frameline.web.display import TECHNIQUE_COVERAGE_LAYER, no_highlights_note, technique_coverage
from frameline.web.downloads import download
from frameline.web.highlight import LAYER_NAMES, LAYER_ORDER, evidence, hover_heading, layer_class
from frameline.web.highlight import render as render_highlights
from frameline.web.search_params import SearchForm
from frameline.web.starting_points import starting_points

router = APIRouter(include_in_schema=False)
DISPLAY_LIMIT = 1_000_000  # characters shown on the document page; exports and the API carry the rest
viewer = require("viewer")
analyst = require("analyst")


def filter_choices(request: Request) -> dict:
    store = context(request).store
    return {
        "sources": store.list_sources(),
        "groups": sorted({group for source in store.list_sources() for group in source.groups}),
        "languages": browse.languages(store),
        "frames": browse.label_counts(store, "frame"),
        "techniques": browse.label_counts(store, "technique", spans_too=True),
        "entities": browse.label_counts(store, "entity", limit=100),
    }


@router.get("/", response_class=HTMLResponse)
def overview(request: Request, who: Principal = Depends(viewer)):
    store = context(request).store
    status = store.status()
    newest = browse.newest_documents(store, 12)
    documents = store.get_documents(newest)
    sources = {source.id: source for source in store.list_sources()}
    unit, per_day = browse.activity(store)
    return render(request, "overview.html", status=status,
                  newest=[(documents[i], sources[documents[i].source_id]) for i in newest if i in documents],
                  per_day=per_day, unit=unit, max_per_day=max([n for _, n in per_day] or [1]),
                  imports=store.list_imports(5), frames=browse.label_counts(store, "frame", 12),
                  start=starting_points(store, context(request).workspace, sorted(status["groups"])))


@router.get("/search", response_class=HTMLResponse)
def search(request: Request, who: Principal = Depends(viewer)):
    store = context(request).store
    error, results, form = None, None, SearchForm()
    try:
        form = SearchForm.from_params(request.query_params)
        if not form.is_empty:
            results = store.search(form.query())
    except QuerySyntaxError as problem:
        error = str(problem)
    pages = 0
    if results is not None:
        pages = min(-(-results.total // form.per_page), 500)
    return render(request, "search.html", form=form, results=results, error=error, pages=pages,
                  **filter_choices(request), status_code=400 if error else 200)


@router.get("/export")
def export(request: Request, format: str = "csv", who: Principal = Depends(analyst)):
    """The current search's documents (all pages) as CSV or JSONL; every export is in the audit log."""
    web = context(request)
    if format not in ("csv", "jsonl"):
        raise QuerySyntaxError("format must be csv or jsonl")
    form = SearchForm.from_params(request.query_params)
    document_filter = form.document_filter()
    if form.q:  # the text query narrows to the matching ids (capped like search totals)
        ids, offset = [], 0
        while True:
            page = web.store.search(SearchQuery(form.q, document_filter, limit=1000, offset=offset))
            ids += [hit.document.id for hit in page.hits]
            if len(page.hits) < 1000 or offset >= 9000:
                break
            offset += 1000
        document_filter.document_ids = ids or [-1]
    buffer = io.StringIO()
    count = (write_csv if format == "csv" else write_jsonl)(export_records(web.store, document_filter), buffer)
    web.store.audit(who.name, "export", "web", {"format": format, "documents": count, "search": form.params()})
    return download(buffer.getvalue(), format)


@router.get("/documents/{document_id}", response_class=HTMLResponse)
def document(request: Request, document_id: RowId, who: Principal = Depends(viewer)):
    web = context(request)
    store = web.store
    doc = store.get_document(document_id)
    source = store.get_source(doc.source_id)
    spans = [s for s in store.get_spans(document_id) if s.layer != "link" and s.start < DISPLAY_LIMIT]
    labels = store.get_labels(document_id)
    span_data = [{"layer": s.layer, "label": s.label, "score": s.score, "producer": f"{s.producer} {s.producer_version}",
                  "heading": hover_heading(s), "evidence": evidence(s, doc.text), "text": doc.text[s.start:s.end][:300]}
                 for s in spans]
    layers = {}
    for s in spans:
        layers[layer_class(s.layer)] = layers.get(layer_class(s.layer), 0) + 1
    cluster_id = store.cluster_ids([document_id]).get(document_id)
    cluster = store.get_cluster(cluster_id) if cluster_id is not None else None
    siblings = []
    if cluster is not None:
        member_ids = [m.document_id for m in store.cluster_members(cluster_id) if m.document_id != document_id][:30]
        siblings = _with_sources(store, member_ids)
    elsewhere = _with_sources(store, browse.same_content(store, doc.content_hash, document_id))
    store.audit(who.name, "view-document", str(document_id))
    return render(request, "document.html", doc=doc, source=source,
                  text_html=render_highlights(doc.text[:DISPLAY_LIMIT], spans),
                  truncated=len(doc.text) > DISPLAY_LIMIT,
                  span_json=json.dumps(span_data, ensure_ascii=False), layers=layers,
                  layer_order=[*LAYER_ORDER, "other"], layer_names=LAYER_NAMES,
                  labels=[l for l in labels if l.layer != TECHNIQUE_COVERAGE_LAYER],
                  techniques_note=technique_coverage(labels),
                  no_highlights=None if layers else no_highlights_note(browse.analysers_of(store, document_id), labels),
                  cluster=cluster, siblings=siblings, elsewhere=elsewhere)


def _with_sources(store, ids: list[int]) -> list[tuple]:  # noqa: ANN001
    found = store.get_documents(ids)
    sources = {source.id: source for source in store.list_sources()}
    return [(found[i], sources[found[i].source_id]) for i in ids if i in found]
