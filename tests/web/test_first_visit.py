"""What a first-time reader sees: starting points on the Overview, plain wording on the document page and filters.

Each test builds what it needs in the module's own workspace (events, entity
labels, technique coverage) the way the analysers and `make demo` store them.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient

from frameline.records import DocLabel, Span
from frameline.sources.base import ImportOptions
from frameline.sources.runner import run_import
from frameline.store.base import Event
from frameline.web import create_app
from frameline.web.display import language_name, technique_coverage
from frameline.web.starting_points import alias_query


def local_client(app) -> TestClient:  # noqa: ANN001
    return TestClient(app, base_url="http://127.0.0.1:8000", client=("127.0.0.1", 50000))


def hrefs(page: str) -> list[str]:
    return [unescape(h) for h in re.findall(r'href="([^"]+)"', page)]


def test_without_events_the_overview_offers_no_event_links(clients):
    page = clients["viewer"].get("/").text
    assert "Start here" in page  # the source group is a starting point
    assert "<h3>Events</h3>" not in page and "mosul-2017" not in page
    assert "/search?group=extremist&sort=newest" in hrefs(page)
    assert "/frames?group=extremist" in hrefs(page)


def test_the_overview_links_stored_events_and_the_most_mentioned_places(clients, web_workspace):
    _, store, ids = web_workspace
    store.add_event(Event("mosul-2017", datetime(2017, 7, 10, tzinfo=timezone.utc),
                          datetime(2017, 7, 17, tzinfo=timezone.utc), description="Victory declared in Mosul"),
                    replace=True)
    # The entities analyser's document labels, with the default watchlist's id for Mosul.
    store.write_analysis("entities", "1", {i: ([], [DocLabel(i, "entity", "mosul", 1.0, "", "")]) for i in ids})
    page = clients["viewer"].get("/").text
    assert "mosul-2017" in page and "Victory declared in Mosul" in page
    links = hrefs(page)
    # The event's window as a search: `until` is inclusive, the event's end is not.
    window = next(h for h in links if h.startswith("/search?") and "since=2017-07-10" in h and "group" not in h)
    assert parse_qs(urlsplit(window).query)["until"] == ["2017-07-16"]
    found = clients["viewer"].get("/api/v1/search?" + urlsplit(window).query).json()
    assert found["total"] == 2  # 10 and 11 July; the 17th is outside
    assert "/frames?interval=day&since=2017-07-10&until=2017-07-16" in links
    assert any("group=extremist" in h and "since=2017-07-10" in h for h in links)  # per group, with its count
    # Mosul as a text search over its watchlist aliases: English and Arabic documents alike.
    mosul = next(h for h in links if h.startswith("/search?q="))
    query = parse_qs(urlsplit(mosul).query)["q"][0]
    assert query.split(" OR ")[:1] == ["Mosul"] and "الموصل" in query.split(" OR ")
    hits = clients["viewer"].get("/api/v1/search", params={"q": query, "per_page": 50}).json()
    assert hits["total"] == 4 and any("الموصل" in h["document"]["text"] for h in hits["items"])
    store.remove_event("mosul-2017")


def test_alias_queries_quote_phrases_and_skip_what_search_cannot_read():
    assert alias_query(["Mosul", "mosul", "الموصل", 'bad "quote', "Great Mosque of al-Nuri"]) == \
        'Mosul OR الموصل OR "Great Mosque of al-Nuri"'
    assert alias_query([]) == ""


def test_the_demo_prints_the_ui_pages_beside_the_commands(web_workspace, capsys):
    from frameline.demo import suggest_next_steps

    workspace, store, _ = web_workspace
    store.add_event(Event("paris-2015", datetime(2015, 10, 14, tzinfo=timezone.utc),
                          datetime(2015, 12, 14, tzinfo=timezone.utc)), replace=True)
    suggest_next_steps(workspace.path, store, port=8123)
    printed = capsys.readouterr().out
    assert "http://127.0.0.1:8123/search?since=2015-10-14&until=2015-12-13&sort=oldest" in printed
    assert "http://127.0.0.1:8123/frames?group=extremist" in printed
    assert "frameline search" in printed  # the CLI commands are still there
    store.remove_event("paris-2015")


@pytest.fixture(scope="module")
def coverage(web_workspace):
    """Technique coverage as the technique-spans analyser records it: English read, Arabic not covered."""
    _, store, ids = web_workspace
    english, arabic = ids[0], ids[1]
    text = store.get_document(english).text
    start = text.index("until victory")
    store.write_analysis("technique-spans", "1", {
        english: ([Span(english, start, start + 13, "technique-span", "propaganda", 0.48, "", "",
                        {"model": "ptc-crf"})],
                  [DocLabel(english, "technique-span", "covered", None, "", "", {"language": "en", "spans": 1})]),
        arabic: ([], [DocLabel(arabic, "technique-span", "not-covered", None, "", "",
                               {"language": "ar", "covered": ["en"]})]),
    })
    return english, arabic


def test_technique_spans_are_a_named_layer_and_coverage_is_a_sentence(clients, coverage):
    english, arabic = coverage
    page = clients["viewer"].get(f"/documents/{english}").text
    assert 'data-layer="technique-span"' in page and "technique spans" in page
    assert 'data-layer="other"' not in page and "hl-other" not in page
    assert "Technique span: some persuasion technique is likely used here" in unescape(page)  # the hover heading
    assert "Technique: Loaded Language" in unescape(page)
    assert "Persuasion techniques: analysed (English models); 1 technique span found." in page
    assert "covered</li>" not in page
    arabic_page = clients["viewer"].get(f"/documents/{arabic}").text
    assert "Persuasion techniques: English only — not analysed for this document&#39;s language (ar)." in arabic_page
    assert "not-covered" not in arabic_page


def test_no_highlights_says_found_nothing_or_not_analysed(clients, web_workspace, tmp_path):
    _, store, _ = web_workspace
    plain = tmp_path / "plain.jsonl"
    plain.write_text('{"id": "p1", "text": "Weather report: sunny."}\n{"id": "p2", "text": "Markets were calm."}\n',
                     encoding="utf-8")
    analysed, fresh = run_import(store, "jsonl", [plain], ImportOptions(source_name="plain")).new_ids
    store.write_analysis("frames", "1", {analysed: ([], [])})
    found_nothing = clients["viewer"].get(f"/documents/{analysed}").text
    assert "Analysed by 1 analyser: nothing found to highlight." in found_nothing
    assert "frameline analyze" not in found_nothing
    never = clients["viewer"].get(f"/documents/{fresh}").text
    assert "Not analysed yet: run <code>frameline analyze</code>" in never


def test_languages_read_as_words_and_filters_are_checkboxes(clients, web_workspace, tmp_path):
    _, store, _ = web_workspace
    short = tmp_path / "short.jsonl"
    short.write_text('{"id": "u1", "text": "ok", "language": "und"}\n', encoding="utf-8")
    document = run_import(store, "jsonl", [short], ImportOptions(source_name="short")).new_ids[0]
    assert store.get_document(document).language == "und"
    page = clients["viewer"].get(f"/documents/{document}").text
    assert '<span class="lang" title="language">undetermined</span>' in page
    search = clients["viewer"].get("/search", params={"lang": "und"}).text
    assert re.search(r'<input type="checkbox" name="lang" value="und" checked> undetermined', search)
    assert re.search(r'<input type="checkbox" name="group" value="extremist"\s*>', search)
    assert "<select name=\"group\" multiple" not in search and "<select name=\"lang\" multiple" not in search
    overview = clients["viewer"].get("/").text
    assert ">undetermined</a>" in overview
    assert language_name("und") == "undetermined" and language_name("ar") == "ar"


def test_counts_agree_with_their_nouns(web_workspace, tmp_path):
    workspace, store, _ = web_workspace
    from frameline.workspace import init_workspace

    single = init_workspace(tmp_path / "one")
    one_store = single.open_store()
    lone = tmp_path / "lone.jsonl"
    lone.write_text('{"id": "l1", "text": "A single document."}\n', encoding="utf-8")
    run_import(one_store, "jsonl", [lone], ImportOptions(source_name="lone"))
    page = local_client(create_app(single, store=one_store, local=True)).get("/").text
    assert "document in 1 source<" in page and "1 sources" not in page
    one_store.close()


def test_local_mode_shows_one_badge_and_no_sign_out(web_workspace):
    workspace, store, _ = web_workspace
    page = local_client(create_app(workspace, store=store, local=True)).get("/").text
    header = page[page.index('<div class="who">'):page.index("</header>")]
    assert re.findall(r'class="role[^"]*"', header) == ['class="role local-badge"']
    assert "Local mode · admin" in header and "Sign out" not in header
    assert ">local<" not in header


def test_display_wording_units():
    assert technique_coverage([]) is None
    covered = DocLabel(1, "technique-span", "covered", None, "", "", {"language": "en", "spans": 0})
    assert technique_coverage([covered]) == "Persuasion techniques: analysed (English models); no technique spans found."
