"""The base analysers together, as `frameline analyze` runs them: every layer filled, re-runs, version bumps.

Real analysers over a real SQLite workspace with the texts the issue names:
mixed Arabic/English, empty, a re-post, and a 5 MB text.
"""

from __future__ import annotations

import resource
import time
from datetime import datetime, timedelta, timezone

import pytest
from frameline.analysis.duplicates import DuplicateAnalyser
from frameline.analysis.entities import EntityAnalyser
from frameline.analysis.known_lists import KnownListAnalyser
from frameline.analysis.language import LanguageAnalyser
from frameline.analysis.quotes import QuoteAnalyser
from frameline.pipeline import analyze, available_analysers
from frameline.records import RawDocument, SourceRef
from frameline.workspace import init_workspace

BASE = [LanguageAnalyser, EntityAnalyser, QuoteAnalyser, DuplicateAnalyser, KnownListAnalyser]
T0 = datetime(2017, 7, 10, 9, tzinfo=timezone.utc)
ENGLISH = ('Iraqi Prime Minister Haider al-Abadi declared victory in Mosul on Monday. "The battle is over," '
           "said Brig. Gen. Yahya Rasool, a spokesman for the Joint Operations Command, adding that Islamic State "
           "fighters were still hiding in the Old City.")
ARABIC = ("وقال المتحدث باسم الدولة الإسلاميـــة: «إن جنود الخلافة ماضون حتى النصر أو الشهادة» وذلك يوم الجمعة "
          "في الموصل، وأضاف أن المعركة لم تنتهِ بعد.")
MIXED = f"{ARABIC}\n\nTranslation: The soldiers of the Caliphate will go on until victory or martyrdom, he said.\n{ENGLISH}"


def five_megabytes() -> str:
    """A long report: varied sentences (a number in each) so that no two paragraphs are the same."""
    paragraphs, total, number = [], 0, 0
    while total < 5_000_000:
        paragraph = (f"Report {number}: clashes near Mosul and Raqqa left {number % 97} fighters dead, according to "
                     f"local sources. " + ("لم تتوقف الاشتباكات في الموصل منذ أسابيع. " if number % 3 == 0 else "")
                     + "The coalition said air strikes continued overnight.")
        paragraphs.append(paragraph)
        total += len(paragraph) + 1
        number += 1
    return "\n".join(paragraphs)[:5_000_000]


@pytest.fixture(scope="module")
def analysed(tmp_path_factory):
    workspace = init_workspace(tmp_path_factory.mktemp("base") / "case")
    store = workspace.open_store()
    texts = {"english": ENGLISH, "arabic": ARABIC, "mixed": MIXED, "empty": "",
             "repost": f"Amaq Agency:\n{ENGLISH}\n#Mosul share"}
    source = SourceRef("telegram", "Nashir News", groups=("extremist",))
    store.write_documents([RawDocument(source=source, native_id=name, text=text, published_at=T0 + timedelta(hours=n))
                           for n, (name, text) in enumerate(texts.items())])
    ids = {document.native_id: document.id for document in store.iter_documents()}
    first = analyze(store, workspace, analysers=BASE, workers=1)
    yield workspace, store, ids, first
    store.close()


def layers_of(store, document_id):  # noqa: ANN001, ANN201
    return ({span.layer for span in store.get_spans(document_id)}, {label.layer for label in store.get_labels(document_id)})


def test_the_base_analysers_are_the_registered_ones():
    registered = available_analysers()
    assert all(registered.get(analyser.name) is analyser for analyser in BASE)
    assert registered["normalize"].computed_on_demand


def test_every_base_layer_is_filled(analysed):
    _, store, ids, first = analysed
    assert {stage.name: stage.documents for stage in first.analysers} == {
        "language": 5, "normalize": 0, "entities": 5, "quotes": 5, "duplicates": 5, "known-lists": 5}
    spans, labels = layers_of(store, ids["english"])
    assert {"entity", "quote"} <= spans and {"language", "cluster"} <= labels
    quote = store.get_spans(ids["english"], ["quote"])[0]
    assert quote.attributes["speaker"] == "Brig. Gen. Yahya Rasool"
    arabic_spans = store.get_spans(ids["arabic"], ["entity", "quote"])
    assert {"الدولة الإسلاميـــة", "الموصل", "يوم الجمعة"} <= {ARABIC[s.start:s.end] for s in arabic_spans}
    assert [label.label for label in store.get_labels(ids["repost"], ["cluster"])] == [str(ids["english"])]
    assert store.get_document(ids["empty"]).language == "und"
    assert layers_of(store, ids["empty"]) == (set(), {"language"})


