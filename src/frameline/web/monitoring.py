"""The Sources page's view of monitored feeds: what is watched and how the last polls went.

Feeds are kept where `frameline watch` (the collector) reads them: the
workspace settings, `monitor.sources`, one entry per target in the shape
`{kind: rss, target: URL, every: 60m, groups: [...]}`.  When the collector's
own module is installed its checks and writer are used; otherwise the entry
is written in the same shape, so the collector picks it up once it is there.
Poll results come from the store's `collection_status()` when it has one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from frameline.workspace import Workspace

SETTINGS_KEY = "monitor"


class FeedRejected(ValueError):
    """The feed cannot be monitored as given; the message says why."""


@dataclass
class WatchedFeed:
    kind: str
    target: str
    every: str
    groups: list[str]
    status: dict[str, Any] | None = None


def add_feed(workspace: Workspace, url: str, every_minutes: int, groups: tuple[str, ...]) -> bool:
    """Watch `url` as an RSS/Atom feed every `every_minutes`; True when it was not watched before."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or len(url) > 2000 or any(ord(c) < 33 for c in url):
        raise FeedRejected("a feed address must be an http:// or https:// URL")
    every_minutes = max(5, min(int(every_minutes), 7 * 24 * 60))
    try:
        from frameline.sources import schedule  # the collector, when installed
    except ImportError:
        schedule = None
    if schedule is not None:
        try:
            return schedule.add_monitored_source(
                workspace, schedule.make_source("rss", url, every_minutes * 60.0, tuple(groups)))
        except schedule.ScheduleError as error:
            raise FeedRejected(str(error)) from error
    section = workspace.settings.get(SETTINGS_KEY) or {}
    if not isinstance(section, dict):
        raise FeedRejected(f"{workspace.path}/frameline.yaml: `{SETTINGS_KEY}` must be a mapping")
    entries = [e for e in section.get("sources") or [] if not (isinstance(e, dict) and e.get("target") == url)]
    is_new = len(entries) == len(section.get("sources") or [])
    section["sources"] = [*entries, {"kind": "rss", "target": url, "every": f"{every_minutes}m",
                                     "groups": list(groups)}]
    workspace.settings[SETTINGS_KEY] = section
    workspace.save_settings()
    return is_new


def watched_feeds(workspace: Workspace, store) -> list[WatchedFeed]:  # noqa: ANN001 - any Store
    section = workspace.settings.get(SETTINGS_KEY) or {}
    entries = section.get("sources") if isinstance(section, dict) else None
    status_of = getattr(store, "collection_status", None)
    statuses = {row["target"]: row for row in status_of()} if callable(status_of) else {}
    return [WatchedFeed(str(e.get("kind", "?")), str(e["target"]), str(e.get("every", "")),
                        [str(g) for g in e.get("groups") or []], statuses.get(str(e["target"])))
            for e in entries or [] if isinstance(e, dict) and "target" in e]
