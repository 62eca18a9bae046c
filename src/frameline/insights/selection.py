"""Which documents one side of a comparison covers: `group:extremist`, `source:Amaq`, `search:…`, `event:…`.

Analysts name a side the way they think of it; a `Selection` turns that into a
`DocumentFilter` plus a search text, which the store compiles to one SQL
sub-query, so counting half a million documents never loads them.  Restricting
to an event intersects the windows and, when the event has a query, keeps only
the documents the event matched (stored once per event and topped up as
documents arrive, see `SqlStore.match_event_documents`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from frameline.store.base import Event, StoreError
from frameline.store.query import DocumentFilter
from frameline.store.sql import SqlStore

KINDS = ("group", "source", "search", "event")


class SelectionError(StoreError):
    """A side cannot be understood or names something the workspace does not have."""


@dataclass(frozen=True)
class Selection:
    """A side: what the analyst called it, and the scope `frameline.store.aggregates` counts in."""

    label: str
    filter: DocumentFilter = field(default_factory=DocumentFilter)
    text: str = ""
    event_id: int | None = None  # documents must be among this event's stored matches

    def restricted_to(self, event: Event | None) -> Selection:
        """This side within an event (from `event_named`, which brings its matches up to date)."""
        if event is None:
            return self
        if self.event_id is not None and event.query.strip() and self.event_id != event.id:
            raise SelectionError("a side can be restricted to one event with a query, not two")
        since = _later(self.filter.since, event.starts_at)
        until = _earlier(self.filter.until, event.ends_at)
        event_id = event.id if event.query.strip() else self.event_id
        return Selection(f"{self.label} @ {event.name}", replace(self.filter, since=since, until=until), self.text,
                         event_id)


def _later(a: datetime | None, b: datetime | None) -> datetime | None:
    return b if a is None else a if b is None else max(a, b)


def _earlier(a: datetime | None, b: datetime | None) -> datetime | None:
    return b if a is None else a if b is None else min(a, b)


def event_named(store: SqlStore, name: str | None) -> Event | None:
    """The event, with its stored matches brought up to date with the documents stored since."""
    if not name:
        return None
    event = store.get_event(name)
    if event is None:
        raise SelectionError(f"no event called {name!r}; see `frameline events list`")
    if event.query.strip():
        store.match_event_documents(event)
    return event


def parse_selection(store: SqlStore, spec: str) -> Selection:
    """`group:A[,B]`, `source:NAME_OR_ID[,…]`, `search:QUERY` or `event:NAME`; a bare word is a group."""
    kind, separator, value = spec.partition(":")
    if not separator:
        kind, value = "group", spec
    kind, value = kind.strip().lower(), value.strip()
    if kind not in KINDS or not value:
        raise SelectionError(f"{spec!r}: a side is group:NAME, source:NAME, search:QUERY or event:NAME")
    if kind == "group":
        groups = [group.strip() for group in value.split(",") if group.strip()]
        known = {group for source in store.list_sources() for group in source.groups}
        missing = [group for group in groups if group not in known]
        if missing:
            raise SelectionError(f"no source is in the group {missing[0]!r}; see `frameline sources list`")
        return Selection(spec, DocumentFilter(groups=groups))
    if kind == "source":
        ids = []
        for name in (part.strip() for part in value.split(",") if part.strip()):
            found = store.find_source(name)
            if found is None:
                raise SelectionError(f"no source called {name!r}; see `frameline sources list`")
            ids.append(found.id)
        return Selection(spec, DocumentFilter(source_ids=ids))
    if kind == "search":
        return Selection(spec, DocumentFilter(), value)
    event = event_named(store, value)
    assert event is not None
    return Selection(spec, DocumentFilter(since=event.starts_at, until=event.ends_at),
                     event_id=event.id if event.query.strip() else None)