def test_a_mixed_post_gets_a_language_per_paragraph_and_a_document_language_with_confidence(analysed):
    _, store, ids, _ = analysed
    [label] = store.get_labels(ids["mixed"], ["language"])
    assert label.label in ("ar", "en") and 0.5 < label.score <= 1.0 and label.attributes["mixed"] is True
    assert store.get_document(ids["mixed"]).language == label.label
    paragraphs = [(MIXED[s.start:s.end], s.label, s.score) for s in store.get_spans(ids["mixed"], ["language"])]
    assert [(text, language) for text, language, _ in paragraphs] == [
        (ARABIC, "ar"), (MIXED.split("\n")[2], "en"), (ENGLISH, "en")]
    assert all(0.6 <= score <= 1.0 for _, _, score in paragraphs)


def test_five_megabytes_go_through_every_analyser_in_bounded_time_and_memory(tmp_path):
    workspace = init_workspace(tmp_path / "case")
    store = workspace.open_store()
    huge = five_megabytes()
    [document_id] = store.write_documents([RawDocument(SourceRef("telegram", "x"), huge, native_id="1")]).new_ids
    started = time.process_time()
    report = analyze(store, workspace, analysers=BASE, workers=1)
    seconds = time.process_time() - started
    assert {stage.name: stage.documents for stage in report.analysers if stage.documents} == {
        analyser.name: 1 for analyser in BASE}
    assert seconds < 60, report.analysers  # about 9 CPU seconds on the development machine
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss < 2_500_000  # KiB
    assert store.get_document(document_id).language == "en"
    spans = store.get_spans(document_id, ["entity"])
    assert len(spans) > 10_000 and max(span.end for span in spans) > 4_900_000  # the end of the text was read
    assert all(huge[s.start:s.end] in ("Mosul", "Raqqa", "الموصل") for s in spans if s.attributes.get("entity_id")
               in ("mosul", "raqqa"))
    store.close()


def test_a_second_run_does_nothing_and_a_version_bump_recomputes_that_layer_only(analysed):
    workspace, store, ids, _ = analysed
    assert analyze(store, workspace, analysers=BASE, workers=1).documents == 0
    before = {layer: [(s.start, s.end, s.label) for s in store.get_spans(ids["english"], [layer])]
              for layer in ("entity", "quote")}

    class LanguageV2(LanguageAnalyser):
        version = "2"

    report = analyze(store, workspace, analysers=[LanguageV2, *BASE[1:]], workers=1)
    assert {stage.name: stage.documents for stage in report.analysers if stage.documents} == {"language": 5}
    assert {label.producer_version for label in store.get_labels(ids["arabic"], ["language"])} == {"2"}

    class EntitiesV2(EntityAnalyser):
        version = "2"

    report = analyze(store, workspace, analysers=[LanguageV2, EntitiesV2, *BASE[2:]], workers=1)
    assert {stage.name: stage.documents for stage in report.analysers if stage.documents} == {
        "entities": 5, "quotes": 5}  # quotes reads the entity layer, so it follows; nothing else does
    assert {layer: [(s.start, s.end, s.label) for s in store.get_spans(ids["english"], [layer])]
            for layer in ("entity", "quote")} == before


def test_what_a_run_stores_is_exactly_what_each_analyser_returns(analysed):
    """The runner and storage add nothing, drop nothing and reorder nothing (offsets, labels, scores, attributes).

    Each analyser is run by hand on the same documents (quotes given the entity spans it requires),
    and its output compared with what `analyze` stored under its name, document by document.
    """
    from frameline.analysis.base import DocumentInput

    workspace, store, ids, _ = analysed
    found = store.analysis_inputs(sorted(ids.values()))
    inputs = [DocumentInput(document_id, text, title, None, published, source)
              for document_id, (text, title, _language, published, source) in sorted(found.items())]
    stored = store.get_layers([document.id for document in inputs])

    def drafts(items):  # noqa: ANN001, ANN202
        return [(getattr(item, "start", None), getattr(item, "end", None), item.layer, item.label, item.score,
                 item.attributes or {}) for item in items]

    expected_languages = {}
    for analyser_class in (LanguageAnalyser, EntityAnalyser, QuoteAnalyser):
        analyser = analyser_class.from_workspace(workspace)
        analyser.setup()
        given = inputs
        if analyser.requires == ("entities",):
            given = [DocumentInput(d.id, d.text, d.title, d.language, d.published_at, d.source_id,
                                   spans=tuple(s for s in stored[d.id][0] if s.producer == "entities"))
                     for d in inputs]
        outputs = analyser.analyse(given)
        compared = 0
        for document in inputs:
            output = outputs.get(document.id)
            spans, labels = stored[document.id]
            assert drafts(s for s in spans if s.producer == analyser.name) == drafts(output.spans if output else [])
            assert drafts(l for l in labels if l.producer == analyser.name) == drafts(output.labels if output else [])
            compared += len(output.spans) + len(output.labels) if output else 0
            if analyser.sets_language and output and output.language:
                expected_languages[document.id] = output.language
        assert compared > 0, analyser.name
    assert {document_id: store.get_document(document_id).language for document_id in expected_languages} \
        == expected_languages
