"""Direct quotations and their speakers, on real news articles, the founding case, Arabic, and the edge cases."""

from __future__ import annotations

import pickle
import time
from pathlib import Path

import pytest
from frameline.analysis.base import DocumentInput
from frameline.analysis.entities import EntityAnalyser
from frameline.analysis.quotes import MAX_QUOTE_CHARS, QuoteAnalyser, find_quotes
from frameline.analysis.watchlist import Watchlist
from frameline.pipeline import analyze
from frameline.records import RawDocument, SourceRef, Span
from frameline.store import open_store, sqlite_url

FOUNDING = (
    '"The soldiers of the Caliphate continue ... until victory or martyrdom," the group said in a statement '
    "carried by Amaq; \"It's a small setback in a much larger war,\" said Rita Katz, a terrorism analyst and "
    "co-founder of SITE Intelligence Group."
)
ARABIC = ("وقال المتحدث باسم الجيش العراقي يحيى رسول في بيان: «تم تحرير الموصل بالكامل». "
          "وأضاف: «المعركة انتهت». «لن نتراجع أبدا»، بحسب مصدر أمني.")


@pytest.fixture(scope="module")
def analyser():
    return QuoteAnalyser()


def quotes(analyser, text):
    """(quoted text, speaker, rule) for each quote, after checking every offset against the text."""
    found = analyser.analyse([DocumentInput(1, text)]).get(1)
    spans = found.spans if found else []
    for span in spans:
        assert span.layer == "quote" and span.label == "quote" and 0 < span.score <= 1
        attributes = span.attributes
        if attributes["speaker_start"] is not None:
            assert text[attributes["speaker_start"]:attributes["speaker_end"]] == attributes["speaker"]
    return [(text[s.start:s.end], s.attributes["speaker"], s.attributes["rule"]) for s in spans]


def attributes_of(analyser, text, quoted):
    spans = analyser.quotes(text)
    return next(s.attributes | {"score": s.score} for s in spans if text[s.start:s.end] == quoted)


@pytest.fixture(scope="module")
def articles(shared_data_module):
    folder = shared_data_module / "ptc" / "dev-articles"
    if not folder.is_dir():
        pytest.skip(f"PTC dev articles not found at {folder}")
    return {path.stem: path.read_text(encoding="utf-8") for path in sorted(folder.glob("*.txt"))}


@pytest.fixture(scope="module")
def shared_data_module() -> Path:
    """../shared/data beside the checkout, as the suite's `shared_data` fixture finds it."""
    return Path(__file__).resolve().parents[3] / "shared" / "data"


# --- the founding case and the English patterns ----------------------------------------------------


def test_founding_paragraph_speakers_affiliation_and_exact_offsets(analyser):
    found = analyser.quotes(FOUNDING)
    assert [FOUNDING[s.start:s.end] for s in found] == [
        "The soldiers of the Caliphate continue ... until victory or martyrdom,",
        "It's a small setback in a much larger war,",
    ]
    group, katz = (s.attributes for s in found)
    assert (group["speaker"], group["verb"], group["rule"]) == ("the group", "said", "after_nominal_verb")
    assert (katz["speaker"], katz["verb"], katz["rule"]) == ("Rita Katz", "said", "after_verb_name")
    assert katz["affiliation"] == "a terrorism analyst and co-founder of SITE Intelligence Group"
    assert FOUNDING[katz["speaker_start"]:katz["speaker_end"]] == "Rita Katz"
    assert found[1].score == 0.9 and found[0].score == 0.8


@pytest.mark.parametrize(("text", "quoted", "speaker", "verb"), [
    ("“We will not stop,” Katz wrote on Telegram.", "We will not stop,", "Katz", "wrote"),
    ('"We will not stop," Katz told Reuters.', "We will not stop,", "Katz", "told"),
    ('Katz wrote: "The group is losing ground. It will adapt."', "The group is losing ground. It will adapt.",
     "Katz", "wrote"),
    ('Hassan Hassan explained: "Mosul was the capital."', "Mosul was the capital.", "Hassan Hassan", "explained"),
    ('"The city is free," according to the Iraqi Joint Operations Command.', "The city is free,",
     "the Iraqi Joint Operations Command", "according to"),
    ('"Why now?" asked Abu Bakr al-Baghdadi.', "Why now?", "Abu Bakr al-Baghdadi", "asked"),
])
def test_english_attribution_patterns(analyser, text, quoted, speaker, verb):
    attributes = attributes_of(analyser, text, quoted)
    assert (attributes["speaker"], attributes["verb"]) == (speaker, verb)


