"""The JSON API behind the insight and monitoring pages: compare, re-post clusters, events and monitored feeds.

Same rules as `web.api` (viewers read, analysts change; a cookie caller sends
`X-CSRF-Token`; lists carry `items`, `page`, `per_page`, `total`).  Every
number is what the matching page shows, from the same `frameline.insights`
call with the same arguments, so a script and an analyst never disagree.
"""

from __future__ import annotations

from datetime import date, datetime

from fastapi import APIRouter, Depends, Header, HTTPException, Path, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from frameline.insights.contrast import contrast_groups
from frameline.insights.propagation import SourceSpread, SpreadPoint, cluster_spread
from frameline.insights.selection import SelectionError
from frameline.store import QuerySyntaxError, StoreError, browse
from frameline.store.base import ClusterSummary, Event
from frameline.store.query import DocumentFilter
from frameline.web import monitoring
from frameline.web.app import RowId, context
from frameline.web.auth import Principal, check_csrf, require
from frameline.web.pages_insights import compare_sides, day_start

router = APIRouter(prefix="/api/v1", tags=["insights"])
viewer, analyst = require("viewer"), require("analyst")
Page = Query(1, ge=1, le=500)
PerPage = Query(20, ge=1, le=100)
EVIDENCE_PER_SIDE, TOP_TERMS = 3, 15  # as the Compare page asks for
SIDE_HELP = "group:NAME[,NAME], source:NAME_OR_ID[,…], search:QUERY or event:NAME (a bare word is a group)"


# -- compare ----------------------------------------------------------------------------


class ShareOut(BaseModel):
    documents: int = Field(description="Documents of the side that carry the frame.")
    share: float
    ci_low: float = Field(description="95% Wilson interval, lower end.")
    ci_high: float = Field(description="95% Wilson interval, upper end.")


class EvidenceOut(BaseModel):
    document_id: int
    source: str
    published_at: str | None
    score: float | None
    sentence: str


class FrameContrastOut(BaseModel):
    frame: str
    name: str
    a: ShareOut
    b: ShareOut
    difference: float = Field(description="Share of A minus share of B.")
    z: float
    p_value: float = Field(description="Two-proportion z-test, two-sided.")
    p_adjusted: float = Field(description="Holm-adjusted over all the frames compared.")
    significant: bool = Field(description="p_adjusted below alpha.")
    evidence_a: list[EvidenceOut]
    evidence_b: list[EvidenceOut]


class WordOut(BaseModel):
    word: str
    count_a: int
    count_b: int
    z: float = Field(description="Weighted log-odds z: > 0 distinctive of A, < 0 of B.")


class LanguageTermsOut(BaseModel):
    language: str
    tokens_a: int
    tokens_b: int
    documents_a: int
    documents_b: int
    top_a: list[WordOut]
    top_b: list[WordOut]


class ContrastOut(BaseModel):
    a: str
    b: str
    event: str | None
    documents_a: int
    documents_b: int
    correction: str
    alpha: float
    frames: list[FrameContrastOut]
    terms: list[LanguageTermsOut] = Field(description="Distinctive words per language both sides write in.")


@router.get("/compare", response_model=ContrastOut, summary="How two sides differ in their frames (the Compare page)",
            responses={422: {"description": "A side or the event cannot be understood or is not in the workspace."}})
def compare(request: Request, a: str = Query(..., min_length=1, max_length=500, description=SIDE_HELP),
            b: str = Query(..., min_length=1, max_length=500, description=SIDE_HELP),
            event: str = Query("", max_length=128, description="Restrict both sides to this stored event."),
            who: Principal = Depends(viewer)):
    store = context(request).store
    try:
        side_a, side_b, found = compare_sides(store, a.strip(), b.strip(), event.strip())
        result = contrast_groups(store, side_a, side_b, event_name=found.name if found else None,
                                 evidence_per_side=EVIDENCE_PER_SIDE, top_terms=TOP_TERMS)
    except (SelectionError, QuerySyntaxError) as problem:
        raise HTTPException(422, str(problem)) from problem
    return ContrastOut.model_validate(result.to_dict())


# -- re-post clusters -------------------------------------------------------------------


class ClusterPage(BaseModel):
    items: list[ClusterSummary] = Field(description="Largest first; the first document is the earliest member.")
    page: int
    per_page: int
    total: int


