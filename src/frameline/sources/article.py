"""From a web page's bytes to the article an analyst would read: decoding, main text, metadata.

Shared by the `web` importer, the `rss` importer (when a feed carries only a
summary and the full article is fetched) and the `files` importer (saved
pages).  trafilatura finds the main text and its metadata; what it lets
through from comment forms, share bars and "follow us" blurbs (news themes
put these inside the article container) is dropped line by line by
`COMMENT_FORM_LINES` and `SOCIAL_LINES`, explicit lists so that a change is visible in review.

Decoding follows what browsers do: the charset the server declared, a byte
order mark, a `<meta charset>`, valid UTF-8, and only then a guess from the
bytes (charset-normalizer), which matters for the Arabic pages that servers
still send as windows-1256 without saying so.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from datetime import datetime

import lxml.html
import trafilatura
from charset_normalizer import from_bytes
from lxml import etree

from frameline.sources.dates import DateUnreadable, parse_date

META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{2,40})""", re.IGNORECASE)
META_SCAN_BYTES = 4096
BOM_CODECS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
BOILERPLATE_LINE_CHARS = 120  # longer lines are prose, whatever words they contain
SOCIAL_LINE_CHARS = 60  # share bars and "follow us" blurbs are short; "Share prices fell ..." is not one
COMMENT_FORM_LINES = re.compile(
    r"""^(?:
        please\ enter\ your\ (?:comment|name|email(?:\ address)?)(?:\ here)?\W*
      | you\ have\ entered\ an\ incorrect\ email\ address\W*
      | save\ my\ name,\ email,\ and\ website\ in\ this\ browser.*
      | (?:leave\ a\ (?:reply|comment)|post\ a\ comment|add\ a\ comment)\W*(?:cancel\ reply)?\W*
      | (?:اترك|أضف)\ (?:تعليقا|تعليقاً|ردا|رداً)\W*
    )$""",
    re.IGNORECASE | re.VERBOSE,
)
SOCIAL_LINES = re.compile(
    r"""^(?:
        follow\ us\b.* | (?:share|tweet|email)\ (?:this|on|via)\b.* | share | tweet | print | subscribe\b.*
      | (?:تابعونا|تابعنا)\b.* | (?:شارك|شاركها|مشاركة)(?:\ (?:على|عبر)\b.*)?
    )$""",
    re.IGNORECASE | re.VERBOSE,
)
MIN_ARTICLE_CHARS = 20  # below this a page held navigation crumbs, not an article
HEAD_SCAN_CHARS = 64 * 1024
_PUBLISHED_KEYS = (r"(?:article:published_time|og:published_time|datePublished|pubdate|publishdate|date|"
                   r"DC\.date\.issued|DC\.date|dcterms\.created|parsely-pub-date|sailthru\.date)")
PUBLISHED_META = (
    re.compile(r"<meta[^>]+(?:property|name|itemprop)\s*=\s*[\"']" + _PUBLISHED_KEYS +
               r"[\"'][^>]*?content\s*=\s*[\"']([^\"']{8,40})[\"']", re.IGNORECASE),
    re.compile(r"<meta[^>]+content\s*=\s*[\"']([^\"']{8,40})[\"'][^>]*?(?:property|name|itemprop)\s*=\s*[\"']"
               + _PUBLISHED_KEYS + r"[\"']", re.IGNORECASE),
    re.compile(r"\"datePublished\"\s*:\s*\"([^\"]{8,40})\"", re.IGNORECASE),
)
BLOCK_TAGS = {"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "tr", "section",
              "article", "pre", "hr", "table"}


@dataclass
class Article:
    text: str
    title: str | None
    author: str | None
    published_at: datetime | None
    language: str | None
    canonical_url: str | None
    sitename: str | None


