"""A search survives the trip to a URL and back; bad parameters are explained."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from starlette.datastructures import QueryParams

from frameline.store import QuerySyntaxError
from frameline.web.search_params import SearchForm


def test_a_search_round_trips_through_its_url():
    form = SearchForm.from_params(QueryParams("q=Mosul+OR+الموصل&group=extremist&group=supporters&lang=ar&since=2017-07-01"
                                              "&until=2017-07-10&frame=steadfastness&sort=newest&page=3"))
    again = SearchForm.from_params(QueryParams(form.params()))
    assert again == form
    assert form.params(page=1).count("page=") == 0  # page 1 is the default, left out
    document_filter = form.document_filter()
    assert document_filter.until == datetime(2017, 7, 11, tzinfo=timezone.utc)  # the whole last day
    assert document_filter.labels == [("frame", "steadfastness")]
    assert form.query().offset == 40


@pytest.mark.parametrize("query, problem", [
    ("since=10/07/2017", "since must be a date"), ("page=0", "page must be"), ("source=x", "whole numbers"),
    ("source=99999999999999999999", "positive whole numbers"),
])
def test_bad_parameters_are_explained(query, problem):
    with pytest.raises(QuerySyntaxError, match=problem):
        SearchForm.from_params(QueryParams(query)).document_filter()


def test_the_last_representable_day_has_no_upper_bound():
    assert SearchForm.from_params(QueryParams("until=9999-12-31")).document_filter().until is None