@pytest.mark.parametrize(("text", "quoted", "speaker"), [
    ('Al-\'Adnani: "Your forces will return greater in number than they were before."',
     "Your forces will return greater in number than they were before.", "Al-'Adnani"),
    ('The speech ended. Abu Bakr al-Baghdadi: "Rise up, wherever you may be."', "Rise up, wherever you may be.",
     "Abu Bakr al-Baghdadi"),
    ('Statement from the ministry\nHaider al-Abadi: "The city is free."', "The city is free.", "Haider al-Abadi"),
])
def test_a_name_and_a_colon_stand_for_said(analyser, text, quoted, speaker):
    """Headlines, tweets and pull quotes attribute with a colon alone."""
    attributes = attributes_of(analyser, text, quoted)
    assert (attributes["speaker"], attributes["rule"], attributes["verb"]) == (speaker, "before_colon_name", None)


@pytest.mark.parametrize("text", [
    'Breaking: "The army has entered the old city of Mosul from the west this morning."',
    'He read this in the report: "The army has entered the old city of Mosul from the west this morning."',
])
def test_a_label_or_a_name_inside_a_sentence_is_not_a_colon_speaker(analyser, text):
    assert all(rule != "before_colon_name" for _, _, rule in quotes(analyser, text))


def test_pronoun_resolves_to_the_one_named_speaker_before_it(analyser):
    text = 'Rita Katz said the group was weakened. "It will strike abroad," she said.'
    attributes = attributes_of(analyser, text, "It will strike abroad,")
    assert (attributes["speaker"], attributes["rule"], attributes["score"]) == ("Rita Katz", "pronoun_resolved", 0.75)
    assert text[attributes["pronoun_start"]:attributes["pronoun_end"]] == "she"


def test_pronoun_stays_a_pronoun_when_two_names_compete(analyser):
    text = 'Katz and Hassan said the group was weakened. "It will strike abroad," she said.'
    attributes = attributes_of(analyser, text, "It will strike abroad,")
    assert (attributes["speaker"], attributes["rule"], attributes["score"]) == ("she", "pronoun", 0.5)


def test_a_quote_that_ends_its_sentence_is_not_attributed_by_the_next_one(analyser):
    text = 'Katz wrote: "This is a setback." He said nothing more.'
    assert attributes_of(analyser, text, "This is a setback.")["rule"] == "before_name_verb"


def test_nested_single_quotes_and_apostrophes_stay_inside(analyser):
    text = "“Now, ‘Islam’ means ‘Submission’, and it's theirs,” Batten said."
    assert quotes(analyser, text) == [("Now, ‘Islam’ means ‘Submission’, and it's theirs,", "Batten",
                                       "after_name_verb")]


def test_scare_quotes_without_a_speaker_are_not_quotations(analyser):
    assert quotes(analyser, "Trump revoked Acosta's “hard pass” on Wednesday.") == []


# --- real news: PTC dev articles ------------------------------------------------------------------


def test_real_article_police_shooting(analyser, articles):
    text = articles["article730246508"]
    found = quotes(analyser, text)
    assert ("This was their calling, and they did it right,", "Morbitzer", "after_name_verb") in found
    assert ("have a long history of friendship,", "the Justice Department", "according_to") in found
    assert ("We feel loved and blessed, and we are appreciative of the outpouring of support,", "the statement",
            "after_nominal_verb") in found
    assert ("were two of the best we had,", "Westerville Police Chief Joe Morbitzer", "after_name_verb") in found


def test_real_article_affiliation_and_exact_offsets(analyser, articles):
    text = articles["article787085939"]
    span = next(s for s in analyser.quotes(text) if s.attributes["speaker"] == "Lee Merritt")
    assert text[span.start - 1] == "“" and text[span.end] == "”"
    assert text[span.start:span.end].startswith("Independent witnesses have already come forward")
    assert span.attributes["affiliation"] == "one of the attorneys representing the Jean family"
    assert span.attributes["verb"] == "told"


