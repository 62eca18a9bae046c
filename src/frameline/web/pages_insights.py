"""The insight pages: frames over time with change points, compare two sides, re-post clusters.

Every number on these pages comes from `frameline.insights` (the same calls
`frameline timeline`, `compare` and `propagation` make); this module only picks
the sides and the window from the URL, so a page is a link an analyst can
share, and hands the results to the templates and to `web.charts`.
"""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date, datetime, time, timedelta, timezone
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from markupsafe import Markup

from frameline.insights.contrast import contrast_groups
from frameline.insights.propagation import cluster_spread
from frameline.insights.selection import Selection, SelectionError, event_named, parse_selection
from frameline.insights.timelines import Timeline, frame_timeline
from frameline.reports.brief import figure_json
from frameline.reports.tables import write_rows
from frameline.store import QuerySyntaxError, browse
from frameline.store.base import Event
from frameline.store.query import DocumentFilter
from frameline.web import charts
from frameline.web.app import RowId, context, render
from frameline.web.auth import Principal, require
from frameline.web.downloads import download

router = APIRouter(include_in_schema=False)
viewer = require("viewer")
analyst = require("analyst")
DAILY_UP_TO_DAYS = 120  # a window up to this long is drawn per day, longer ones per week
# With no window given, outlying stretches (after a gap of STRAGGLER_GAP of the span) that together hold
# under STRAGGLER_SHARE of the frame labels (and under GROUP_KEEPS of any group's) are left out of the default view.
STRAGGLER_SHARE, GROUP_KEEPS, STRAGGLER_GAP, MIN_GAP = 0.05, 0.5, 0.1, 4
MAX_CLUSTERS = 500
MAX_MEMBERS_SHOWN = 300


def _groups(store) -> list[str]:  # noqa: ANN001
    return sorted({group for source in store.list_sources() for group in source.groups})


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat((value or "")[:10]) if value else None
    except ValueError:
        return None


def day_start(day: date | None, end: bool = False) -> datetime | None:
    """The start of a day (or of the next one, for an inclusive last day) in UTC."""
    if day is None:
        return None
    return datetime.combine(day + timedelta(days=1 if end else 0), time.min, tzinfo=timezone.utc)


def _event(store, name: str | None) -> Event | None:  # noqa: ANN001
    """A stored event by name; an unknown name is ignored rather than failing the page."""
    if not name or store.get_event(name) is None:
        return None
    return event_named(store, name)


def figure_block(figure: dict) -> Markup:
    return Markup(figure_json(figure))


# -- frames over time -------------------------------------------------------------------


def _frame_totals(timeline: Timeline) -> list[int]:
    """Frame labels per bucket over all groups and frames."""
    return [sum(series.volume[i] for group in timeline.groups for series in group.frames)
            for i in range(len(timeline.buckets))]


def _trimmed(timeline: Timeline) -> Timeline:
    """Without the leading and trailing buckets in which no group has a frame label (layout only)."""
    totals = _frame_totals(timeline)
    used = [i for i, total in enumerate(totals) if total]
    if not used:
        return replace(timeline, buckets=[], groups=[])
    first, last = used[0], used[-1] + 1
    groups = []
    for group in timeline.groups:
        frames = [replace(series, volume=series.volume[first:last], share=series.share[first:last],
                          change_points=[replace(point, index=point.index - first) for point in series.change_points
                                         if first <= point.index < last])
                  for series in group.frames]
        groups.append(replace(group, documents=group.documents[first:last], frames=frames))
    return replace(timeline, buckets=timeline.buckets[first:last], groups=groups)


def default_window(timeline: Timeline) -> tuple[date, date] | None:
    """The buckets that hold the story, without stragglers: (first day, last day), or None without labels.

    A corpus with a few posts from years before its main story would otherwise
    squash the story into a sliver of the chart.  The labelled buckets are split
    at empty gaps of at least STRAGGLER_GAP of the span (and MIN_GAP buckets);
    leading and trailing pieces are left out while they hold under STRAGGLER_SHARE
    of all frame labels and under GROUP_KEEPS of any one group's (so a small
    group's own stretch is never cut).  A series without such gaps is kept whole.
    """
    per_group = [[sum(series.volume[i] for series in group.frames) for i in range(len(timeline.buckets))]
                 for group in timeline.groups]
    totals = _frame_totals(timeline)
    if not sum(totals):
        return None
    gap = max(MIN_GAP, round(STRAGGLER_GAP * len(totals)))
    pieces: list[list[int]] = []  # [first, last] bucket of each run of labelled buckets without a long gap
    for index, total in enumerate(totals):
        if total and pieces and index - pieces[-1][1] <= gap:
            pieces[-1][1] = index
        elif total:
            pieces.append([index, index])

    def droppable(chosen: list[list[int]]) -> bool:
        def held(counts: list[int]) -> int:
            return sum(sum(counts[a:b + 1]) for a, b in chosen)

        return held(totals) < STRAGGLER_SHARE * sum(totals) and all(
            held(counts) < GROUP_KEEPS * sum(counts) for counts in per_group if sum(counts))

    first, last = 0, len(pieces) - 1
    while first < last and droppable(pieces[:first + 1] + pieces[last + 1:]):
        first += 1
    while last > first and droppable(pieces[:first] + pieces[last:]):
        last -= 1
    step = timedelta(days=1 if timeline.interval == "day" else 7)
    return (date.fromisoformat(timeline.buckets[pieces[first][0]]),
            date.fromisoformat(timeline.buckets[pieces[last][1]]) + step - timedelta(days=1))


