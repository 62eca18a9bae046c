"""Dates in English and Arabic, resolved against the publication time."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from frameline.analysis.dates import find_dates

PUBLISHED = datetime(2017, 7, 11, 9, 30, tzinfo=timezone.utc)  # a Tuesday, the day after Mosul was declared liberated


def dates(text, published=PUBLISHED):  # noqa: ANN001, ANN201
    return [(text[m.start:m.end], m.value, m.resolution) for m in find_dates(text, published)]


@pytest.mark.parametrize(("text", "expected"), [
    ("on 10 July 2017 Iraq", ("10 July 2017", "2017-07-10", "absolute")),
    ("dated 09 November, 2016.", ("09 November, 2016", "2016-11-09", "absolute")),
    ("as of July 10, 2017,", ("July 10, 2017", "2017-07-10", "absolute")),
    ("report 2017-07-10T10:00", ("2017-07-10", "2017-07-10", "absolute")),
    ("since July 10 the city", ("July 10", "2017-07-10", "relative")),
    ("since Dec. 28 the city", ("Dec. 28", "2016-12-28", "relative")),  # a yearless date ahead by months is last year's
    ("it fell on Monday", ("Monday", "2017-07-10", "relative")),
    ("it fell on Tuesday", ("Tuesday", "2017-07-11", "relative")),  # on or before publication
    ("it fell last Tuesday", ("last Tuesday", "2017-07-04", "relative")),
    ("it fell yesterday", ("yesterday", "2017-07-10", "relative")),
    ("في ١٠ تموز ٢٠١٧ أعلن", ("١٠ تموز ٢٠١٧", "2017-07-10", "absolute")),
    ("في 10 يوليو 2017 أعلن", ("10 يوليو 2017", "2017-07-10", "absolute")),
    ("في ٩ تشرين الثاني", ("٩ تشرين الثاني", "2016-11-09", "relative")),
    ("خطبة يوم الجمعة", ("يوم الجمعة", "2017-07-07", "relative")),
    ("قُتل أمس في الموصل", ("أمس", "2017-07-10", "relative")),
])
def test_each_form_is_found_and_resolved(text, expected):
    assert dates(text) == [expected]


def test_without_a_publication_date_relative_dates_stay_unresolved():
    assert dates("on Monday, July 10 and 9 July 2017", published=None) == [
        ("Monday", None, "relative"), ("July 10", None, "relative"), ("9 July 2017", "2017-07-09", "absolute")]


@pytest.mark.parametrize("text", ["You may go", "they march on", "31 June 2017", "the 2017-13-45 build", "", "march 3"])
def test_verbs_and_impossible_dates_are_not_dates(text):
    assert dates(text) == []


def test_offsets_are_into_the_original_text_with_tatweel_and_diacritics():
    text = "بتاريخ ١٠ تـمّـوز ٢٠١٧ أعلن"
    [(surface, value, _)] = dates(text)
    assert surface == "١٠ تـمّـوز ٢٠١٧" and value == "2017-07-10"
