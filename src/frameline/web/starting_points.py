"""Where a first-time reader can start: the workspace's events, most-mentioned places and source groups as links.

Built only from what the workspace holds (stored events, entity labels the
analysers wrote, the watchlist's aliases, source groups), so an empty
workspace offers nothing and a new case offers its own material.  The
Overview shows these links and `make demo` prints them beside the CLI
commands, so both point at the same pages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import urlencode

from frameline.store import DocumentFilter, QuerySyntaxError, browse
from frameline.store.query import parse_query

MAX_PLACES = 4
MAX_ALIASES = 6  # per place search: enough for the main spellings and scripts, short enough to read


@dataclass(frozen=True)
class Link:
    title: str
    href: str
    note: str = ""


@dataclass
class EventLinks:
    name: str
    description: str
    window: str  # "2016-09-17 – 2016-11-16", both days included
    documents: Link
    frames: Link
    groups: list[Link] = field(default_factory=list)  # the window's documents of each group, with counts


@dataclass
class StartingPoints:
    events: list[EventLinks] = field(default_factory=list)
    places: list[Link] = field(default_factory=list)
    groups: list[tuple[Link, Link]] = field(default_factory=list)  # (documents, frames over time) per group

    @property
    def empty(self) -> bool:
        return not (self.events or self.places or self.groups)


def search_href(**params: object) -> str:
    pairs = [(key, value) for key, value in params.items() if value not in ("", None)]
    return "/search?" + urlencode(pairs)


def frames_href(**params: object) -> str:
    pairs = [(key, value) for key, value in params.items() if value not in ("", None)]
    return "/frames" + ("?" + urlencode(pairs) if pairs else "")


def event_links(store, groups: list[str]) -> list[EventLinks]:  # noqa: ANN001 - a SqlStore
    """Each stored event's window as searches (all, and per group with counts) and a frame chart."""
    found = []
    for event in store.list_events() if hasattr(store, "list_events") else []:
        since = f"{event.starts_at:%Y-%m-%d}" if event.starts_at else ""
        # Events end exclusively; search's `until` includes its day.
        until = f"{event.ends_at - timedelta(days=1):%Y-%m-%d}" if event.ends_at else ""
        window = f"{since or 'the start'} – {until or 'now'}"
        per_group = []
        for group in groups:
            count = store.count_documents(DocumentFilter(groups=[group], since=event.starts_at, until=event.ends_at))
            if count:
                per_group.append(Link(group, search_href(q=event.query, group=group, since=since, until=until,
                                                         sort="oldest"), f"{count:,}"))
        found.append(EventLinks(
            event.name, event.description or "", window,
            Link("documents", search_href(q=event.query, since=since, until=until, sort="oldest")),
            Link("frames over time", frames_href(interval="day", since=since, until=until)), per_group))
    return found


def place_searches(store, workspace, limit: int = MAX_PLACES) -> list[Link]:  # noqa: ANN001
    """The places the entities analyser found in most documents, each as a text search over its aliases.

    A text search rather than the entity filter: it also finds documents that
    the analysers have not read yet, and shows the analyst the query to adapt.
    """
    counts = browse.label_counts(store, "entity", limit=200)
    if not counts:
        return []
    from frameline.analysis.watchlist import Watchlist, WatchlistError

    try:
        watchlist = Watchlist.from_workspace(workspace)
    except (WatchlistError, OSError):
        return []
    links = []
    for entity_id, documents in counts:
        entity = watchlist.get(entity_id)
        if entity is None or entity.type != "place":
            continue
        query = alias_query([alias.text for alias in entity.aliases])
        if query:
            links.append(Link(entity.name, search_href(q=query), f"{query} · in {documents:,} documents"))
        if len(links) >= limit:
            break
    return links


def alias_query(aliases: list[str]) -> str:
    """'Mosul OR Mosoul OR الموصل': aliases OR-ed, multi-word ones quoted; '' when none is searchable."""
    terms: list[str] = []
    for alias in aliases:
        alias = " ".join(alias.split())
        if not alias or '"' in alias:
            continue
        term = f'"{alias}"' if " " in alias or alias.upper() in ("OR", "AND", "NOT") else alias
        try:
            parse_query(term)
        except QuerySyntaxError:
            continue
        if term.casefold() not in (t.casefold() for t in terms):
            terms.append(term)
        if len(terms) >= MAX_ALIASES:
            break
    return " OR ".join(terms)


def starting_points(store, workspace, groups: list[str] | None = None) -> StartingPoints:  # noqa: ANN001
    groups = sorted(store.status()["groups"]) if groups is None else groups
    return StartingPoints(
        events=event_links(store, groups),
        places=place_searches(store, workspace),
        groups=[(Link(group, search_href(group=group, sort="newest")), Link("frames over time", frames_href(group=group)))
                for group in groups],
    )
