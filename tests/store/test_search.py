"""Full-text search: the query language, Arabic and Latin normalisation, filters, sorting, snippets."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from frameline.store import DocumentFilter, QuerySyntaxError, SearchQuery

from .corpus import AMAQ, NASHIR, REUTERS, label, raw_doc, span, store_texts


def found(store, text: str = "", **options) -> list[str]:  # noqa: ANN001
    """The texts of every hit, in result order."""
    return [hit.document.text for hit in store.search(SearchQuery(text, limit=1000, **options)).hits]


def test_words_match_regardless_of_case_and_latin_accents(store):
    store_texts(store, "Fighting continues in MOSUL", "Mósul has fallen", "News from Raqqa")

    assert sorted(found(store, "mosul")) == ["Fighting continues in MOSUL", "Mósul has fallen"]
    assert sorted(found(store, "MÓSUL")) == ["Fighting continues in MOSUL", "Mósul has fallen"]


def test_every_word_of_the_query_must_match(store):
    store_texts(store, "victory in Mosul", "victory in Raqqa", "defeat in Mosul")

    assert found(store, "victory mosul") == ["victory in Mosul"]


# (spelling variant, everyday spelling): each must find the other.
ARABIC_VARIANTS = {
    "alef with hamza above": ("أمير المؤمنين", "امير المؤمنين"),
    "alef with hamza below": ("الإسلام", "الاسلام"),
    "alef with madda": ("آمنوا", "امنوا"),
    "alef maqsura": ("مصطفى", "مصطفي"),
    "ta marbuta": ("الدولة", "الدوله"),
    "tatweel": ("الخـــلافة", "الخلافة"),
    "diacritics": ("الخِلَافَةُ", "الخلافة"),
    "all at once": ("دَوْلَةُ الإسـلامِ بَاقِيَةٌ", "دوله الاسلام باقيه"),
}


@pytest.mark.parametrize("variant,plain", ARABIC_VARIANTS.values(), ids=ARABIC_VARIANTS.keys())
def test_arabic_spelling_variants_match_each_other_in_query_and_document(store, variant, plain):
    store_texts(store, f"قال {variant} اليوم", f"كتب {plain} أمس", "خبر آخر عن الموصل")

    expected = sorted([f"قال {variant} اليوم", f"كتب {plain} أمس"])
    assert sorted(found(store, plain)) == expected
    assert sorted(found(store, variant)) == expected


def test_a_quoted_phrase_matches_only_those_words_in_that_order(store):
    store_texts(store, "until victory or martyrdom, they said", "martyrdom or victory", "victory, then martyrdom or exile")

    assert found(store, '"victory or martyrdom"') == ["until victory or martyrdom, they said"]


def test_an_arabic_phrase_matches_across_spelling_variants(store):
    store_texts(store, "بيان الدولة الإسلامية في الموصل", "الإسلامية الدولة", "الدولة العراقية الإسلامية")

    assert found(store, '"الدوله الاسلاميه"') == ["بيان الدولة الإسلامية في الموصل"]


@pytest.mark.parametrize("query", ["example.org", "U.S.", "2.5", "al-Baghdadi", "amaq_agency", "info@example.org"])
def test_words_joined_by_punctuation_are_found_as_written(store, query):
    store_texts(store, "posted on example.org by info@example.org", "U.S. strikes near Mosul", "casualties rose 2.5 percent",
                "Abu Bakr al-Baghdadi", "channel amaq_agency", "unrelated")

    assert len(found(store, query)) == 1


def test_a_trailing_star_matches_words_starting_with_the_prefix(store):
    store_texts(store, "Mosul fell", "the Mosque was hit", "almost over", "الموصل سقطت", "الموت")

    assert sorted(found(store, "mos*")) == ["Mosul fell", "the Mosque was hit"]
    assert found(store, "الموص*") == ["الموصل سقطت"]


def test_or_matches_either_alternative(store):
    store_texts(store, "Mosul fell", "Raqqa holds", "Tal Afar")

    assert sorted(found(store, "Mosul OR Raqqa")) == ["Mosul fell", "Raqqa holds"]


def test_or_binds_alternatives_while_other_words_must_still_match(store):
    store_texts(store, "victory in Mosul", "victory in Raqqa", "defeat in Mosul", "victory in Tal Afar")

    assert sorted(found(store, "victory Mosul OR Raqqa")) == ["victory in Mosul", "victory in Raqqa"]
    assert sorted(found(store, "Mosul OR Raqqa victory")) == ["victory in Mosul", "victory in Raqqa"]
    assert sorted(found(store, "-defeat Mosul OR Raqqa OR Afar")) == ["victory in Mosul", "victory in Raqqa", "victory in Tal Afar"]


def test_a_leading_minus_excludes_documents_with_that_word(store):
    store_texts(store, "Mosul liberated", "Mosul football final", "Mosul FOOTBALL club")

    assert found(store, "Mosul -football") == ["Mosul liberated"]


def test_an_excluded_phrase_excludes_only_the_phrase(store):
    store_texts(store, "Mosul: a small setback in a larger war", "Mosul: the war is small")

    assert found(store, 'Mosul -"small setback"') == ["Mosul: the war is small"]


def test_english_and_arabic_alternatives_combine_with_exclusion(store):
    store_texts(store, "Mosul liberated", "تحرير الموصل", "Mosul football final", "كرة القدم في الموصل", "Raqqa")

    assert sorted(found(store, "Mosul OR الموصل -football -كره")) == ["Mosul liberated", "تحرير الموصل"]


@pytest.mark.parametrize("bad_query", [
    "OR Mosul", "Mosul OR", "Mosul OR OR Raqqa", "-Mosul", "-Mosul -Raqqa", "Mosul OR -Raqqa", '"victory or martyrdom',
])
def test_a_malformed_query_raises_query_syntax_error(store, bad_query):
    store_texts(store, "Mosul")

    with pytest.raises(QuerySyntaxError):
        store.search(SearchQuery(bad_query))


@pytest.mark.parametrize("options", [{"sort": "best"}, {"limit": 0}, {"limit": 1001}, {"offset": -1}])
def test_invalid_sort_or_page_raises_query_syntax_error(options):
    with pytest.raises(QuerySyntaxError):
        SearchQuery("Mosul", **options)


def test_an_empty_query_lists_every_document_matching_the_filter(store):
    store.write_documents([raw_doc("a", "1", source=AMAQ), raw_doc("b", "2", source=REUTERS)])

    results = store.search(SearchQuery("", filter=DocumentFilter(groups=["mainstream"])))
    assert [hit.document.text for hit in results.hits] == ["b"]
    assert results.hits[0].rank is None


def test_hits_carry_their_source_and_a_rank(store):
    store.write_documents([raw_doc("Mosul", "1", source=REUTERS)])

    [hit] = store.search(SearchQuery("mosul")).hits
    assert (hit.source.name, hit.source.groups) == ("Reuters World", ["mainstream"])
    assert isinstance(hit.rank, float)


def test_filtering_by_source_group_source_and_language(store):
    store.write_documents([
        raw_doc("Mosul statement", "1", source=AMAQ, language="ar"),
        raw_doc("Mosul repost", "2", source=NASHIR, language="en"),
        raw_doc("Mosul report", "3", source=REUTERS, language="en"),
    ])
    nashir_id = store.find_source("Nashir News").id

    assert sorted(found(store, "mosul", filter=DocumentFilter(groups=["extremist"]))) == ["Mosul repost", "Mosul statement"]
    assert sorted(found(store, "mosul", filter=DocumentFilter(groups=["supporters", "mainstream"]))) == [
        "Mosul report", "Mosul repost"]
    assert found(store, "mosul", filter=DocumentFilter(source_ids=[nashir_id])) == ["Mosul repost"]
    assert sorted(found(store, "mosul", filter=DocumentFilter(languages=["en"]))) == ["Mosul report", "Mosul repost"]
    assert found(store, "mosul", filter=DocumentFilter(groups=["extremist"], languages=["en"])) == ["Mosul repost"]


def test_filtering_by_publication_window(store):
    july = datetime(2017, 7, 1, tzinfo=timezone.utc)
    store.write_documents([raw_doc(f"Mosul day {day}", str(day), published_at=july + timedelta(days=day - 1))
                           for day in (1, 9, 10, 11, 20)])

    window = DocumentFilter(since=datetime(2017, 7, 9, tzinfo=timezone.utc), until=datetime(2017, 7, 11, tzinfo=timezone.utc))
    assert found(store, "mosul", filter=window, sort="oldest") == ["Mosul day 9", "Mosul day 10"]


def test_filtering_by_document_labels_and_span_labels_written_by_analysis(store):
    steadfast, setback, plain = store_texts(store, "Mosul: we remain", "Mosul: a small setback", "Mosul news")
    store.write_analysis("frames", "1", {
        steadfast: ([span(0, 5, label="enemy")], [label(name="steadfastness")]),
        setback: ([], [label(name="minimisation")]),
        plain: ([], []),
    })

    assert found(store, "mosul", filter=DocumentFilter(labels=[("frames", "steadfastness")])) == ["Mosul: we remain"]
    assert found(store, "", filter=DocumentFilter(labels=[("frames", "minimisation")])) == ["Mosul: a small setback"]
    assert found(store, "mosul", filter=DocumentFilter(span_labels=[("frames", "enemy")])) == ["Mosul: we remain"]
    assert found(store, "mosul", filter=DocumentFilter(labels=[("frames", "steadfastness"), ("frames", "minimisation")])) == []


def test_newest_and_oldest_sort_by_publication_time_with_undated_last(store):
    july = datetime(2017, 7, 1, tzinfo=timezone.utc)
    store.write_documents([
        raw_doc("Mosul b", "b", published_at=july + timedelta(days=2)),
        raw_doc("Mosul undated", "u"),
        raw_doc("Mosul a", "a", published_at=july + timedelta(days=1)),
        raw_doc("Mosul c", "c", published_at=july + timedelta(days=3)),
    ])

    assert found(store, "mosul", sort="newest") == ["Mosul c", "Mosul b", "Mosul a", "Mosul undated"]
    assert found(store, "mosul", sort="oldest") == ["Mosul a", "Mosul b", "Mosul c", "Mosul undated"]


def test_relevance_ranks_a_title_match_above_a_body_match(store):
    store.write_documents([
        raw_doc("reports from the city of Mosul today", "1", title="Daily digest"),
        raw_doc("reports from the city today", "2", title="Mosul"),
        raw_doc("nothing relevant here", "3", title="Raqqa"),
    ])

    assert found(store, "mosul", sort="relevance") == ["reports from the city today", "reports from the city of Mosul today"]


def test_pages_partition_the_results_and_share_the_total(store):
    july = datetime(2017, 7, 1, tzinfo=timezone.utc)
    store.write_documents([raw_doc(f"Mosul {n}", str(n), published_at=july + timedelta(hours=n)) for n in range(7)]
                          + [raw_doc("Raqqa", "r")])

    pages = [store.search(SearchQuery("mosul", sort="oldest", limit=3, offset=offset)) for offset in (0, 3, 6, 9)]
    assert [[hit.document.text for hit in page.hits] for page in pages] == [
        ["Mosul 0", "Mosul 1", "Mosul 2"], ["Mosul 3", "Mosul 4", "Mosul 5"], ["Mosul 6"], []]
    assert {(page.total, page.total_is_lower_bound) for page in pages} == {(7, False)}


def highlighted(hit) -> list[str]:  # noqa: ANN001
    return [fragment.text for fragment in hit.snippet if fragment.highlighted]


def test_snippets_highlight_the_original_latin_characters(store):
    store_texts(store, "Breaking: MÓSUL has fallen, say officials")

    [hit] = store.search(SearchQuery("mosul")).hits
    assert highlighted(hit) == ["MÓSUL"]
    assert "".join(fragment.text for fragment in hit.snippet) == "Breaking: MÓSUL has fallen, say officials"


def test_snippets_highlight_the_original_arabic_characters(store):
    text = "أعلنت الدَّوْلَةُ الإسلامية بقاءها في الموصـــل"
    store_texts(store, text)

    [hit] = store.search(SearchQuery('"الدوله الاسلاميه" OR الموصل')).hits
    assert highlighted(hit) == ["الدَّوْلَةُ الإسلامية", "الموصـــل"]
    assert "".join(fragment.text for fragment in hit.snippet) == text


def test_snippets_highlight_whole_words_for_a_prefix(store):
    store_texts(store, "Fighters left Mosul for the desert")

    [hit] = store.search(SearchQuery("mos*")).hits
    assert highlighted(hit) == ["Mosul"]


def test_relevance_over_more_matches_than_it_ranks_ranks_the_newest_and_says_so(store, monkeypatch):
    from frameline.store import sql

    monkeypatch.setattr(sql, "RANK_CANDIDATES", 3)
    texts = ["Mosul Mosul Mosul", "Mosul", "Mosul and Raqqa", "Mosul today", "Mosul news"]
    store.write_documents([raw_doc(text, str(n)) for n, text in enumerate(texts)])

    results = store.search(SearchQuery("mosul"))
    assert (results.total, results.total_is_lower_bound, results.ranked_newest) == (5, False, 3)
    assert sorted(hit.document.native_id for hit in results.hits) == ["2", "3", "4"]  # the three newest
    everything = store.search(SearchQuery("mosul", sort="newest"))
    assert [hit.document.native_id for hit in everything.hits] == ["4", "3", "2", "1", "0"]
    assert everything.ranked_newest is None and all(isinstance(hit.rank, float) for hit in everything.hits)
