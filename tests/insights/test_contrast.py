"""Group contrast on the two-camp corpus: shares, tests, evidence, distinctive words, events."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import replace
from datetime import datetime, timezone

import pytest

from frameline.insights.contrast import contrast_groups
from frameline.insights.selection import SelectionError, event_named, parse_selection
from frameline.insights.statistics import holm_adjust, two_proportion_z_test, weighted_log_odds, wilson_interval
from frameline.insights.terms import distinctive_terms, words_of
from frameline.records import RawDocument
from frameline.store import aggregates
from frameline.store.base import Event
from frameline.text.search_words import index_text

from .corpus import AMAQ, CELEBRATE, SETBACK, STEADFAST, VICTORY


def test_frame_shares_tests_and_holm_correction(mosul):
    store, _ids = mosul
    result = contrast_groups(store, parse_selection(store, "group:extremist"), parse_selection(store, "mainstream"),
                             terms=False)
    assert (result.documents_a, result.documents_b) == (20, 20)
    by_frame = {row.frame: row for row in result.frames}
    assert set(by_frame) == {"f-steadfast", "f-victory"}
    steadfast = by_frame["f-steadfast"]
    assert steadfast.name == "Steadfastness"
    assert (steadfast.a.documents, steadfast.b.documents) == (12, 2)
    assert steadfast.a.share == 0.6 and steadfast.b.share == 0.1
    assert (steadfast.a.ci_low, steadfast.a.ci_high) == wilson_interval(12, 20)
    z, p = two_proportion_z_test(12, 20, 2, 20)
    # pooled 14/40 = 0.35: z = 0.5 / sqrt(0.35 * 0.65 * 0.1) = 3.3149...
    assert steadfast.z == pytest.approx(0.5 / math.sqrt(0.35 * 0.65 * 0.1), abs=1e-12)
    victory = by_frame["f-victory"]
    assert (victory.a.documents, victory.b.documents) == (4, 14)
    _z, p_victory = two_proportion_z_test(4, 20, 14, 20)
    assert [steadfast.p_adjusted, victory.p_adjusted] == pytest.approx(holm_adjust([p, p_victory]))
    assert steadfast.significant and victory.significant and victory.difference == pytest.approx(-0.5)


def test_evidence_is_the_highest_scoring_sentences_of_each_side_with_links(mosul):
    store, ids = mosul
    result = contrast_groups(store, parse_selection(store, "group:extremist"),
                             parse_selection(store, "group:mainstream"), terms=False, evidence_per_side=2)
    steadfast = next(row for row in result.frames if row.frame == "f-steadfast")
    assert [e.document_id for e in steadfast.evidence_a] == [ids["extremist"][11], ids["extremist"][10]]
    assert [e.score for e in steadfast.evidence_a] == pytest.approx([0.61, 0.60])
    assert {e.sentence for e in steadfast.evidence_a + steadfast.evidence_b} == {STEADFAST}
    assert steadfast.evidence_a[0].link == f"/documents/{ids['extremist'][11]}"
    assert steadfast.evidence_a[0].source == "Amaq Agency"
    assert [e.document_id for e in steadfast.evidence_b] == [ids["mainstream"][15], ids["mainstream"][14]]


def test_distinctive_words_are_the_weighted_log_odds_of_the_indexed_words(mosul):
    store, _ids = mosul
    result = contrast_groups(store, parse_selection(store, "group:extremist"),
                             parse_selection(store, "group:mainstream"), top_terms=50)
    (english,) = result.terms
    assert english.language == "en" and (english.documents_a, english.documents_b) == (20, 20)
    texts_a = [f"{STEADFAST} {SETBACK}"] * 12 + [f"Report {i}. {VICTORY}" for i in range(12, 20)]
    texts_b = [f"{VICTORY} {CELEBRATE}"] * 14 + [f"Update {i}. {STEADFAST}" for i in range(14, 20)]
    counts_a = Counter(word for text in texts_a for word in words_of(index_text(text)))
    counts_b = Counter(word for text in texts_b for word in words_of(index_text(text)))
    expected = {score.word: score for score in weighted_log_odds(counts_a, counts_b)}
    for score in english.top_a + english.top_b:
        assert score.z == pytest.approx(expected[score.word].z, abs=1e-9)
    # With the pooled prior, 12-against-0 words reach z = 1.90 here: below 1.96, so A lists none;
    # words only B uses (14 against 0) reach z = -2.27.
    assert english.top_a == []
    assert {score.word for score in english.top_b} == {"baghdad", "celebrated", "crowds", "streets"}
    (unfiltered,) = distinctive_terms(store, parse_selection(store, "extremist"), parse_selection(store, "mainstream"),
                                      top=3, min_z=0)
    assert [score.word for score in unfiltered.top_a] == ["is", "larger", "much"]  # z ties broken by the word
    assert unfiltered.top_a[0].z == pytest.approx(expected["setback"].z, abs=1e-9)


def test_an_event_restricts_both_sides_to_its_window_and_query(mosul):
    store, _ids = mosul
    store.add_event(Event("mosul-2017", datetime(2017, 6, 20, tzinfo=timezone.utc),
                          datetime(2017, 6, 30, tzinfo=timezone.utc), "Mosul OR الموصل"))
    event = event_named(store, "mosul-2017")
    a = parse_selection(store, "group:extremist").restricted_to(event)
    b = parse_selection(store, "group:mainstream").restricted_to(event)
    result = contrast_groups(store, a, b, event_name=event.name, terms=False)
    # Extremist days 0-9 all mention Mosul (in the setback sentence); mainstream days 0-9 in the victory one.
    assert (result.documents_a, result.documents_b) == (10, 10)
    by_frame = {row.frame: row for row in result.frames}
    assert by_frame["f-steadfast"].a.documents == 10 and by_frame["f-victory"].b.documents == 10
    only_event = parse_selection(store, "event:mosul-2017")
    assert store.count_documents(only_event.filter) == 20  # the window alone; the query narrows further
    assert aggregates.count_selected(store, only_event) == 20 == store.match_event_documents(event)
    # Documents stored later join the event's matches when it is next used; others stay out.
    late = store.write_documents([RawDocument(source=AMAQ, text="Mosul again", native_id="late",
                                              published_at=datetime(2017, 6, 29, tzinfo=timezone.utc)),
                                  RawDocument(source=AMAQ, text="elsewhere", native_id="other",
                                              published_at=datetime(2017, 6, 29, tzinfo=timezone.utc))])
    assert aggregates.count_selected(store, parse_selection(store, "event:mosul-2017")) == 21
    assert late.new_ids[0] in {row[0] for row in store.engine.connect().exec_driver_sql(
        "SELECT document_id FROM event_documents")}
    # Replacing the event's definition matches afresh.
    store.add_event(Event("mosul-2017", datetime(2017, 6, 20, tzinfo=timezone.utc),
                          datetime(2017, 6, 30, tzinfo=timezone.utc), "again"), replace=True)
    assert aggregates.count_selected(store, parse_selection(store, "event:mosul-2017")) == 1


def test_sides_that_name_nothing_are_errors(mosul):
    store, _ids = mosul
    with pytest.raises(SelectionError, match="no source is in the group 'jihadist'"):
        parse_selection(store, "group:jihadist")
    with pytest.raises(SelectionError, match="no source called"):
        parse_selection(store, "source:Dabiq")
    with pytest.raises(SelectionError, match="no event"):
        parse_selection(store, "event:raqqa")
    amaq, nashir = store.find_source("Amaq Agency"), store.find_source("Nashir News")
    assert parse_selection(store, "source:Amaq Agency,@nashir").filter.source_ids == [amaq.id, nashir.id]


def test_evidence_for_a_searched_selection_ranks_each_frame_in_one_pass(mosul):
    store, ids = mosul
    side = replace(parse_selection(store, "group:extremist"), text="Mosul")
    one_pass = aggregates.top_spans_per_label(store, side, "frame", ["f-steadfast", "f-victory"], 2)
    assert [span.document_id for span in one_pass["f-steadfast"]] == [ids["extremist"][11], ids["extremist"][10]]
    for frame, found in one_pass.items():
        assert found == aggregates.top_spans(store, side, "frame", frame, 2)
    celebrated = replace(side, text="celebrated")
    assert aggregates.top_spans_per_label(store, celebrated, "frame", ["f-victory"], 2) == {"f-victory": []}