def test_real_article_pronouns_and_nested_quotes(analyser, articles):
    text = articles["article763412406"]
    found = quotes(analyser, text)
    speakers = {quoted.split(",")[0]: (speaker, rule) for quoted, speaker, rule in found}
    assert speakers["Our leaders"] == ("Anne Marie Waters", "pronoun_resolved")
    assert speakers["Tommy Robinson is a political prisoner."] == ("Batten", "before_name_verb")
    assert any(quoted.startswith("Now, ‘Islam’ means ‘Submission’.") for quoted, _, _ in found)


def test_real_article_according_to_before_the_quote(analyser, articles):
    text = articles["article999001419"]
    found = quotes(analyser, text)
    assert ("I'm very grateful for what happened today,", "Acosta", "after_name_verb") in found
    assert any(speaker == "CNN" and rule == "according_to" and quoted.startswith("White House officials sent")
               for quoted, speaker, rule in found)


def test_every_dev_article_gives_exact_bounded_spans(analyser, articles):
    for text in articles.values():
        for span in analyser.quotes(text):
            assert 0 <= span.start < span.end <= len(text)
            assert text[span.start:span.end] == text[span.start:span.end].strip()
            assert span.end - span.start <= MAX_QUOTE_CHARS


# --- Arabic ---------------------------------------------------------------------------------------


def test_arabic_speaker_before_implicit_subject_and_speaker_after(analyser):
    assert quotes(analyser, ARABIC) == [
        ("تم تحرير الموصل بالكامل", "يحيى رسول", "ar_verb_speaker"),
        ("المعركة انتهت", "يحيى رسول", "ar_implicit_resolved"),
        ("لن نتراجع أبدا", "مصدر أمني", "ar_verb_speaker"),
    ]
    first = attributes_of(analyser, ARABIC, "تم تحرير الموصل بالكامل")
    assert (first["affiliation"], first["role"]) == ("الجيش العراقي", "المتحدث")
    assert attributes_of(analyser, ARABIC, "المعركة انتهت")["verb"] == "وأضاف"


@pytest.mark.parametrize(("text", "quoted", "speaker"), [
    ("أكد الناطق باسم التنظيم: «جنود الخلافة ماضون حتى النصر أو الشهادة».", "جنود الخلافة ماضون حتى النصر أو الشهادة",
     "الناطق باسم التنظيم"),
    ('صرح وزير الدفاع: "انتهت المعركة".', "انتهت المعركة", "وزير الدفاع"),
    ("«الموصل حرة»، وفقا لقيادة العمليات المشتركة.", "الموصل حرة", "قيادة العمليات المشتركة"),
    ("«نحن باقون»، قالت المتحدثة.", "نحن باقون", "المتحدثة"),
    ("أعلن الجيش العراقي: «تحررت المدينة».", "تحررت المدينة", "الجيش العراقي"),
])
def test_arabic_reporting_verbs(analyser, text, quoted, speaker):
    assert attributes_of(analyser, text, quoted)["speaker"] == speaker


@pytest.mark.parametrize(("text", "speaker", "affiliation", "role"), [
    ("وقال المتحدث باسم الجيش العراقي العميد يحيى رسول في مؤتمر صحفي ببغداد: «إن القوات حررت حي الزنجيلي بالكامل»",
     "العميد يحيى رسول", "الجيش العراقي", "المتحدث"),
    ("وقال المتحدث الرسمي للدولة الإسلامية الشيخ أبو محمد العدناني: «إن جنود الخلافة ماضون حتى النصر»",
     "الشيخ أبو محمد العدناني", "الدولة الإسلامية", "المتحدث الرسمي"),
    ("«سنواصل الدفاع عن أهلنا في تلعفر»، قال الناطق باسم الحشد الشعبي أحمد الأسدي في بيان.",
     "أحمد الأسدي", "الحشد الشعبي", "الناطق"),
    ("وقال قائد الشرطة الاتحادية الفريق رائد شاكر جودت: «قواتنا تتقدم في المدينة القديمة»",
     "الفريق رائد شاكر جودت", "الشرطة الاتحادية", "قائد"),
    ("وأكد وزير الدفاع العراقي عرفان الحيالي: «المعركة انتهت والنصر قريب»", "عرفان الحيالي", "الدفاع العراقي", "وزير"),
    ("وقال محافظ نينوى نوفل العاكوب: «عودة النازحين تبدأ الأسبوع المقبل»", "نوفل العاكوب", "نينوى", "محافظ"),
    ("وقال مسؤول أمني في وزارة الداخلية العراقية: «الوضع تحت السيطرة»",
     "مسؤول أمني", "وزارة الداخلية العراقية", "مسؤول أمني"),
    ("أكد الناطق باسم التنظيم: «جنود الخلافة ماضون حتى النصر أو الشهادة».",
     "الناطق باسم التنظيم", "التنظيم", "الناطق"),
    ("«الوضع تحت السيطرة»، قال مسؤول أمني في بيان.", "مسؤول أمني", None, None),  # a statement is no organisation
])
def test_arabic_role_and_organisation_split_off_the_speakers_name(analyser, text, speaker, affiliation, role):
    [(quoted, found, _)] = quotes(analyser, text)  # also checks the speaker's offsets against the text
    attributes = attributes_of(analyser, text, quoted)
    assert (found, attributes["affiliation"], attributes["role"]) == (speaker, affiliation, role)


