"""`frameline sources add` + `frameline watch` against a real local server: new entries each cycle, back-off."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone

import pytest
import yaml
from local_web import LocalWeb, running_site
from pages import BILLION_LAUGHS, rss_feed

from frameline.sources.monitor import MAX_BACKOFF_S, ROBOTS_CACHE_FILE, Monitor, backoff_seconds
from frameline.sources.schedule import ScheduleError, add_monitored_source, make_source, parse_every
from frameline.workspace import load_workspace


@pytest.fixture
def site():
    yield from running_site()


def growing_feed(site: LocalWeb, path: str = "/feed", up_to: int = 4) -> str:
    """A feed of two entries that gains one per poll up to `up_to`, with an ETag per version and real 304s."""
    polls = {"count": 0}

    def feed(request):
        version = min(polls["count"] + 2, up_to)
        etag = f'"v{version}"'
        if request.headers.get("if-none-match") == etag:
            return 304, {"ETag": etag}, b""
        polls["count"] += 1
        items = [{"title": f"Story {n}", "link": f"https://news.example/{n}", "guid": f"story-{n}",
                  "summary": f"Summary {n}", "content": f"<p>Full text of story {n} about Mosul.</p>"}
                 for n in range(1, version + 1)]
        return 200, {"Content-Type": "application/rss+xml", "ETag": etag}, rss_feed(items).encode("utf-8")

    return site.route(path, feed)


def local_settings(workspace_path) -> None:
    """Let the monitor reach the test server quickly: allow 127.0.0.1, no spacing, short timeouts."""
    settings_path = workspace_path / "frameline.yaml"
    settings = yaml.safe_load(settings_path.read_text(encoding="utf-8"))
    settings.setdefault("monitor", {}).update(allow_hosts=["127.0.0.1"], host_interval_s=0, timeout_s=0.5)
    settings_path.write_text(yaml.safe_dump(settings), encoding="utf-8")


def frameline(*args: str, workspace) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "frameline", *args, "--workspace", str(workspace)],
                          capture_output=True, text=True, timeout=120)


def test_sources_add_then_watch_imports_new_entries_each_cycle_and_nothing_twice(site, tmp_path) -> None:
    url = growing_feed(site)
    workspace = tmp_path / "case"
    assert subprocess.run([sys.executable, "-m", "frameline", "init", str(workspace)]).returncode == 0
    added = frameline("sources", "add", "rss", url, "--group", "mainstream", "--every", "1s", workspace=workspace)
    assert added.returncode == 0, added.stderr
    assert f"Watching rss {url} every 1s (mainstream)" in " ".join(added.stdout.split())
    local_settings(workspace)

    watched = frameline("watch", "--cycles", "2", "--no-analyze", workspace=workspace)
    assert watched.returncode == 0, watched.stderr
    assert "2 cycles, 3 new documents" in watched.stdout
    assert "cycle 1: rss" in watched.stderr and "2 new, 0 duplicate, 0 rejected" in watched.stderr
    assert "cycle 2: rss" in watched.stderr and "1 new, 2 duplicate, 0 rejected" in watched.stderr

    again = frameline("watch", "--cycles", "1", "--no-analyze", workspace=workspace)
    assert "1 cycle, 1 new documents" in again.stdout

    # Nothing changed on the server since: one request, a 304, nothing stored.
    requests_before = site.hits("/feed")
    unchanged = frameline("watch", "--cycles", "1", "--no-analyze", workspace=workspace)
    assert "not modified (304)" in unchanged.stderr and "1 cycle, 0 new documents" in unchanged.stdout
    assert site.hits("/feed") == requests_before + 1

    status = json.loads(frameline("sources", "watched", "--json", workspace=workspace).stdout)
    assert [(s["kind"], s["target"], s["every"], s["groups"], s["outcome"], s["total_new"], s["polls"])
            for s in status] == [("rss", url, "1s", ["mainstream"], "not-modified", 4, 4)]
    found = json.loads(frameline("search", "Mosul", "--json", "--limit", "50", workspace=workspace).stdout)
    assert found["total"] == 4 and {h["groups"][0] for h in found["hits"]} == {"mainstream"}

    assert frameline("sources", "remove", url, workspace=workspace).returncode == 0
    assert json.loads(frameline("sources", "watched", "--json", workspace=workspace).stdout) == []
    assert "no sources to watch" in frameline("watch", "--once", workspace=workspace).stderr


def test_watch_refuses_hostile_sources_and_still_imports_the_good_one_in_the_same_cycle(site, tmp_path) -> None:
    good = growing_feed(site)
    metadata = site.serve("/to-metadata", b"", status=302, content_type="",
                          headers={"Location": "http://169.254.169.254/latest/meta-data/iam/"})
    laughs = site.serve("/laughs", BILLION_LAUGHS, content_type="application/rss+xml")
    huge = site.route("/huge", lambda _r: (200, {"Content-Type": "application/rss+xml",
                                                 "Content-Length": str(5 * 1024 ** 3)}, iter([b"<rss>"])))
    workspace = tmp_path / "case"
    assert subprocess.run([sys.executable, "-m", "frameline", "init", str(workspace)]).returncode == 0
    for url in (metadata, laughs, huge, good):
        add_monitored_source(load_workspace(workspace), make_source("rss", url, "10m"))
    local_settings(workspace)

    watched = frameline("watch", "--once", "--no-analyze", workspace=workspace)
    assert watched.returncode == 0, watched.stderr
    assert "1 cycle, 2 new documents" in watched.stdout
    assert f"cycle 1: rss {good}: 2 new, 0 duplicate, 0 rejected" in watched.stderr
    assert "4 polled, 2 new, 3 failing" in watched.stderr
    assert site.hits("/latest/meta-data/iam/") == 0

    status = {row["target"]: row for row in json.loads(frameline("sources", "watched", "--json",
                                                                   workspace=workspace).stdout)}
    assert status[good]["outcome"] == "new" and status[good]["total_new"] == 2
    assert (status[metadata]["outcome"], status[metadata]["failures"]) == ("refused", 1)
    assert "169.254.169.254" in status[metadata]["error"] and "metadata" in status[metadata]["error"]
    assert (status[huge]["outcome"], status[huge]["failures"]) == ("refused", 1)
    assert "announces 5,368,709,120 bytes" in status[huge]["error"]
    assert status[laughs]["failures"] == 1 and "billion laughs" in status[laughs]["error"]
    assert all(status[url]["total_new"] == 0 for url in (metadata, laughs, huge))
    found = json.loads(frameline("search", "Mosul", "--json", workspace=workspace).stdout)
    assert found["total"] == 2


def test_cron_runs_of_watch_once_ask_for_robots_txt_once_a_day_not_every_run(site, tmp_path) -> None:
    url = growing_feed(site, up_to=2)
    workspace = tmp_path / "case"
    assert subprocess.run([sys.executable, "-m", "frameline", "init", str(workspace)]).returncode == 0
    add_monitored_source(load_workspace(workspace), make_source("rss", url, "1s"))
    local_settings(workspace)
    first = frameline("watch", "--once", "--no-analyze", workspace=workspace)
    assert "1 cycle, 2 new documents" in first.stdout, first.stderr
    time.sleep(1.1)  # due again
    second = frameline("watch", "--once", "--no-analyze", workspace=workspace)
    assert "not modified (304)" in second.stderr, second.stderr
    assert (site.hits("/robots.txt"), site.hits("/feed")) == (1, 2)  # the second run cost one 304, nothing else
    cached = json.loads((workspace / ROBOTS_CACHE_FILE).read_text(encoding="utf-8"))
    assert list(cached) == [site.url("")] and "Disallow: /private/" in cached[site.url("")]["text"]

    # A day later the site's rules are read again.
    cached[site.url("")]["fetched_at"] -= 25 * 3600
    (workspace / ROBOTS_CACHE_FILE).write_text(json.dumps(cached), encoding="utf-8")
    time.sleep(1.1)
    with Monitor(load_workspace(workspace), load_workspace(workspace).open_store(), analyze=False) as monitor:
        assert monitor.run_cycle().polls[0].outcome == "not-modified"
    assert site.hits("/robots.txt") == 2
    refreshed = json.loads((workspace / ROBOTS_CACHE_FILE).read_text(encoding="utf-8"))
    assert time.time() - refreshed[site.url("")]["fetched_at"] < 60


def test_cached_robots_rules_still_keep_the_monitor_out(site, workspace) -> None:
    private = site.serve("/private/feed", rss_feed([{"title": "x", "link": "https://n.example/x", "guid": "x",
                                                     "summary": "x", "content": "<p>x</p>"}]),
                         content_type="application/rss+xml")
    add_monitored_source(workspace, make_source("rss", private, "1m"))
    local_settings(workspace.path)
    clock = FakeClock()
    for _ in range(2):
        with Monitor(load_workspace(workspace.path), workspace.open_store(), analyze=False,
                     clock=clock.now, sleep=clock.sleep) as monitor:
            poll = monitor.run_cycle().polls[0]
        clock.moment += timedelta(hours=1)  # due again, for a fresh monitor (the robots cache is on the wall clock)
        assert poll.outcome == "refused" and "robots.txt disallows" in poll.error
    assert (site.hits("/robots.txt"), site.hits("/private/feed")) == (1, 0)


class FakeClock:
    """Schedules run on this clock so that the test does not wait for minutes; HTTP stays real."""

    def __init__(self) -> None:
        self.moment = datetime(2026, 1, 1, tzinfo=timezone.utc)

    def now(self) -> datetime:
        return self.moment

    def sleep(self, seconds: float) -> None:
        self.moment += timedelta(seconds=seconds)


def test_failing_sources_back_off_while_the_others_continue(site, workspace) -> None:
    good = growing_feed(site)
    broken = site.serve("/broken", "Internal Server Error", status=500, content_type="text/plain")
    garbage = site.serve("/garbage", b"\x00\x9c<<<< not a feed >>>>", content_type="application/rss+xml")

    def slow(_request):
        time.sleep(2)
        return 200, {"Content-Type": "application/rss+xml"}, b"<rss/>"

    slow_url = site.route("/slow", slow)
    for url in (good, broken, garbage, slow_url):
        add_monitored_source(workspace, make_source("rss", url, "1m", ("test",)))
    local_settings(workspace.path)
    clock = FakeClock()
    with Monitor(load_workspace(workspace.path), workspace.open_store(), analyze=False,
                 clock=clock.now, sleep=clock.sleep) as monitor:
        cycles = monitor.run(cycles=3)

    polled = [[(p.target, p.outcome) for p in cycle.polls] for cycle in cycles]
    failing = [(broken, "failed"), (garbage, "failed"), (slow_url, "failed")]
    assert polled[0] == [(good, "new"), *failing]
    assert polled[1] == [(good, "new")]  # the failing three wait 2 minutes, the good one polls every minute
    assert polled[2] == [(good, "new"), *failing]
    assert [cycle.new for cycle in cycles] == [2, 1, 1]

    status = {row["target"]: row for row in monitor.store.collection_status()}
    assert "HTTP 500" in status[broken]["error"] and "not an RSS or Atom feed" in status[garbage]["error"]
    assert "timed out" in status[slow_url]["error"]
    for url in (broken, garbage, slow_url):
        assert status[url]["failures"] == 2 and status[url]["last_success_at"] is None
        assert status[url]["next_due_at"] == status[url]["last_attempt_at"] + timedelta(minutes=4)
    assert status[good]["failures"] == 0 and status[good]["error"] is None and status[good]["total_new"] == 4
    assert status[good]["next_due_at"] == clock.now() + timedelta(minutes=1)


def test_watch_analyses_what_it_imported(site, workspace) -> None:
    add_monitored_source(workspace, make_source("rss", growing_feed(site), "1m"))
    local_settings(workspace.path)
    store = workspace.open_store()
    with Monitor(load_workspace(workspace.path), store, analysers=["language"]) as monitor:
        cycle = monitor.run_cycle()
    assert cycle.new == 2 and cycle.analysed == 2 and cycle.analysis_error is None
    assert {d.language for d in store.iter_documents()} == {"en"}


def test_drop_folder_imports_only_files_added_since_the_last_poll(tmp_path, workspace) -> None:
    drop = tmp_path / "drop"
    drop.mkdir()
    (drop / "one.txt").write_text("First communique about Mosul.", encoding="utf-8")
    add_monitored_source(workspace, make_source("files", str(drop), "5m", ("extremist",)))
    clock = FakeClock()
    (drop / "scan.pdf").write_bytes(b"%PDF-1.4 not really")  # rejected once, not at every poll
    with Monitor(load_workspace(workspace.path), workspace.open_store(), analyze=False,
                 clock=clock.now, sleep=clock.sleep) as monitor:
        first = monitor.run(cycles=1)[0]
        (drop / "two.txt").write_text("Second communique: a small setback.", encoding="utf-8")
        second = monitor.run(cycles=1)[0]
        nothing_due = monitor.run(cycles=1, wait=False)[0]
    assert [(p.new, p.duplicate, p.rejected) for p in first.polls] == [(1, 0, 1)]
    assert [(p.new, p.duplicate, p.rejected) for p in second.polls] == [(1, 0, 0)]  # known files were not read
    assert nothing_due.polls == []
    assert len(list(workspace.rejects_dir.glob("*.jsonl"))) == 1


def test_intervals_and_back_off() -> None:
    assert [parse_every(t) for t in ("15m", "1h30m", "90s", "1d", "0.5h")] == [900, 5400, 90, 86400, 1800]
    for bad in ("15", "soon", "", "0s", "15mm"):
        with pytest.raises(ScheduleError):
            parse_every(bad)
    assert [backoff_seconds(900, n) for n in (0, 1, 2, 3)] == [900, 1800, 3600, 7200]
    assert backoff_seconds(900, 30) == MAX_BACKOFF_S


def test_sources_add_checks_what_it_is_given(tmp_path) -> None:
    with pytest.raises(ScheduleError, match="needs an http"):
        make_source("rss", str(tmp_path), "15m")
    with pytest.raises(ScheduleError, match="neither an http"):
        make_source("files", str(tmp_path / "missing"), "15m")
    with pytest.raises(ScheduleError, match="cannot monitor"):
        make_source("telegram", "https://t.example/", "15m")


def test_hand_edited_settings_are_checked_with_the_entry_named(workspace) -> None:
    workspace.settings["monitor"] = {"sources": [{"kind": "rss", "target": "https://a.example/feed", "every": "1h"},
                                                 {"kind": "rss", "target": "https://b.example/feed", "every": "often"}]}
    workspace.save_settings()
    with Monitor(load_workspace(workspace.path), workspace.open_store()) as monitor:
        with pytest.raises(ScheduleError, match="monitored source 2: 'often' is not an interval"):
            monitor.run_cycle()


def test_a_bad_edit_while_watching_keeps_the_last_good_list(tmp_path, workspace) -> None:
    drop = tmp_path / "drop"
    drop.mkdir()
    (drop / "one.txt").write_text("First communique about Mosul.", encoding="utf-8")
    add_monitored_source(workspace, make_source("files", str(drop), "5m"))
    clock = FakeClock()
    with Monitor(load_workspace(workspace.path), workspace.open_store(), analyze=False,
                 clock=clock.now, sleep=clock.sleep) as monitor:
        assert monitor.run(cycles=1)[0].new == 1
        (workspace.path / "frameline.yaml").write_text("monitor: [unfinished", encoding="utf-8")
        (drop / "two.txt").write_text("Second communique.", encoding="utf-8")
        assert monitor.run(cycles=1)[0].new == 1


def test_watching_a_feed_of_real_mosul_events(shared_data, site, workspace) -> None:
    """The Mosul campaign's dated events (../shared/data/events) published one per poll, with their ledes."""
    events = json.loads((shared_data / "events" / "mosul_events_extract.json").read_text(encoding="utf-8"))["items"]
    published = {"count": 1}

    def feed(_request):
        items = [{"title": e["headline"], "link": e["sources"][0]["url"], "guid": e["repo_path"], "summary": "",
                  "content": f"<p>{e['lede']}</p>",
                  "date": datetime.fromisoformat(e["date"]).strftime("%a, %d %b %Y 12:00:00 GMT")}
                 for e in events[:published["count"]]]
        published["count"] += 1
        return 200, {"Content-Type": "application/rss+xml"}, rss_feed(items).encode("utf-8")

    add_monitored_source(workspace, make_source("rss", site.route("/events", feed), "10m", ("mainstream",)))
    local_settings(workspace.path)
    clock = FakeClock()
    store = workspace.open_store()
    with Monitor(load_workspace(workspace.path), store, analyze=False, clock=clock.now, sleep=clock.sleep) as monitor:
        cycles = monitor.run(cycles=len(events))
    assert [cycle.new for cycle in cycles] == [1] * len(events)
    stored = sorted(store.iter_documents(), key=lambda d: d.published_at)
    assert [d.published_at.date().isoformat() for d in stored] == [e["date"] for e in events]
    assert '"caliphate"' in stored[1].text and "&quot;" not in stored[1].text