def _sides(store, groups: list[str], since: date | None, until: date | None,  # noqa: ANN001
           event: Event | None) -> list[Selection]:
    window = DocumentFilter(since=day_start(since), until=day_start(until, end=True))
    sides = [Selection(group, replace(window, groups=[group])) for group in groups] or [Selection("all documents", window)]
    return [side.restricted_to(event) for side in sides]


def _events_within(events: list[Event], timeline: Timeline) -> list[tuple[str, str, str]]:
    """(name, first day, last day) of the stored events that overlap the charted buckets, clipped to them."""
    first = timeline.buckets[0]
    last = (date.fromisoformat(timeline.buckets[-1]) + timedelta(days=6 if timeline.interval == "week" else 0)).isoformat()
    found = []
    for event in events:
        if event.starts_at is None or event.ends_at is None:
            continue
        start, end = event.starts_at.date().isoformat(), (event.ends_at - timedelta(seconds=1)).date().isoformat()
        if start <= last and end >= first:
            found.append((event.name, max(start, first), min(end, last)))
    return found


@router.get("/frames", response_class=HTMLResponse)
def frames(request: Request, who: Principal = Depends(viewer)):
    store = context(request).store
    params = request.query_params
    groups = _groups(store)
    chosen = [g for g in params.getlist("group") if g in groups]
    measure = "share" if params.get("measure") == "share" else "count"
    events = store.list_events()
    event = _event(store, params.get("event"))
    since, until = _day(params.get("since")), _day(params.get("until"))
    asked = (since.isoformat() if since else "", until.isoformat() if until else "")  # what the form shows
    all_frames = [label for label, _count in browse.label_counts(store, "frame", limit=1000)]
    colours = charts.frame_colours(all_frames)
    defaulted = None
    if all_frames and since is None and until is None and event is None:
        # No window asked for: the stretch that holds the story, without stragglers (see default_window).
        overview = frame_timeline(store, _sides(store, chosen or groups, None, None, None), interval="week",
                                  frames=all_frames, detect=False)
        window = default_window(overview)
        if window is not None:
            full = (date.fromisoformat(overview.buckets[0]), date.fromisoformat(overview.buckets[-1]))
            if window[0] > full[0] or window[1] < full[1] - timedelta(days=6):
                defaulted = window
            since, until = window
    span_days = None
    if since and until:
        span_days = (until - since).days
    elif event is not None and event.starts_at and event.ends_at:
        span_days = (event.ends_at - event.starts_at).days
    interval = params.get("interval") if params.get("interval") in ("day", "week") else (
        "day" if span_days is not None and span_days <= DAILY_UP_TO_DAYS else "week")
    timeline = None
    figures, quiet, shaded = [], [], []
    if all_frames:
        timeline = _trimmed(frame_timeline(store, _sides(store, chosen or groups, since, until, event),
                                           interval=interval, frames=all_frames, detect=True))
        if timeline.buckets:
            shaded = _events_within([e for e in events if event is None or e.name != event.name], timeline)
            figures = [(group.label, figure_block(charts.timeline_figure(timeline, group, measure, colours, shaded)))
                       for group in timeline.groups if any(sum(series.volume) for series in group.frames)]
            quiet = [group.label for group in timeline.groups if not any(sum(series.volume) for series in group.frames)]
    query = urlencode([("interval", interval), ("measure", measure), *(("group", g) for g in chosen),
                       *((("event", event.name),) if event else ()),
                       *((key, value) for key, value in (("since", asked[0]), ("until", asked[1])) if value)])
    return render(request, "frames.html", groups=groups, chosen=chosen, measure=measure, interval=interval,
                  events=events, event=event, since=asked[0], until=asked[1], defaulted=defaulted,
                  timeline=timeline, figures=figures, quiet=quiet, shaded=shaded, colours=colours, has_frames=bool(all_frames),
                  change_rows=sorted(((group.label, series, point) for group in (timeline.groups if timeline else [])
                                      for series in group.frames for point in series.change_points),
                                     key=lambda row: -abs(row[2].after - row[2].before)),
                  share_query=query)


# -- compare ----------------------------------------------------------------------------


def side_spec(params, side: str) -> str:  # noqa: ANN001
    """The side as `compare` takes it: a free search box wins over the dropdown."""
    text = (params.get(f"{side}_q") or "").strip()
    return f"search:{text}" if text else (params.get(side) or "").strip()