@pytest.mark.parametrize(("text", "speaker", "affiliation"), [
    ('"The Old City is free," a spokesman for the Iraqi army said.', "a spokesman for the Iraqi army",
     "the Iraqi army"),
    ('"The strikes will go on," the coalition\'s spokesman said.', "the coalition's spokesman", "the coalition"),
])
def test_english_unnamed_spokesman_carries_the_organisation_as_affiliation(analyser, text, speaker, affiliation):
    [(quoted, found, _)] = quotes(analyser, text)
    assert (found, attributes_of(analyser, text, quoted)["affiliation"]) == (speaker, affiliation)


def test_arabic_implicit_subject_without_antecedent_stays_unnamed(analyser):
    attributes = attributes_of(analyser, "وأضاف: «المعركة انتهت».", "المعركة انتهت")
    assert (attributes["speaker"], attributes["rule"], attributes["score"]) == (None, "ar_implicit", 0.45)


# --- edge cases -----------------------------------------------------------------------------------


def test_empty_and_quoteless_text(analyser):
    outputs = analyser.analyse([DocumentInput(1, ""), DocumentInput(2, "No quotes here.")])
    assert all(output.spans == [] for output in outputs.values())
    assert quotes(analyser, "") == [] and quotes(analyser, '"') == [] and quotes(analyser, "«»") == []


def test_unbalanced_marks_make_no_bogus_quote(analyser):
    text = "“This opener is never closed. " + "Filler sentence about Mosul. " * 500 + '"Short," Katz said.'
    found = quotes(analyser, text)
    assert found == [("Short,", "Katz", "after_name_verb")]
    stray = "He said “ and then ” and then “ again " + "word " * 3000 + "” end."
    assert all(s.end - s.start <= MAX_QUOTE_CHARS for s in analyser.quotes(stray))


def test_an_opener_without_closer_is_dropped_before_the_next_opener():
    text = '“First paragraph with no close.\n“Second one,” Katz said.'
    marks = find_quotes(text)
    assert [text[m.inner_start:m.inner_end] for m in marks] == ["Second one,"]


