"""`frameline watch`: poll every monitored source on its schedule, import what is new, analyse it.

A cycle polls the sources that are due, each through the ordinary import
runner (so the store's (source, native id) key keeps anything from being
stored twice), then runs the analysis pipeline once if anything new arrived,
and logs one line per source.  A source that times out, answers 500 or serves
garbage is retried after its interval times 2, 4, 8, ... (at most a day); the
others go on.  Nothing a source does can stop the loop: every poll is caught.

State lives in the database (`collection_status`): when each target is due,
its consecutive failures, last error, and the ETag / Last-Modified to send,
so a restarted monitor picks up the schedule and the back-off where they were.
The sites' robots.txt answers are kept for a day in the workspace
(`robots-cache.json`), so a cron-run `watch --once` of an unchanged feed costs
one 304 and no robots.txt request.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from frameline import pipeline
from frameline.sources.base import ImportOptions
from frameline.sources.collection import HttpState
from frameline.sources.fetch import Fetcher, FetchPolicy, FetchRefused
from frameline.sources.robots_cache import RobotsCache
from frameline.sources.runner import run_import
from frameline.sources.schedule import MonitoredSource, ScheduleError, monitor_settings, monitored_sources
from frameline.store import SqlStore
from frameline.workspace import Workspace, WorkspaceError, load_workspace

log = logging.getLogger("frameline.monitor")

MAX_BACKOFF_S = 24 * 3600
MAX_NAP_S = 30.0  # re-read the settings at least this often while waiting (sources added meanwhile)
ROBOTS_CACHE_FILE = "robots-cache.json"  # in the workspace folder


@dataclass
class Poll:
    target: str
    kind: str
    outcome: str  # new | unchanged | not-modified | failed | refused
    new: int = 0
    duplicate: int = 0
    rejected: int = 0
    error: str | None = None
    failures: int = 0
    next_due_at: datetime | None = None
    new_ids: list[int] = field(default_factory=list)

    def describe(self) -> str:
        if self.outcome in ("failed", "refused"):
            wait = _human(self.next_due_at - datetime.now(timezone.utc)) if self.next_due_at else "?"
            return f"{self.outcome} ({self.error}); failure {self.failures}, next try in {wait}"
        if self.outcome == "not-modified":
            return "not modified (304)"
        return f"{self.new} new, {self.duplicate} duplicate, {self.rejected} rejected"


@dataclass
class Cycle:
    number: int
    started_at: datetime
    polls: list[Poll] = field(default_factory=list)
    analysed: int = 0
    analysis_error: str | None = None

    @property
    def new(self) -> int:
        return sum(p.new for p in self.polls)


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _human(delta: timedelta) -> str:
    seconds = max(0, int(delta.total_seconds()))
    if seconds >= 3600:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    return f"{seconds // 60}m{seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"


def backoff_seconds(every_s: float, failures: int) -> float:
    """After the n-th consecutive failure wait every * 2**n, at most a day (never less than the interval)."""
    return max(every_s, min(every_s * 2 ** failures, MAX_BACKOFF_S))


class Monitor:
    """Polls the workspace's monitored sources; `run` loops, `run_cycle` does one pass over what is due."""

    def __init__(self, workspace: Workspace, store: SqlStore, *, analyze: bool = True,
                 analysers: Iterable[str] | None = None, clock: Callable[[], datetime] = _now,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.workspace = workspace
        self.store = store
        self.analyze = analyze
        self.analysers = list(analysers) if analysers else None
        self.clock = clock
        self.sleep = sleep
        self._last_good: list[MonitoredSource] = []
        self._rejected_files: dict[str, set[tuple[str, str]]] = {}  # per drop folder, for this run
        settings = monitor_settings(workspace)
        self.robots_cache = RobotsCache(workspace.path / ROBOTS_CACHE_FILE)
        self.fetcher = Fetcher(FetchPolicy.allowing(settings["allow_hosts"], min_interval=settings["host_interval_s"],
                                                    read_timeout=settings["timeout_s"]), robots_cache=self.robots_cache)

    def close(self) -> None:
        self.fetcher.close()
        self._save_robots()

    def _save_robots(self) -> None:
        try:
            self.robots_cache.save()
        except OSError as error:  # a read-only workspace costs robots.txt requests, not the monitor
            log.warning("could not keep the robots.txt answers in %s: %s", self.robots_cache.path, error)

    def __enter__(self) -> Monitor:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def sources(self) -> list[MonitoredSource]:
        """The watched sources as the settings say now; a bad edit while running keeps the last good list."""
        try:
            found = monitored_sources(self.workspace_fresh())
        except (ScheduleError, WorkspaceError) as error:
            if not self._last_good:
                raise
            log.warning("settings not usable, watching the sources as they were: %s", error)
            return self._last_good
        self._last_good = found
        if not found:
            raise ScheduleError("no sources to watch; add one with `frameline sources add rss URL --every 15m`")
        return found

    def workspace_fresh(self) -> Workspace:
        """The settings as they are on disk now: `sources add` in another terminal takes effect next cycle."""
        self.workspace = load_workspace(self.workspace.path)
        return self.workspace

    def due(self, sources: list[MonitoredSource], now: datetime) -> list[MonitoredSource]:
        status = {row["target"]: row for row in self.store.collection_status()}
        return [s for s in sources
                if s.target not in status or status[s.target]["next_due_at"] is None
                or status[s.target]["next_due_at"] <= now]

    def next_due_at(self, sources: list[MonitoredSource]) -> datetime | None:
        status = {row["target"]: row for row in self.store.collection_status()}
        times = [status[s.target]["next_due_at"] if s.target in status else None for s in sources]
        return None if any(t is None for t in times) else min(times, default=None)

    def run(self, cycles: int | None = None, wait: bool = True) -> list[Cycle]:
        """Run `cycles` cycles (forever when None); each waits until a source is due unless `wait` is False."""
        done: list[Cycle] = []
        while cycles is None or len(done) < cycles:
            if wait:
                self._wait_until_something_is_due()
            done.append(self.run_cycle(len(done) + 1))
        return done

    def _wait_until_something_is_due(self) -> None:
        while True:
            sources = self.sources()
            next_due = self.next_due_at(sources)
            now = self.clock()
            if next_due is None or next_due <= now:
                return
            self.sleep(min((next_due - now).total_seconds(), MAX_NAP_S))

    def run_cycle(self, number: int = 1) -> Cycle:
        cycle = Cycle(number, self.clock())
        sources = self.sources()
        due = self.due(sources, cycle.started_at)
        if not due:
            log.info("cycle %d: nothing due (%d sources watched)", number, len(sources))
            return cycle
        for source in due:
            poll = self.poll(source)
            cycle.polls.append(poll)
            log.info("cycle %d: %s %s: %s", number, source.kind, source.target, poll.describe())
        self._save_robots()
        if self.analyze and cycle.new:
            self._analyse(cycle)
        log.info("cycle %d done: %d polled, %d new, %d failing%s", number, len(cycle.polls), cycle.new,
                 sum(p.outcome in ("failed", "refused") for p in cycle.polls),
                 f", {cycle.analysed} documents analysed" if cycle.analysed else "")
        return cycle

    def _analyse(self, cycle: Cycle) -> None:
        try:
            report = pipeline.analyze(self.store, self.workspace, only=self.analysers)
        except Exception as error:  # the monitor must outlive a broken analyser; the error is logged
            cycle.analysis_error = f"{type(error).__name__}: {error}"
            log.warning("cycle %d: analysis failed: %s", cycle.number, cycle.analysis_error)
            return
        cycle.analysed = max((stage.documents for stage in report.analysers), default=0)

    def poll(self, source: MonitoredSource) -> Poll:
        """Import one source now and record the outcome; never raises for what the source did."""
        rows = self.store.collection_status(source.target)
        previous = rows[0] if rows else {}
        state = HttpState(etag=previous.get("etag"), last_modified=previous.get("last_modified"))
        options = ImportOptions(source_name=source.name, groups=source.groups, extra={
            "fetcher": self.fetcher, "http_state": state, "robots": source.robots,
            "follow_links": source.follow_links, "is_known": self.store.has_document,
            "rejected_files": self._rejected_files.setdefault(source.target, set()),
        })
        started = self.clock()
        try:
            report = run_import(self.store, source.kind, [source.target], options,
                                rejects_dir=self.workspace.rejects_dir, actor="watch")
        except Exception as error:  # a broken importer or a store hiccup costs this source one poll, not the loop
            poll = Poll(source.target, source.kind, "failed", error=f"{type(error).__name__}: {error}")
        else:
            poll = Poll(source.target, source.kind, "new" if report.new else "unchanged", report.new,
                        report.duplicate, report.rejected, new_ids=report.new_ids)
            if report.failed_paths:
                whole = next((r for r in reversed(report.sample_rejections) if r.location is None), None)
                poll.outcome = "refused" if whole is not None and isinstance(whole.__cause__, FetchRefused) else "failed"
                poll.error = whole.reason if whole is not None else "the source could not be read (see rejects/)"
            elif state.not_modified:
                poll.outcome = "not-modified"
        failing = poll.outcome in ("failed", "refused")
        poll.failures = int(previous.get("failures") or 0) + 1 if failing else 0
        wait = backoff_seconds(source.every_s, poll.failures) if failing else source.every_s
        poll.next_due_at = started + timedelta(seconds=wait)
        source_id = previous.get("source_id")
        if poll.new_ids:
            source_id = self.store.get_document(poll.new_ids[0]).source_id
        self.store.record_collection(
            source.target, source.kind, source_id=source_id, last_attempt_at=started,
            last_success_at=previous.get("last_success_at") if failing else started,
            outcome=poll.outcome, error=poll.error, failures=poll.failures, next_due_at=poll.next_due_at,
            etag=state.etag, last_modified=state.last_modified, last_new=poll.new,
            total_new=int(previous.get("total_new") or 0) + poll.new, polls=int(previous.get("polls") or 0) + 1,
        )
        return poll