def compare_sides(store, spec_a: str, spec_b: str, event_name: str | None):  # noqa: ANN001, ANN201
    found = event_named(store, event_name or None)
    return parse_selection(store, spec_a).restricted_to(found), parse_selection(store, spec_b).restricted_to(found), found


def _compare_query(spec_a: str, spec_b: str, event: str) -> str:
    return urlencode([("a", spec_a), ("b", spec_b), *((("event", event),) if event else ())])


@router.get("/compare", response_class=HTMLResponse)
def compare(request: Request, who: Principal = Depends(viewer)):
    store = context(request).store
    params = request.query_params
    groups = _groups(store)
    spec_a, spec_b = side_spec(params, "a"), side_spec(params, "b")
    event_name = (params.get("event") or "").strip()
    if "a_q" in params or "b_q" in params:  # the form: on to the short URL that names the sides (to share)
        return RedirectResponse(f"/compare?{_compare_query(spec_a, spec_b, event_name)}", 303)
    if not spec_a and not spec_b and not params and len(groups) >= 2:
        spec_a, spec_b = f"group:{groups[0]}", f"group:{groups[1]}"  # a first visit shows a comparison at once
    result, error, status = None, None, 200
    if spec_a and spec_b:
        try:
            side_a, side_b, found = compare_sides(store, spec_a, spec_b, event_name)
            result = contrast_groups(store, side_a, side_b, event_name=found.name if found else None,
                                     evidence_per_side=3, top_terms=15)
        except (SelectionError, QuerySyntaxError) as problem:
            error, status = str(problem), 400
    elif spec_a or spec_b:
        error, status = "choose both sides", 400
    evidence_frames = []
    if result is not None:
        evidence_frames = [row for row in result.frames if row.significant] or result.frames[:3]
    return render(request, "compare.html", status_code=status, groups=groups, sources=store.list_sources(),
                  events=store.list_events(), spec_a=spec_a, spec_b=spec_b, event_name=event_name,
                  text_a=spec_a[7:] if spec_a.startswith("search:") else "",
                  text_b=spec_b[7:] if spec_b.startswith("search:") else "",
                  result=result, error=error, open_frames={row.frame for row in evidence_frames},
                  figure=figure_block(charts.contrast_figure(result)) if result and result.frames else None,
                  query=_compare_query(spec_a, spec_b, event_name))


@router.get("/compare/export")
def compare_export(request: Request, format: str = "csv", who: Principal = Depends(analyst)):
    """The contrast table (one row per frame) as CSV or JSONL; every export is in the audit log."""
    web = context(request)
    if format not in ("csv", "jsonl"):
        raise QuerySyntaxError("format must be csv or jsonl")
    params = request.query_params
    spec_a, spec_b, event_name = side_spec(params, "a"), side_spec(params, "b"), (params.get("event") or "").strip()
    if not spec_a or not spec_b:
        raise QuerySyntaxError("give both sides: a=… and b=…")
    side_a, side_b, found = compare_sides(web.store, spec_a, spec_b, event_name)
    result = contrast_groups(web.store, side_a, side_b, event_name=found.name if found else None,
                             evidence_per_side=0, terms=False)
    buffer = io.StringIO()
    count = write_rows(result.rows(), format, buffer)
    web.store.audit(who.name, "export", "web", {"view": "compare", "format": format, "rows": count,
                                                "a": spec_a, "b": spec_b, "event": event_name or None})
    return download(buffer.getvalue(), format, "frameline-compare")


# -- re-post clusters -------------------------------------------------------------------


@router.get("/clusters", response_class=HTMLResponse)
def clusters(request: Request, limit: int = 100, who: Principal = Depends(viewer)):
    store = context(request).store
    found = store.list_clusters(limit=max(1, min(limit, MAX_CLUSTERS)))
    sources = {source.id: source for source in store.list_sources()}
    firsts = store.get_documents([cluster.first_document_id for cluster in found])
    rows = [(cluster, sources.get(cluster.first_source_id), firsts.get(cluster.first_document_id)) for cluster in found]
    return render(request, "clusters.html", rows=rows, limit=limit)


@router.get("/clusters/{cluster_id}", response_class=HTMLResponse)
def cluster(request: Request, cluster_id: RowId, who: Principal = Depends(viewer)):
    store = context(request).store
    spread = cluster_spread(store, cluster_id)  # an unknown id is a StoreError "no re-post cluster …": 404
    summary = store.get_cluster(cluster_id)
    shown = spread.curve[:MAX_MEMBERS_SHOWN]
    documents = store.get_documents([point.document_id for point in shown])
    members = [(point, documents[point.document_id]) for point in shown if point.document_id in documents]
    first = documents.get(summary.first_document_id) if summary else None
    return render(request, "cluster.html", spread=spread, summary=summary, members=members, first=first,
                  more=len(spread.curve) - len(shown),
                  figure=figure_block(charts.spread_figure(spread)) if spread.curve else None)
