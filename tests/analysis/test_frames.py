"""The frames analyser: sentence spans with evidence, document labels, and re-running on codebook edits."""

from __future__ import annotations

from frameline.analysis.frames import FrameAnalyser
from frameline.pipeline import analyze
from frameline.records import RawDocument, SourceRef
from frameline.workspace import init_workspace

# A paraphrase of the founding case: mainstream reporting that quotes the group's communique.
FOUNDING_CASE = (
    "Iraqi Prime Minister Haider al-Abadi declared victory over the Islamic State in Mosul on Monday. "
    "Crowds waving Iraqi flags celebrated in the streets of Baghdad. "
    "Much of the Old City lies in ruins and nearly a million residents were displaced by the fighting. "
    "In a statement on its Amaq channel, the group said: \"The soldiers of the Caliphate continue their jihad "
    "until victory or martyrdom.\" "
    "It called the loss of the city one small setback in a much larger war. "
    "\"This is a loss for all Muslims, inflicted by the Shiites and the Crusader coalition,\" the statement said. "
    "It urged supporters who cannot reach the caliphate to strike the Crusaders in their own lands with a knife or a car. "
    "Analysts warned that the group would return to insurgency and remains a threat."
)
EXPECTED = {
    0: {"official-victory"},
    1: {"celebration"},
    2: {"humanitarian-cost"},
    3: {"steadfastness"},
    4: {"minimisation-of-loss"},
    5: {"pan-islamic-victimhood", "sectarian-enemy", "crusader-enemy"},
    6: {"call-to-act-abroad", "crusader-enemy"},
    7: {"threat-persistence"},
}
JIHADIST = {3, 4, 5, 6}


def test_the_founding_case_gets_jihadist_frames_on_the_communique_and_counter_frames_on_the_reporting():
    output = FrameAnalyser().analyse_text(FOUNDING_CASE)
    by_sentence: dict[int, set[str]] = {}
    codebooks: dict[int, set[str]] = {}
    for span in output.spans:
        sentence = span.attributes["sentence"]
        by_sentence.setdefault(sentence, set()).add(span.label)
        codebooks.setdefault(sentence, set()).add(span.attributes["codebook"])
        assert span.attributes["evidence"], span
        for item in span.attributes["evidence"]:
            assert FOUNDING_CASE[item["start"]:item["end"]] == item["text"]
            assert span.start <= item["start"] < item["end"] <= span.end
        assert span.attributes["name"] and span.attributes["rule"]
    for sentence, frames in EXPECTED.items():
        assert frames <= by_sentence.get(sentence, set()), (sentence, by_sentence.get(sentence))
        expected_codebook = "jihadist-narratives" if sentence in JIHADIST else "counter-narratives"
        assert codebooks[sentence] == {expected_codebook}, (sentence, by_sentence[sentence])
    labels = {label.label: label for label in output.labels}
    assert set(labels) == set().union(*EXPECTED.values())
    steadfast = labels["steadfastness"]
    assert 0.5 < steadfast.score < 1 and steadfast.attributes["evidence_sentences"]


def test_arabic_communique_sentences_are_framed():
    text = "جنود الخلافة ثابتون حتى النصر أو الشهادة. وقتلوا عشرات من الروافض والمرتدين."
    labels = {span.label for span in FrameAnalyser().analyse_text(text).spans}
    assert {"steadfastness", "sectarian-enemy", "delegitimise-state"} <= labels


def test_pipeline_stores_frames_and_reruns_only_frames_after_a_codebook_edit(tmp_path):
    workspace = init_workspace(tmp_path / "ws")
    store = workspace.open_store()
    source = SourceRef("files", "case", groups=("mainstream",))
    store.write_documents([RawDocument(source, FOUNDING_CASE, native_id="1"),
                         RawDocument(source, "Nothing to see here.", native_id="2")])
    report = analyze(store, workspace, only=["frames"], workers=1)
    assert report["frames"].documents == 2
    spans = [span for span in store.get_spans(1) if span.layer == "frame"]
    assert spans and all(span.producer == "frames" for span in spans)
    assert analyze(store, workspace, only=["frames"], workers=1)["frames"].documents == 0
    from frameline.codebook.store import install_default

    for codebook_id in ("jihadist-narratives", "counter-narratives"):
        install_default(workspace, codebook_id)
    assert analyze(store, workspace, only=["frames"], workers=1)["frames"].documents == 0  # same text, same version
    path = workspace.codebooks_dir / "counter-narratives.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("jubilant,", ""), encoding="utf-8")
    assert analyze(store, workspace, only=["frames"], workers=1)["frames"].documents == 2
    store.close()


def test_a_batch_gives_each_document_what_it_gets_alone_model_evidence_included(shared_data):
    import csv

    from frameline.analysis.base import DocumentInput

    with open(shared_data / "isis-tweets" / "IsisFanboy.csv", encoding="utf-8", errors="replace") as handle:
        tweets = [row["tweets"] or "" for _, row in zip(range(600), csv.DictReader(handle))]
    documents = [DocumentInput(index + 1, "\n".join(tweets[start:start + 12]))
                 for index, start in enumerate(range(0, len(tweets), 12))]
    analyser = FrameAnalyser.from_workspace(None)
    batch = analyser.analyse(documents)

    def spans(output):
        return [(span.start, span.end, span.label, span.score, span.attributes) for span in output.spans]

    learnt = [span for output in batch.values() for span in output.spans if span.attributes["method"] == "model"]
    assert len(learnt) > 10 and all(span.attributes["evidence"] for span in learnt)
    for document in documents:
        assert spans(batch[document.id]) == spans(analyser.analyse_text(document.text)), document.id