def test_five_megabytes_are_fast(analyser, articles):
    text = "\n".join(articles.values())
    text = (text * (5_000_000 // len(text) + 1))[:5_000_000]
    started = time.perf_counter()
    found = analyser.quotes(text)
    assert time.perf_counter() - started < 10
    assert found and all(s.end - s.start <= MAX_QUOTE_CHARS for s in found)


def test_five_megabytes_of_quotation_marks_are_bounded(analyser):
    started = time.perf_counter()
    analyser.quotes('"a" "b," he said. ' * 280_000)
    assert time.perf_counter() - started < 10


# --- watchlist entities ---------------------------------------------------------------------------


def test_speakers_link_to_watchlist_entities():
    text = ('"We will return," Abu Bakr al-Baghdadi said. "The city is lost," according to Amaq. '
            '"It will adapt," he said.')
    entities = EntityAnalyser()
    entities.setup()
    spans = entities.analyse([DocumentInput(1, text)])[1].spans
    stored = tuple(Span(1, s.start, s.end, s.layer, s.label, s.score, "entities", "1", s.attributes) for s in spans)
    found = QuoteAnalyser().analyse([DocumentInput(1, text, spans=stored)])[1].spans
    assert [(s.attributes["speaker"], s.attributes["entity_id"]) for s in found] == [
        ("Abu Bakr al-Baghdadi", "abu-bakr-al-baghdadi"), ("Amaq", "amaq"),
        ("Abu Bakr al-Baghdadi", "abu-bakr-al-baghdadi")]
    assert found[1].attributes["entity_name"] == "Amaq News Agency"


def linked(text: str, watchlist: Watchlist | None = None) -> list[tuple[str, str | None, str | None]]:
    """(speaker, affiliation, entity id) of each quote, with the entities analyser's real mentions."""
    entities = EntityAnalyser(watchlist)
    output = entities.analyse([DocumentInput(1, text)]).get(1)
    stored = tuple(Span(1, s.start, s.end, s.layer, s.label, s.score, "entities", "1", s.attributes)
                   for s in (output.spans if output else []))
    found = QuoteAnalyser().analyse([DocumentInput(1, text, spans=stored)]).get(1)
    return [(s.attributes["speaker"], s.attributes["affiliation"], s.attributes["entity_id"])
            for s in (found.spans if found else [])]


SPOKESMAN = "وقال المتحدث باسم الجيش العراقي يحيى رسول: «إن القوات العراقية حررت جامع النوري في الموصل»"
ROLES_WATCHLIST = """
entities:
  - id: iraqi-security-forces
    name: Iraqi Security Forces
    type: armed-force
    aliases: [Iraqi army, الجيش العراقي]
  - id: yahya-rasool
    name: Yahya Rasool
    type: person
    aliases: [Yahya Rasool, يحيى رسول]
"""


def test_a_spokesman_links_to_the_person_never_to_the_organisation_he_speaks_for():
    # The default watchlist knows the Iraqi army but not its spokesman: no link rather than the army.
    assert linked(SPOKESMAN) == [("يحيى رسول", "الجيش العراقي", None)]
    with_person = Watchlist.parse([("roles.yaml", ROLES_WATCHLIST)])
    assert linked(SPOKESMAN, with_person) == [("يحيى رسول", "الجيش العراقي", "yahya-rasool")]
    assert linked('"The Old City is free," a spokesman for the Iraqi army said.') == [
        ("a spokesman for the Iraqi army", "the Iraqi army", None)]


def test_a_named_official_links_to_the_person_and_an_organisation_speaking_for_itself_to_it():
    assert linked("وقال المتحدث الرسمي للدولة الإسلامية الشيخ أبو محمد العدناني: «إن جنود الخلافة ماضون حتى النصر»") \
        == [("الشيخ أبو محمد العدناني", "الدولة الإسلامية", "abu-muhammad-al-adnani")]
    assert linked("وقال رئيس الوزراء العراقي حيدر العبادي في كلمة متلفزة: «نعلن تحرير الموصل»") == [
        ("حيدر العبادي", "الوزراء العراقي", "haider-al-abadi")]
    assert linked("أعلن الجيش العراقي: «تحررت المدينة».") == [("الجيش العراقي", None, "iraqi-security-forces")]


def test_speakers_without_a_watchlist_mention_have_no_entity(analyser):
    assert attributes_of(analyser, FOUNDING, "It's a small setback in a much larger war,")["entity_id"] is None


# --- the runner -----------------------------------------------------------------------------------


def test_pickles_small_and_runs_in_the_pipeline(tmp_path):
    assert len(pickle.dumps(QuoteAnalyser())) < 200
    store = open_store(sqlite_url(tmp_path / "x.db"))
    source = SourceRef(kind="rss", name="Reuters")
    store.write_documents([RawDocument(source=source, native_id="1", text=FOUNDING),
                           RawDocument(source=source, native_id="2", text="")])
    report = analyze(store, analysers=[EntityAnalyser, QuoteAnalyser])  # quotes requires entities
    assert report["quotes"].documents == 2
    document = next(d for d in store.iter_documents() if d.native_id == "1")
    spans = sorted(store.get_spans(document.id, ["quote"]), key=lambda s: s.start)
    assert [s.attributes["speaker"] for s in spans] == ["the group", "Rita Katz"]
    assert [s.producer for s in spans] == ["quotes", "quotes"]
    store.close()