def decode_html(content: bytes, declared: str | None = None) -> tuple[str, str]:
    """The page as text and how it was decoded ("utf-8 (declared)", "cp1256 (detected)", ...)."""
    for bom, codec in BOM_CODECS:
        if content.startswith(bom):
            return content.decode(codec, errors="replace"), f"{codec} (byte order mark)"
    for candidate, how in ((declared, "declared by the server"), (_meta_charset(content), "declared in the page")):
        codec = _codec(candidate)
        if codec:
            return content.decode(codec, errors="replace"), f"{codec} ({how})"
    try:
        return content.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    guess = from_bytes(content[:1024 * 1024]).best()
    if guess is not None and guess.encoding:
        return content.decode(guess.encoding, errors="replace"), f"{guess.encoding} (detected)"
    return content.decode("cp1252", errors="replace"), "cp1252 (fallback)"


def _meta_charset(content: bytes) -> str | None:
    found = META_CHARSET.search(content[:META_SCAN_BYTES])
    return found.group(1).decode("ascii") if found else None


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def extract_article(html: str, url: str | None = None) -> Article | None:
    """The main text and metadata of a page, or None when it holds no article text."""
    extracted = trafilatura.bare_extraction(
        html, url=url, with_metadata=True, include_comments=False, include_tables=True,
        date_extraction_params={"extensive_search": False, "original_date": True,
                                "outputformat": "%Y-%m-%dT%H:%M:%S"},
    )
    if extracted is None:
        return None
    title = _clean(extracted.title)
    text = drop_boilerplate(extracted.text or "")
    lines = text.split("\n")
    if title and lines and lines[0].strip() == title:
        text = "\n".join(lines[1:]).strip()
    if len(text) < MIN_ARTICLE_CHARS:
        return None
    return Article(
        text=text, title=title, author=_clean(extracted.author),
        published_at=_date(_published_meta(html)) or _date(extracted.date),
        language=page_language(html), canonical_url=_clean(extracted.url) or url,
        sitename=_clean(extracted.sitename),
    )


def _published_meta(html: str) -> str | None:
    """The full timestamp news sites put in their meta tags (trafilatura keeps only the day)."""
    head = html[:HEAD_SCAN_CHARS]
    for pattern in PUBLISHED_META:
        found = pattern.search(head)
        if found:
            return found.group(1)
    return None


def _is_boilerplate(line: str) -> bool:
    return ((len(line) <= BOILERPLATE_LINE_CHARS and COMMENT_FORM_LINES.match(line) is not None)
            or (len(line) <= SOCIAL_LINE_CHARS and SOCIAL_LINES.match(line) is not None))


def drop_boilerplate(text: str) -> str:
    kept = [line for line in text.split("\n") if not _is_boilerplate(line.strip())]
    return "\n".join(kept).strip()


def page_language(html: str) -> str | None:
    """What the page says its language is (<html lang>, Content-Language); the language analyser checks it."""
    match = re.search(r"<html[^>]*\slang\s*=\s*[\"']?([A-Za-z]{2,3})", html[:4096], re.IGNORECASE)
    if match is None:
        match = re.search(r"<meta[^>]+http-equiv\s*=\s*[\"']?content-language[\"']?[^>]+content\s*=\s*[\"']?"
                          r"([A-Za-z]{2,3})", html[:8192], re.IGNORECASE)
    return match.group(1).lower() if match else None


def html_to_text(fragment: str) -> str:
    """Plain text of an HTML fragment (a feed summary), one line per block."""
    if "<" not in fragment:
        return fragment.strip()
    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except (etree.ParserError, ValueError):
        return re.sub(r"<[^>]+>", " ", fragment).strip()
    for element in root.iter():
        if isinstance(element.tag, str) and element.tag.lower() in BLOCK_TAGS:
            element.tail = "\n" + (element.tail or "")
    lines = (" ".join(line.split()) for line in root.text_content().split("\n"))
    return "\n".join(line for line in lines if line)


def _clean(value: str | None) -> str | None:
    value = " ".join(value.split()) if value else None
    return value or None


def _date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return parse_date(value).moment
    except DateUnreadable:
        return None
