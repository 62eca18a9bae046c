"""Main text, dates and decoding of web pages (shared by the web, rss and files importers)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from pages import ARABIC_PARAGRAPHS, ARTICLE_PARAGRAPHS, arabic_page, news_page

from frameline.sources.article import decode_html, drop_boilerplate, extract_article, html_to_text

BODY = "<p>" + " ".join(ARTICLE_PARAGRAPHS) + "</p>"


@pytest.mark.parametrize("head, url, expected", [
    ('<meta property="article:published_time" content="2017-07-10T14:00:00+03:00">', None, datetime(2017, 7, 10, 11)),
    ('<meta name="date" content="2017-07-10">', "https://x.example/2017/07/12/story", datetime(2017, 7, 10)),
    ('<script type="application/ld+json">{"@type": "NewsArticle", "datePublished": "2017-07-10T09:30:00Z"}</script>',
     None, datetime(2017, 7, 10, 9, 30)),
    ("", "https://x.example/2017/07/12/story", datetime(2017, 7, 12)),
    ("", None, None),  # the "© 2017" footer below is not a publication date
])
def test_publication_date_comes_from_the_markup_never_from_a_copyright_line(head, url, expected) -> None:
    html = f"<html><head>{head}</head><body><article>{BODY}</article><footer>© 2017 Daily News</footer></body></html>"
    article = extract_article(html, url)
    assert article.published_at == (expected.replace(tzinfo=timezone.utc) if expected else None)


def test_declared_charset_wins_then_meta_then_utf8_then_detection() -> None:
    arabic = arabic_page(charset_meta=False)
    assert decode_html(arabic.encode("cp1256"), "windows-1256") == (arabic, "cp1256 (declared by the server)")
    with_meta = arabic.replace("<head>", '<head><meta http-equiv="Content-Type" content="text/html; charset=windows-1256">')
    assert decode_html(with_meta.encode("cp1256"))[1] == "cp1256 (declared in the page)"
    assert decode_html(arabic.encode("utf-8")) == (arabic, "utf-8")
    text, how = decode_html(arabic.encode("cp1256"))
    assert how == "cp1256 (detected)" and ARABIC_PARAGRAPHS[0] in text


def test_boilerplate_lines_go_and_prose_that_mentions_them_stays() -> None:
    text = "\n".join(["Share on Facebook", ARTICLE_PARAGRAPHS[0], "Please enter your comment!",
                      "He said: follow us to the river, share the bread, and leave a reply to the enemy at dawn.",
                      "Share prices fell in Baghdad.", "Tweet", "تابعونا على تويتر", "شارك", "Leave a Reply",
                      "Please enter your name here", "Follow us on Twitter and Facebook for the latest news"])
    assert drop_boilerplate(text).split("\n") == [
        ARTICLE_PARAGRAPHS[0], "He said: follow us to the river, share the bread, and leave a reply to the enemy at dawn.",
        "Share prices fell in Baghdad."]


def test_page_without_an_article_gives_nothing() -> None:
    assert extract_article("<html><body><nav><a href='/'>Home</a> <a href='/w'>World</a></nav></body></html>") is None


def test_feed_summary_html_to_text() -> None:
    assert html_to_text("<p>First &amp; <b>bold</b></p><p>Second<br>line</p>") == "First & bold\nSecond\nline"
    assert html_to_text("plain") == "plain"


def test_news_page_metadata() -> None:
    article = extract_article(news_page("Mosul declared liberated", ARTICLE_PARAGRAPHS, "https://n.example/1"))
    assert (article.title, article.author, article.language, article.canonical_url) == (
        "Mosul declared liberated", "Jane Reporter", "en", "https://n.example/1")
