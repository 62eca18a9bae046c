"""Analysis output: each analyser owns its spans and labels; run state says what is stale."""

from __future__ import annotations

from frameline.records import SpanDraft
from frameline.store import DocumentFilter

from .corpus import label, raw_doc, span, store_texts


def layer_view(items) -> list[tuple]:  # noqa: ANN001
    return sorted((item.producer, item.producer_version, item.layer, item.label) for item in items)


def test_written_spans_and_labels_belong_to_the_document_and_record_their_producer(store):
    [document_id] = store_texts(store, "victory or martyrdom")
    store.write_analysis("frames", "1.2", {
        document_id: ([span(0, 7, label="steadfastness", score=0.75)], [label(name="steadfastness", score=0.5)]),
    })

    [stored_span] = store.get_spans(document_id)
    assert (stored_span.document_id, stored_span.start, stored_span.end, stored_span.score) == (document_id, 0, 7, 0.75)
    assert (stored_span.producer, stored_span.producer_version) == ("frames", "1.2")
    [stored_label] = store.get_labels(document_id)
    assert (stored_label.document_id, stored_label.label, stored_label.score) == (document_id, "steadfastness", 0.5)
    assert (stored_label.producer, stored_label.producer_version) == ("frames", "1.2")


def test_span_attributes_round_trip(store):
    [document_id] = store_texts(store, "Abu Bakr al-Baghdadi said")
    entity = span(0, 20, layer="entities", label="PERSON")
    entity.attributes = {"entity_id": "Q1234", "aliases": ["البغدادي"]}
    store.write_analysis("entities", "1", {document_id: ([entity], [])})

    assert store.get_spans(document_id)[0].attributes == {"entity_id": "Q1234", "aliases": ["البغدادي"]}


def test_rewriting_replaces_only_that_analysers_spans_and_labels(store):
    [document_id] = store.write_documents(
        [raw_doc("@nashir: victory or martyrdom", "1", spans=[SpanDraft(0, 7, "links", "mention")])]).new_ids
    store.write_analysis("frames", "1", {document_id: ([span(9, 16)], [label(name="steadfastness")])})
    store.write_analysis("techniques", "1", {document_id: ([span(9, 29, layer="techniques", label="Slogans")],
                                                           [label(layer="techniques", name="Slogans")])})

    store.write_analysis("frames", "2", {document_id: ([span(20, 29, label="martyrdom")], [])})

    assert layer_view(store.get_spans(document_id)) == [
        ("frames", "2", "frames", "martyrdom"),
        ("import:telegram", "1", "links", "mention"),
        ("techniques", "1", "techniques", "Slogans"),
    ]
    assert layer_view(store.get_labels(document_id)) == [("techniques", "1", "techniques", "Slogans")]


def test_rewriting_one_document_leaves_the_analysers_output_on_others(store):
    first, second = store_texts(store, "one", "two")
    store.write_analysis("frames", "1", {first: ([span(0, 3)], []), second: ([span(0, 3)], [])})

    store.write_analysis("frames", "1", {first: ([], [])})

    assert store.get_spans(first) == []
    assert len(store.get_spans(second)) == 1


def test_spans_and_labels_can_be_read_by_layer(store):
    [document_id] = store_texts(store, "Crusader coalition")
    store.write_analysis("nlp", "1", {document_id: (
        [span(0, 8, layer="entities", label="GROUP"), span(0, 18, layer="frames", label="enemy")],
        [label(layer="frames", name="enemy"), label(layer="language", name="en")],
    )})

    assert [s.label for s in store.get_spans(document_id, layers=["entities"])] == ["GROUP"]
    assert [item.label for item in store.get_labels(document_id, layers=["frames", "language"])] == ["enemy", "en"]
    assert store.get_labels(document_id, layers=[]) == []


def test_analysed_documents_are_no_longer_stale(store):
    first, second, third = store_texts(store, "one", "two", "three")
    assert store.stale_documents("frames", "1") == [first, second, third]

    store.write_analysis("frames", "1", {first: ([], []), third: ([], [label()])})

    assert store.stale_documents("frames", "1") == [second]
    assert store.stale_documents("techniques", "1") == [first, second, third]


def test_a_new_analyser_version_makes_every_document_stale_again(store):
    first, second = store_texts(store, "one", "two")
    store.write_analysis("frames", "1", {first: ([], []), second: ([], [])})

    assert store.stale_documents("frames", "2") == [first, second]
    store.write_analysis("frames", "2", {second: ([], [])})
    assert store.stale_documents("frames", "2") == [first]
    assert store.stale_documents("frames", "1") == [second]  # run state keeps only the latest version


def test_a_new_codebook_version_makes_documents_stale(store):
    [document_id] = store_texts(store, "one")
    store.write_analysis("frames", "1", {document_id: ([], [])}, config_version="codebook-3")

    assert store.stale_documents("frames", "1", config_version="codebook-3") == []
    assert store.stale_documents("frames", "1", config_version="codebook-4") == [document_id]


def test_stale_documents_respects_limit_and_filter(store):
    ids = store.write_documents([raw_doc(f"doc {n}", str(n), language="ar" if n % 2 else "en") for n in range(6)]).new_ids

    assert store.stale_documents("frames", "1", limit=2) == sorted(ids)[:2]
    arabic = [document.id for document in store.iter_documents(DocumentFilter(languages=["ar"]))]
    assert store.stale_documents("frames", "1", filter=DocumentFilter(languages=["ar"])) == arabic


def test_writing_no_outputs_changes_nothing(store):
    [document_id] = store_texts(store, "one")

    store.write_analysis("frames", "1", {})

    assert store.stale_documents("frames", "1") == [document_id]
