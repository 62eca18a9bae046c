"""The entity analyser on real tweets and news, built cases, and through the pipeline into SQLite."""

from __future__ import annotations

import csv
import pickle
import time
from datetime import datetime, timezone

import pytest
from frameline.analysis.base import DocumentInput
from frameline.analysis.entities import EntityAnalyser, find_names
from frameline.analysis.watchlist import is_shouting
from frameline.pipeline import analyze
from frameline.records import RawDocument, SourceRef
from frameline.store import open_store, sqlite_url
from frameline.workspace import init_workspace

PUBLISHED = datetime(2017, 7, 11, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def analyser():
    entities = EntityAnalyser()
    entities.setup()
    return entities


def spans(analyser, text, published=PUBLISHED):  # noqa: ANN001, ANN201
    output = analyser.analyse_document(DocumentInput(1, text, published_at=published))
    return [(text[s.start:s.end], s.label, s.attributes.get("entity_id"), s.attributes["method"]) for s in output.spans]


def test_a_mixed_script_post(analyser):
    text = "Breaking: IS claims attack in Raqqa — أعماق: هجوم لجنود الدولة الإسلامية في الرقة يوم الجمعة"
    found = spans(analyser, text)
    assert ("IS", "group", "islamic-state", "watchlist") in found
    assert ("Raqqa", "place", "raqqa", "watchlist") in found
    assert ("الدولة الإسلامية", "group", "islamic-state", "watchlist") in found
    assert ("الرقة", "place", "raqqa", "watchlist") in found
    assert ("يوم الجمعة", "date", None, "pattern") in found
    output = analyser.analyse_document(DocumentInput(1, text))
    assert {(label.label, label.score) for label in output.labels} == {("islamic-state", 2.0), ("raqqa", 2.0)}


def test_span_format(analyser):
    [span] = analyser.analyse_document(DocumentInput(1, "Fighting in Mosul")).spans
    assert (span.start, span.end, span.layer, span.label, span.score) == (12, 17, "entity", "place", 1.0)
    assert span.attributes == {"entity_id": "mosul", "name": "Mosul", "matched": "Mosul", "method": "watchlist"}


def test_unknown_names_get_a_pattern_span_and_a_guessed_type(analyser):
    text = ("Yesterday Human Rights Watch said Gen. Stephen Townsend visited the city of Qayyarah. "
            "The Counter Terrorism Service entered Mosul.")
    found = spans(analyser, text)
    assert ("Human Rights Watch", "name", None, "pattern") in found
    assert ("Stephen Townsend", "person", None, "pattern") in found
    assert ("Qayyarah", "place", None, "pattern") in found
    assert ("Counter Terrorism Service", "armed-force", "counter-terrorism-service", "watchlist") in found
    assert not any(surface in ("Yesterday Human", "The", "Gen") for surface, *_ in found)
    assert all(span.score < 1.0 for span in find_names(text))


def test_shouting_and_sentence_initial_words_are_not_names():
    assert find_names("ENGLISH TRANSLATION: A MESSAGE TO THE TRUTHFUL IN SYRIA - SHEIKH ABU MUHAMMED AL MAQDISI") == []
    assert find_names("Brothers, pray. Victory is near. Allahu Akbar") == []


def test_real_tweets(analyser, shared_data):
    with open(shared_data / "isis-tweets" / "IsisFanboy.csv", encoding="utf-8", newline="") as file:
        rows = list(csv.DictReader(file))
    documents = [DocumentInput(i, row["tweets"] or "") for i, row in enumerate(rows)]
    started = time.perf_counter()
    outputs = analyser.analyse(documents)
    assert time.perf_counter() - started < 20  # ~1.6 s on one core when measured
    for document_id, output in list(outputs.items())[:3000]:
        text = documents[document_id].text
        for span in output.spans:
            assert 0 <= span.start < span.end <= len(text)
    entity_ids = {label.label for output in outputs.values() for label in output.labels}
    assert {"islamic-state", "mosul", "aleppo", "raqqa", "amaq", "abu-bakr-al-baghdadi"} <= entity_ids
    shouting = [i for i, row in enumerate(rows) if " IS " in (row["tweets"] or "") and is_shouting(row["tweets"])]
    assert shouting and not any(s.attributes.get("matched") == "IS" for i in shouting if i in outputs
                                for s in outputs[i].spans)


def test_news_sentences(analyser, shared_data):
    articles = sorted((shared_data / "ptc" / "dev-articles").glob("*.txt"))
    texts = [path.read_text(encoding="utf-8") for path in articles]
    outputs = analyser.analyse([DocumentInput(i, text, published_at=PUBLISHED) for i, text in enumerate(texts)])
    names = {texts[i][s.start:s.end] for i, o in outputs.items() for s in o.spans if s.attributes["method"] == "pattern"}
    assert len(names) > 100
    for i, output in outputs.items():
        for span in output.spans:
            surface = texts[i][span.start:span.end]
            assert surface == surface.strip() and surface


def test_offsets_round_trip_with_diacritics_and_tatweel(analyser):
    text = "قال أبـو بَكْرٍ البغدادي في جامع النّوري الكبير بالمـوصِل"
    found = [surface for surface, *_ in spans(analyser, text)]
    assert found == ["أبـو بَكْرٍ البغدادي", "جامع النّوري الكبير", "بالمـوصِل"]


def test_empty_and_5_mb_texts(analyser, shared_data):
    assert analyser.analyse([DocumentInput(1, "")]) == {}
    piece = (sorted((shared_data / "ptc" / "dev-articles").glob("*.txt"))[0].read_text(encoding="utf-8")
             + "\nأعلن العبادي تحرير الموصل في ١٠ تموز ٢٠١٧\n")
    text = piece * (5_000_000 // len(piece) + 1)
    started = time.perf_counter()
    output = analyser.analyse_document(DocumentInput(1, text, published_at=PUBLISHED))
    assert time.perf_counter() - started < 10  # ~2.7 s when measured
    assert output.spans and all(0 <= span.start < span.end <= len(text) for span in output.spans)


def test_the_analyser_pickles_small_and_works_after_the_trip(analyser):
    data = pickle.dumps(analyser)
    assert len(data) < 100_000
    again = pickle.loads(data)
    assert [s.attributes["entity_id"] for s in again.analyse([DocumentInput(1, "in Mosul")])[1].spans] == ["mosul"]


def test_the_workspace_watchlist_is_used_and_hashed(tmp_path):
    workspace = init_workspace(tmp_path / "ws")
    default = EntityAnalyser.from_workspace(workspace)
    (workspace.watchlists_dir / "case.yaml").write_text(
        "entities:\n  - {id: qayyarah, name: Qayyarah, type: place, aliases: [Qayyarah, القيارة]}\n", encoding="utf-8")
    custom = EntityAnalyser.from_workspace(workspace)
    assert custom.config_version() != default.config_version()
    output = custom.analyse([DocumentInput(1, "Qayyarah and Mosul")])[1]
    assert [s.attributes.get("entity_id") for s in output.spans if s.attributes["method"] == "watchlist"] == ["qayyarah"]


def test_the_pipeline_writes_the_layer_and_labels(tmp_path):
    store = open_store(sqlite_url(tmp_path / "x.db"))
    source = SourceRef(kind="telegram", name="Amaq test", groups=("extremist",))
    store.write_documents([
        RawDocument(source=source, native_id="1", text="Soldiers of the Islamic State in Mosul on Monday",
                    published_at=PUBLISHED),
        RawDocument(source=source, native_id="2", text="Celebrations in Baghdad", published_at=PUBLISHED),
        RawDocument(source=source, native_id="3", text="", published_at=PUBLISHED),
    ])
    report = analyze(store, analysers=[EntityAnalyser])
    assert report["entities"].documents == 3
    ids = [document.id for document in store.iter_documents()]
    layers = store.get_layers(ids)
    first_spans, first_labels = layers[ids[0]]
    assert [(s.label, s.attributes.get("entity_id"), s.producer) for s in first_spans] == [
        ("group", "islamic-state", "entities"), ("place", "mosul", "entities"), ("date", None, "entities")]
    assert first_spans[2].attributes["value"] == "2017-07-10"
    assert {(label.layer, label.label, label.score) for label in first_labels} == {
        ("entity", "islamic-state", 1.0), ("entity", "mosul", 1.0)}
    assert analyze(store, analysers=[EntityAnalyser]).documents == 0
    store.close()
