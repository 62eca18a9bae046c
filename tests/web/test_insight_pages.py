"""Compare, frames over time with change points, and re-post clusters, on the two-camp Mosul corpus.

The pages must show what `frameline.insights` computes (the same numbers as
`frameline compare`, `timeline` and `propagation`), hold their choice in the
URL, and log exports.
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import datetime
from urllib.parse import parse_qs, unquote

from frameline.insights.contrast import contrast_groups
from frameline.insights.propagation import cluster_spread
from frameline.insights.selection import parse_selection
from frameline.insights.timelines import frame_timeline
from frameline.web.charts import PALETTE, frame_colours


def figures(page: str) -> dict[str, dict]:
    """The plotly figures a page embeds, by the id of the element they are drawn into."""
    blocks = re.findall(r'<script type="application/json" data-chart="([^"]+)">(.*?)</script>', page, re.S)
    for _name, block in blocks:
        assert "<" not in block and ">" not in block  # cannot end its block or open a tag
    return {name: json.loads(block) for name, block in blocks}


def test_compare_shows_the_contrast_the_insight_computes(mosul):
    store = mosul["store"]
    page = mosul["viewer"].get("/compare", params={"a": "group:extremist", "b": "group:mainstream"})
    assert page.status_code == 200
    expected = contrast_groups(store, parse_selection(store, "group:extremist"),
                               parse_selection(store, "group:mainstream"), evidence_per_side=3)
    table = re.search(r'<table class="list contrast" id="contrast-table">(.*?)</table>', page.text, re.S).group(1)
    rows = re.findall(r"<tr class=\"(significant|)\">(.*?)</tr>", table, re.S)
    assert len(rows) == len(expected.frames) == 2
    for (marker, row), frame in zip(rows, expected.frames):
        assert frame.name in row
        assert f"{frame.a.share:.1%} <span class=\"muted\">[{frame.a.ci_low:.1%}, {frame.a.ci_high:.1%}] · {frame.a.documents}" in row
        assert f"{frame.b.share:.1%} <span class=\"muted\">[{frame.b.ci_low:.1%}, {frame.b.ci_high:.1%}]" in row
        assert f"{frame.difference:+.1%}" in row and f"{frame.p_adjusted:.2g}" in row
        assert (marker == "significant") == frame.significant == ("significant</span>" in row)
    assert all(frame.significant for frame in expected.frames)  # steadfast 12/21 vs 2/21, victory 4/21 vs 14/21
    # The chart: each side's share with its Wilson interval as asymmetric error bars.
    chart = figures(page.text)["contrast-chart"]
    side_a, side_b = chart["data"]
    frames = list(reversed(expected.frames))
    assert side_a["x"] == [f.a.share for f in frames] and side_b["x"] == [f.b.share for f in frames]
    assert side_a["error_x"]["array"] == [f.a.ci_high - f.a.share for f in frames]
    assert side_b["error_x"]["arrayminus"] == [f.b.share - f.b.ci_low for f in frames]
    assert chart["layout"]["yaxis"]["ticktext"] == [f.name + " *" for f in frames]


def test_compare_quotes_evidence_from_both_sides_with_links(mosul):
    page = mosul["viewer"].get("/compare", params={"a": "group:extremist", "b": "group:mainstream"}).text
    steadfast = re.search(r'<details class="card evidence" data-frame="f-steadfast" open>(.*?)</details>', page, re.S)
    quotes_a = re.findall(r'<blockquote class="quote-a" dir="auto">(.*?)</blockquote>', steadfast.group(1), re.S)
    quotes_b = re.findall(r'<blockquote class="quote-b" dir="auto">(.*?)</blockquote>', steadfast.group(1), re.S)
    assert len(quotes_a) == 3 and len(quotes_b) == 2  # three per side, and the mainstream has only two
    assert all("remain steadfast until victory or martyrdom" in quote for quote in quotes_a + quotes_b)
    linked = [int(i) for i in re.findall(r'<a href="/documents/(\d+)">#\1</a>', steadfast.group(1))]
    assert set(linked[:3]) <= set(mosul["ids"]["extremist"]) and set(linked[3:]) <= set(mosul["ids"]["mainstream"])
    assert "Amaq Agency" in quotes_a[0] or "Nashir News" in quotes_a[0]
    # Distinctive words, per language and side (the mainstream's celebration sentence).
    terms = re.search(r'<section class="card terms" data-language="en">(.*?)</section>', page, re.S).group(1)
    side_b = terms.split('<strong class="side-b-ink">', 1)[1]
    for word in ("baghdad", "celebrated", "crowds", "streets"):
        assert f'<a href="/search?q={word}">{word}</a>' in side_b


def test_the_url_holds_the_choice_and_a_search_box_wins(mosul):
    viewer = mosul["viewer"]
    submitted = viewer.get("/compare", params={"a": "group:extremist", "a_q": "Baghdad", "b": "source:Reuters World",
                                               "b_q": "", "event": "mosul-2017"})
    assert submitted.status_code == 303  # the form's fields become the short URL that names the sides
    assert submitted.headers["location"] == "/compare?a=search%3ABaghdad&b=source%3AReuters+World&event=mosul-2017"
    page = viewer.get(submitted.headers["location"]).text
    link = re.search(r'<a href="/compare\?([^"]+)" id="share-link">', page).group(1)
    assert parse_qs(unquote(link.replace("&amp;", "&"))) == {
        "a": ["search:Baghdad"], "b": ["source:Reuters World"], "event": ["mosul-2017"]}
    assert 'name="a_q" value="Baghdad"' in page
    assert '<option value="mosul-2017" selected>' in page
    assert re.search(r'<option value="source:\d+" selected>Reuters World</option>', page)
    # Within the event: only the window's documents (2017-06-25 to 07-04) count on each side; the search
    # finds the nine mainstream posts of those days that mention Baghdad.
    assert "search:Baghdad @ mosul-2017</strong>: 9 documents" in page
    assert "source:Reuters World @ mosul-2017</strong>: 10 documents" in page
    shared = viewer.get("/compare?" + link.replace("&amp;", "&")).text
    assert "search:Baghdad @ mosul-2017</strong>: 9 documents" in shared


def test_a_side_the_workspace_lacks_is_explained(mosul):
    response = mosul["viewer"].get("/compare", params={"a": "group:nobody", "b": "group:mainstream"})
    assert response.status_code == 400 and "no source is in the group &#39;nobody&#39;" in response.text
    assert mosul["viewer"].get("/compare", params={"a": "group:extremist"}).status_code == 400


def test_the_contrast_table_exports_as_csv_and_jsonl_and_is_audited(mosul):
    analyst, store = mosul["analyst"], mosul["store"]
    params = {"a": "group:extremist", "b": "group:mainstream", "event": "mosul-2017"}
    response = analyst.get("/compare/export", params={**params, "format": "csv"})
    assert response.status_code == 200 and response.content.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert sorted(row["frame"] for row in rows) == ["f-steadfast", "f-victory"]
    assert {row["side_a"] for row in rows} == {"group:extremist @ mosul-2017"}
    assert all(0 <= float(row["p_adjusted_holm"]) <= 1 for row in rows)
    lines = analyst.get("/compare/export", params={**params, "format": "jsonl"}).text.splitlines()
    assert [json.loads(line)["frame"] for line in lines] == [row["frame"] for row in rows]
    exports = [entry for entry in store.audit_entries() if entry["action"] == "export"]
    assert [json.loads(e["details"])["format"] if isinstance(e["details"], str) else e["details"]["format"]
            for e in exports] == ["jsonl", "csv"]  # newest first
    for entry in exports:
        details = json.loads(entry["details"]) if isinstance(entry["details"], str) else entry["details"]
        assert entry["actor"] == "analyst" and details["view"] == "compare" and details["rows"] == 2
        assert details["a"] == "group:extremist" and details["event"] == "mosul-2017"
    assert mosul["viewer"].get("/compare/export", params={**params, "format": "csv"}).status_code == 403
    assert analyst.get("/compare/export", params={**params, "format": "xlsx"}).status_code == 400


def test_frames_over_time_draws_the_change_points_the_timeline_finds(mosul):
    store = mosul["store"]
    page = mosul["viewer"].get("/frames", params={"interval": "day", "measure": "share",
                                                  "since": "2017-06-01", "until": "2017-07-31"}).text
    charts = figures(page)
    by_group = {figure["layout"]["title"]["text"].split(" · ")[0]: figure for figure in charts.values()}
    assert set(by_group) == {"extremist", "mainstream"}
    expected = frame_timeline(store, [parse_selection(store, "group:extremist")], interval="day",
                              frames=["f-steadfast", "f-victory"])
    series = {s.frame: s for s in expected.groups[0].frames}
    points = series["f-steadfast"].change_points
    assert [p.bucket for p in points] == ["2017-07-02"] and points[0].before == 1.0 and points[0].after == 0.0
    strip = [t for t in by_group["extremist"]["data"] if t.get("yaxis") == "y2" and t["legendgroup"] == "f-steadfast"]
    assert strip[0]["x"] == ["2017-07-02"] and strip[0]["y"] == [-1.0]
    assert strip[0]["marker"]["symbol"] == ["triangle-down"]
    assert re.search(r"<td>extremist</td><td><span class=\"swatch\"[^>]*></span><a href=\"/search\?frame=f-steadfast\">"
                     r"Steadfastness</a></td><td>2017-07-02</td><td class=\"num\">100%</td><td class=\"num\">0%</td>", page)
    # Empty buckets at both ends are trimmed: the window asked is June and July, an unlabelled post sits on
    # 06-05, the first frame label is on 06-20 and the last on 07-05 (the four posts after it carry none).
    lines = [t for t in by_group["mainstream"]["data"] if t.get("showlegend", True)]
    assert lines[0]["x"][0] == "2017-06-20" and lines[0]["x"][-1] == "2017-07-05"


def test_each_frame_keeps_one_colour_on_every_chart(mosul):
    charts = figures(mosul["viewer"].get("/frames", params={"since": "2017-06-01"}).text)
    colours: dict[str, set[str]] = {}
    for figure in charts.values():
        for trace in figure["data"]:
            colours.setdefault(trace["legendgroup"], set()).add(trace["marker"]["color"])
    assert colours == {"f-steadfast": {frame_colours(["f-steadfast", "f-victory"])["f-steadfast"]},
                       "f-victory": {frame_colours(["f-steadfast", "f-victory"])["f-victory"]}}
    twenty = frame_colours([f"frame-{i:02d}" for i in range(20)])
    assert len(set(twenty.values())) == 20 and len(set(PALETTE)) >= 20


def test_frames_over_time_defaults_to_the_window_that_holds_the_story(mosul):
    page = mosul["viewer"].get("/frames").text
    assert re.search(r'id="default-window">Showing 2017-06-\d\d to 2017-07-\d\d, leaving out', page)
    first_buckets = {trace["x"][0] for figure in figures(page).values() for trace in figure["data"]}
    assert min(first_buckets) >= "2017-06-19"  # the 2014 straggler is left out of the default view
    assert 'name="since" value=""' in page  # the form still shows no window of its own
    everything = figures(mosul["viewer"].get("/frames", params={"since": "2014-01-01", "interval": "week"}).text)
    assert min(t["x"][0] for f in everything.values() for t in f["data"]) == "2014-01-06"


def test_the_event_filter_restricts_the_charts_to_its_window(mosul):
    page = mosul["viewer"].get("/frames", params={"event": "mosul-2017"}).text
    assert 'id="event-window">Event <strong>mosul-2017</strong>: 2017-06-25 to before 2017-07-05' in page
    charts = figures(page)
    assert {f["layout"]["title"]["text"].split(" · ")[0] for f in charts.values()} == {
        "extremist @ mosul-2017", "mainstream @ mosul-2017"}
    buckets = {x for f in charts.values() for t in f["data"] for x in t["x"]}
    assert min(buckets) == "2017-06-25" and max(buckets) == "2017-07-04"  # per day: a 10-day window
    assert '<option value="mosul-2017" selected>' in page
    # Without the filter the stored event is a shaded band on the charts.
    shaded = figures(mosul["viewer"].get("/frames", params={"since": "2017-06-01"}).text)
    bands = [s for f in shaded.values() for s in f["layout"]["shapes"] if s["type"] == "rect"]
    assert bands and bands[0]["x0"] == "2017-06-25" and bands[0]["x1"] == "2017-07-04"


def test_the_cluster_pages_show_who_carried_it_and_when(mosul):
    viewer, store, members = mosul["viewer"], mosul["store"], mosul["members"]
    listing = viewer.get("/clusters").text
    assert re.search(r'<td><a href="/clusters/1">#1</a></td><td class="num">3</td><td class="num">3</td>', listing)
    page = viewer.get("/clusters/1").text
    spread = cluster_spread(store, 1)
    sources = re.search(r'<table class="list" id="cluster-sources">(.*?)</table>', page, re.S).group(1)
    names = re.findall(r"<tr><td>([^<]+)</td>", sources)
    assert names == [s.source for s in spread.sources] == ["Nashir News", "Amaq Agency", "Reuters World"]
    for source in spread.sources:
        assert f'<a href="/documents/{source.first_document_id}">#{source.first_document_id}</a>' in sources
        assert source.first_seen[:16].replace("T", " ") in sources
    assert "<td class=\"num\">24.0</td>" in sources and "<td class=\"num\">336.0</td>" in sources
    listed = [int(i) for i in re.findall(r'<a class="doclink" href="/documents/(\d+)">', page)]
    assert listed == members
    curve = figures(page)["spread-chart"]["data"]
    assert curve[0]["y"] == [1, 2, 3] and curve[1]["y"] == [1, 2, 3]
    assert viewer.get("/clusters/99999").status_code == 404
    document = viewer.get(f"/documents/{members[1]}").text
    assert '<a href="/clusters/1" id="cluster-spread-link">' in document


def test_the_insight_pages_allow_inline_styles_for_plotly_only(mosul):
    viewer = mosul["viewer"]
    for path in ("/compare", "/frames", "/clusters/1"):
        assert "style-src 'self' 'unsafe-inline'" in viewer.get(path).headers["content-security-policy"], path
    assert "unsafe-inline" not in viewer.get("/clusters").headers["content-security-policy"]


def test_the_default_window_cuts_stragglers_but_never_a_small_groups_own_stretch():
    from frameline.insights.timelines import FrameSeries, GroupSeries, Timeline
    from frameline.web.pages_insights import default_window

    buckets = [f"2017-01-{day:02d}" for day in range(1, 31)]

    def group(label: str, volume: list[int]) -> GroupSeries:
        return GroupSeries(label, [1] * 30, [FrameSeries("f", "f", volume, [None] * 30)])

    big = [1] + [0] * 9 + [10] * 10 + [0] * 10  # one straggler on day 1, the story on days 11-20
    small = [0] * 27 + [1, 1, 0]  # a small group whose only posts come a week after the story
    assert default_window(Timeline("day", buckets, [group("big", big)])) == (
        datetime(2017, 1, 11).date(), datetime(2017, 1, 20).date())
    assert default_window(Timeline("day", buckets, [group("big", big), group("small", small)])) == (
        datetime(2017, 1, 11).date(), datetime(2017, 1, 29).date())
    assert default_window(Timeline("day", buckets, [group("big", [0] * 30)])) is None
