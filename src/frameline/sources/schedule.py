"""Which feeds, pages and drop folders `frameline watch` polls, and how often: the workspace settings.

The list lives in `frameline.yaml` under `monitor`, so it travels with the
workspace and can be edited by hand:

    monitor:
      allow_hosts: [intranet.example]   # exempt from the internal-address refusal
      host_interval_s: 1.0              # at least this long between two requests to one host
      timeout_s: 30                     # waiting for a server's next byte
      sources:
      - {kind: rss, target: 'https://news.example/feed', every: 15m, groups: [mainstream]}
      - {kind: files, target: /srv/drop/communiques, every: 5m, groups: [extremist]}
      - {kind: web, target: 'https://ministry.example/statement', every: 1h, robots: false}

What happened at each poll is in the database (`collection_status`), not here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from frameline.sources.collection import FOLLOW_LINKS_CHOICES, is_url
from frameline.workspace import Workspace

SETTINGS_KEY = "monitor"
NETWORK_KINDS = {"rss", "web"}
UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
EVERY_PATTERN = re.compile(r"(\d+(?:\.\d+)?)([smhd])")
MIN_EVERY_S = 1.0


class ScheduleError(ValueError):
    """A monitored source that cannot be used as configured; the message says which and why."""


def parse_every(text: str) -> float:
    """'15m', '1h30m', '90s', '1d' as seconds."""
    value = str(text).strip().lower().replace(" ", "")
    parts = EVERY_PATTERN.findall(value)
    if not value or "".join(number + unit for number, unit in parts) != value:
        raise ScheduleError(f"{text!r} is not an interval like 15m, 1h30m, 90s or 1d")
    seconds = sum(float(number) * UNITS[unit] for number, unit in parts)
    if seconds < MIN_EVERY_S:
        raise ScheduleError(f"{text!r} is shorter than {MIN_EVERY_S:g} s")
    return seconds


def format_every(seconds: float) -> str:
    for unit in ("d", "h", "m"):
        if seconds >= UNITS[unit] and seconds % UNITS[unit] == 0:
            return f"{int(seconds // UNITS[unit])}{unit}"
    return f"{seconds:g}s"


@dataclass(frozen=True)
class MonitoredSource:
    kind: str  # the importer that reads it
    target: str  # a URL, or a folder or file for `files` and saved `web` pages
    every_s: float
    groups: tuple[str, ...] = ()
    name: str | None = None  # the Source name to store under (default: what the data says)
    robots: bool = True
    follow_links: str = "auto"
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    def as_settings(self) -> dict[str, Any]:
        entry: dict[str, Any] = {"kind": self.kind, "target": self.target, "every": format_every(self.every_s)}
        if self.groups:
            entry["groups"] = list(self.groups)
        if self.name:
            entry["name"] = self.name
        if not self.robots:
            entry["robots"] = False
        if self.follow_links != "auto":
            entry["follow_links"] = self.follow_links
        return entry


def make_source(kind: str, target: str, every: str | float, groups: tuple[str, ...] = (), name: str | None = None,
                robots: bool = True, follow_links: str = "auto") -> MonitoredSource:
    """A checked MonitoredSource: URLs for feeds, an existing folder or file for the others."""
    if kind not in ("rss", "web", "files"):
        raise ScheduleError(f"cannot monitor with the {kind!r} importer; use rss, web or files")
    if kind == "rss" and not is_url(target):
        raise ScheduleError(f"an rss source needs an http(s) URL, not {target!r}")
    if not is_url(target):
        if not Path(target).exists():
            raise ScheduleError(f"{target!r} is neither an http(s) URL nor an existing folder or file")
        target = str(Path(target).resolve())
    if follow_links not in FOLLOW_LINKS_CHOICES:
        raise ScheduleError(f"follow_links must be one of {', '.join(FOLLOW_LINKS_CHOICES)}, not {follow_links!r}")
    seconds = every if isinstance(every, (int, float)) else parse_every(every)
    return MonitoredSource(kind, target, float(seconds), tuple(dict.fromkeys(g for g in groups if g)), name or None,
                           bool(robots), follow_links)


def create_drop_folder(kind: str, target: str) -> Path | None:
    """Create a `files` source's missing folder, and return it; None when there was nothing to create.

    A drop folder is usually set up before anything is dropped in it, so a
    missing one is made rather than refused; a `web` target must already hold
    its saved pages, so it is left to `make_source` to refuse.
    """
    if kind != "files" or is_url(target) or Path(target).exists():
        return None
    folder = Path(target).resolve()
    try:
        folder.mkdir(parents=True)
    except OSError as error:
        raise ScheduleError(f"cannot create the drop folder {str(folder)!r}: {error.strerror or error}") from error
    return folder


def _section(workspace: Workspace) -> dict[str, Any]:
    section = workspace.settings.get(SETTINGS_KEY) or {}
    if not isinstance(section, dict):
        raise ScheduleError(f"{workspace.path}/frameline.yaml: `{SETTINGS_KEY}` must be a mapping")
    return section


def monitored_sources(workspace: Workspace) -> list[MonitoredSource]:
    entries = _section(workspace).get("sources") or []
    if not isinstance(entries, list):
        raise ScheduleError(f"{workspace.path}/frameline.yaml: `{SETTINGS_KEY}.sources` must be a list")
    found = []
    for number, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict) or "kind" not in entry or "target" not in entry:
            raise ScheduleError(f"{workspace.path}/frameline.yaml: monitored source {number} needs a kind and a target")
        try:
            if entry["kind"] not in ("rss", "web", "files"):
                raise ScheduleError(f"cannot monitor with the {entry['kind']!r} importer; use rss, web or files")
            if entry.get("follow_links", "auto") not in FOLLOW_LINKS_CHOICES:
                raise ScheduleError(f"follow_links must be one of {', '.join(FOLLOW_LINKS_CHOICES)}")
            found.append(MonitoredSource(
                kind=str(entry["kind"]), target=str(entry["target"]), every_s=parse_every(entry.get("every", "15m")),
                groups=tuple(str(g) for g in entry.get("groups") or ()), name=entry.get("name"),
                robots=bool(entry.get("robots", True)), follow_links=str(entry.get("follow_links", "auto")),
            ))
        except ScheduleError as error:
            raise ScheduleError(f"{workspace.path}/frameline.yaml: monitored source {number}: {error}") from error
    return found


def add_monitored_source(workspace: Workspace, source: MonitoredSource, allow_hosts: tuple[str, ...] = ()) -> bool:
    """Add (or, for a target already watched, replace) a source; True when it was new."""
    section = _section(workspace)
    entries = [e for e in section.get("sources") or [] if not (isinstance(e, dict) and e.get("target") == source.target)]
    is_new = len(entries) == len(section.get("sources") or [])
    section["sources"] = [*entries, source.as_settings()]
    if allow_hosts:
        section["allow_hosts"] = list(dict.fromkeys([*(section.get("allow_hosts") or []), *allow_hosts]))
    workspace.settings[SETTINGS_KEY] = section
    workspace.save_settings()
    return is_new


def remove_monitored_source(workspace: Workspace, target: str) -> bool:
    section = _section(workspace)
    entries = section.get("sources") or []
    resolved = target if is_url(target) or not Path(target).exists() else str(Path(target).resolve())
    kept = [e for e in entries if not (isinstance(e, dict) and e.get("target") in (target, resolved))]
    if len(kept) == len(entries):
        return False
    section["sources"] = kept
    workspace.settings[SETTINGS_KEY] = section
    workspace.save_settings()
    return True


def monitor_settings(workspace: Workspace) -> dict[str, Any]:
    """The section's network settings with their defaults."""
    section = _section(workspace)
    return {
        "allow_hosts": [str(h) for h in section.get("allow_hosts") or []],
        "host_interval_s": float(section.get("host_interval_s", 1.0)),
        "timeout_s": float(section.get("timeout_s", 30.0)),
    }