class ClusterDetail(BaseModel):
    summary: ClusterSummary
    first_seen: str | None
    last_seen: str | None
    per_source: list[SourceSpread] = Field(description="Each source's first and last post, earliest first.")
    curve: list[SpreadPoint] = Field(description="The spread curve, one point per member in time order "
                                                 "(documents and sources cumulative).")
    member_ids: list[int]


@router.get("/clusters", response_model=ClusterPage, summary="Re-post clusters, largest first")
def list_clusters(request: Request, min_size: int = Query(2, ge=1, le=2**31), page: int = Page,
                  per_page: int = PerPage, who: Principal = Depends(viewer)):
    store = context(request).store
    chunk = store.list_clusters(min_size=min_size, limit=page * per_page)[(page - 1) * per_page:]
    return ClusterPage(items=chunk, page=page, per_page=per_page,
                       total=browse.count_clusters(store, min_size))


@router.get("/clusters/{cluster_id}", response_model=ClusterDetail,
            summary="Who carried a cluster and when (the cluster page)",
            responses={404: {"description": "No such cluster."}})
def get_cluster(request: Request, cluster_id: RowId, who: Principal = Depends(viewer)):
    store = context(request).store
    spread = cluster_spread(store, cluster_id)  # an unknown id is a StoreError "no re-post cluster …": 404
    summary = store.get_cluster(cluster_id)
    assert summary is not None  # cluster_spread has just found it
    return ClusterDetail(summary=summary, first_seen=spread.first_seen, last_seen=spread.last_seen,
                         per_source=spread.sources, curve=spread.curve,
                         member_ids=[point.document_id for point in spread.curve])


# -- events -----------------------------------------------------------------------------


class EventIn(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    name: str = Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$",
                      description="Letters, digits, '.', '_' or '-', e.g. mosul-2017.")
    from_: date | None = Field(None, alias="from", description="First day, inclusive (UTC).")
    to: date | None = Field(None, description="Last day, inclusive (UTC); not before `from`.")
    query: str = Field("", max_length=500,
                       description='Search text the documents must match, e.g. "Mosul OR الموصل".')
    description: str | None = Field(None, max_length=2000)


class EventOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    name: str
    from_: date | None = Field(alias="from", description="First day, inclusive.")
    to: date | None = Field(description="Last day, inclusive.")
    starts_at: datetime | None
    ends_at: datetime | None = Field(description="The window's end, exclusive.")
    query: str
    description: str | None
    created_at: datetime | None


class EventDetail(EventOut):
    documents: int = Field(description="Documents in the window that match the query: what insights restrict to.")


class EventPage(BaseModel):
    items: list[EventOut]
    page: int
    per_page: int
    total: int


def _event(event: Event) -> EventOut:
    return EventOut(name=event.name, from_=event.starts_at.date() if event.starts_at else None,
                    to=event.last_day, starts_at=event.starts_at, ends_at=event.ends_at, query=event.query,
                    description=event.description, created_at=event.created_at)


def _event_detail(store, event: Event) -> EventDetail:  # noqa: ANN001
    if event.query.strip():
        documents = store.match_event_documents(event)
    else:
        documents = store.count_documents(DocumentFilter(since=event.starts_at, until=event.ends_at))
    return EventDetail(**_event(event).model_dump(), documents=documents)


@router.get("/events", response_model=EventPage, summary="The workspace's events (named windows with a query)")
def list_events(request: Request, page: int = Page, per_page: int = PerPage, who: Principal = Depends(viewer)):
    found = context(request).store.list_events()
    return EventPage(items=[_event(e) for e in found[(page - 1) * per_page: page * per_page]], page=page,
                     per_page=per_page, total=len(found))


@router.get("/events/{name}", response_model=EventDetail, responses={404: {"description": "No such event."}})
def get_event(request: Request, name: str = Path(..., min_length=1, max_length=128),
              who: Principal = Depends(viewer)):
    store = context(request).store
    event = store.get_event(name)
    if event is None:
        raise HTTPException(404, f"no event called {name!r}")
    return _event_detail(store, event)


@router.post("/events", response_model=EventDetail, status_code=201,
             summary="Define an event (as `frameline events add`)",
             responses={409: {"description": "An event of that name exists."},
                        422: {"description": "The window ends before it starts, or the query does not parse."}})
def create_event(request: Request, event: EventIn, x_csrf_token: str | None = Header(None),
                 who: Principal = Depends(analyst)):
    check_csrf(who, x_csrf_token)
    store = context(request).store
    if event.from_ and event.to and event.to < event.from_:
        raise HTTPException(422, f"the event ends ({event.to}) before it starts ({event.from_})")
    if store.get_event(event.name) is not None:
        raise HTTPException(409, f"an event called {event.name!r} exists")
    try:
        stored = store.add_event(Event(event.name, day_start(event.from_), day_start(event.to, end=True),
                                       event.query.strip(), event.description))
    except QuerySyntaxError as problem:
        raise HTTPException(422, f"query: {problem}") from problem
    except StoreError as problem:  # lost a race to another writer of the same name
        raise HTTPException(409 if "exists" in str(problem) else 422, str(problem)) from problem
    detail = _event_detail(store, stored)
    store.audit(who.name, "event-add", stored.name, {"from": str(detail.from_) if detail.from_ else None,
                                                     "to": str(detail.to) if detail.to else None,
                                                     "query": stored.query, "via": "api"})
    return detail


# -- monitored feeds --------------------------------------------------------------------


class FeedOut(BaseModel):
    kind: str
    target: str
    every: str = Field(description="How often `frameline watch` polls it, e.g. 15m or 1h.")
    groups: list[str]
    last_attempt_at: datetime | None = Field(description="The last poll; null when not polled yet.")
    last_success_at: datetime | None
    outcome: str | None = Field(description="new, unchanged, not-modified, failed or refused.")
    error: str | None = Field(description="The last failure's reason, cleared by a success.")
    failures: int = Field(description="Consecutive failed polls (the back-off grows with them).")
    next_due_at: datetime | None
    last_new: int
    total_new: int
    polls: int


class FeedPage(BaseModel):
    items: list[FeedOut]
    page: int
    per_page: int
    total: int


class FeedIn(BaseModel):
    url: str = Field(min_length=1, max_length=2000, description="An http:// or https:// RSS or Atom feed.")
    groups: list[str] = Field(default_factory=list, max_length=20)
    every_minutes: int = Field(60, ge=5, le=7 * 24 * 60, description="Poll interval, 5 minutes to a week.")


def _feed(feed: monitoring.WatchedFeed) -> FeedOut:
    status = feed.status or {}
    return FeedOut(kind=feed.kind, target=feed.target, every=feed.every, groups=feed.groups,
                   last_attempt_at=status.get("last_attempt_at"), last_success_at=status.get("last_success_at"),
                   outcome=status.get("outcome"), error=status.get("error"), failures=status.get("failures") or 0,
                   next_due_at=status.get("next_due_at"), last_new=status.get("last_new") or 0,
                   total_new=status.get("total_new") or 0, polls=status.get("polls") or 0)


@router.get("/feeds", response_model=FeedPage, summary="Monitored feeds with their last poll (the Sources page)")
def list_feeds(request: Request, page: int = Page, per_page: int = PerPage, who: Principal = Depends(viewer)):
    web = context(request)
    feeds = monitoring.watched_feeds(web.workspace, web.store)
    return FeedPage(items=[_feed(f) for f in feeds[(page - 1) * per_page: page * per_page]], page=page,
                    per_page=per_page, total=len(feeds))


@router.post("/feeds", response_model=FeedOut, status_code=201,
             summary="Monitor a feed: recorded for `frameline watch`; 201 when new, 200 when it replaced one",
             responses={200: {"description": "The feed was watched already; its entry was replaced."},
                        422: {"description": "The address or interval cannot be monitored."}})
def add_feed(request: Request, response: Response, feed: FeedIn, x_csrf_token: str | None = Header(None),
             who: Principal = Depends(analyst)):
    check_csrf(who, x_csrf_token)
    web = context(request)
    groups = [g.strip()[:128] for g in feed.groups if g.strip()]
    try:
        is_new = monitoring.add_feed(web.workspace, feed.url, feed.every_minutes, tuple(groups))
    except monitoring.FeedRejected as error:
        raise HTTPException(422, str(error)) from error
    web.store.audit(who.name, "feed-added", feed.url.strip(),
                    {"groups": groups, "every_minutes": feed.every_minutes, "via": "api"})
    if not is_new:
        response.status_code = 200
    target = feed.url.strip()
    return next(_feed(f) for f in monitoring.watched_feeds(web.workspace, web.store) if f.target == target)
