"""RSS 0.9x / 1.0 / 2.0 and Atom feeds, from a URL or a saved file, read with feedparser.

Each entry becomes a Document; the feed is the Source.  Feeds that carry only
a summary get the full article fetched from the entry's link and extracted
like any web page (`follow_links`: auto, always, never), the summary kept in
the metadata.  Polling sends the ETag and Last-Modified of the last answer
(`HttpState`), so an unchanged feed costs one 304 and nothing else, and an
entry the store already has costs no article fetch.

Feeds are untrusted XML.  A feed that declares entities is refused before any
parser sees it (entity expansion is the billion-laughs attack, and feeds never
need entities); the rest is checked with defusedxml (no DTD-declared
entities, no external references) before feedparser reads it from memory.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import ParseError

import defusedxml.ElementTree
import feedparser
from defusedxml import DefusedXmlException

from frameline.records import RawDocument, SourceRef
from frameline.sources.article import decode_html, extract_article, html_to_text
from frameline.sources.base import Importer, ImportRejected, require_file
from frameline.sources.collection import Collecting, is_url
from frameline.sources.fetch import FetchError

FEED_MAX_BYTES = 20 * 1024 * 1024
FEED_ACCEPT = "application/atom+xml, application/rss+xml, application/rdf+xml;q=0.9, application/xml;q=0.8, */*;q=0.1"
ENTITY_DECLARATION = re.compile(rb"<!ENTITY", re.IGNORECASE)
FIRST_ELEMENT = re.compile(rb"<[A-Za-z_]")


def check_feed_xml(data: bytes, where: str) -> None:
    """Refuse entity tricks; a feed that is merely not well-formed is left to feedparser's lenient parser."""
    first = FIRST_ELEMENT.search(data)
    prolog = data[: first.start() if first else len(data)]
    if ENTITY_DECLARATION.search(prolog):
        raise ImportRejected(where, None, "the feed declares XML entities (<!ENTITY>), which feeds never need; "
                                          "refused as a possible entity-expansion (billion laughs) attack")
    try:
        defusedxml.ElementTree.fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as error:
        raise ImportRejected(where, None, f"unsafe XML refused: {error}") from error
    except ParseError:
        pass


def parse_feed(data: bytes, where: str, headers: dict[str, str] | None = None) -> feedparser.FeedParserDict:
    if not data.strip():
        raise ImportRejected(where, None, "empty answer where a feed was expected")
    check_feed_xml(data, where)
    # A stream, never bytes or str: feedparser treats a string as a URL or a file name to open.
    feed = feedparser.parse(io.BytesIO(data), response_headers=headers or {}, sanitize_html=True,
                            resolve_relative_uris=True)
    if not feed.get("version") and not feed.entries:
        problem = feed.get("bozo_exception")
        raise ImportRejected(where, None, "not an RSS or Atom feed" + (f" ({problem})" if problem else ""),
                             excerpt=data[:200].decode("utf-8", errors="replace"))
    return feed


class RssFeed(Importer):
    name = "rss"
    description = "RSS 0.9x/1.0/2.0 and Atom feeds (URL or saved file); fetches full articles for summary-only feeds"

    def read(self, path: Path | str) -> Iterator[RawDocument | ImportRejected]:
        collecting = Collecting(self.options)
        try:
            if is_url(path):
                yield from self._from_url(collecting, str(path))
            else:
                yield from self._from_file(collecting, Path(path))
        finally:
            collecting.close()

    def _from_url(self, collecting: Collecting, url: str) -> Iterator[RawDocument | ImportRejected]:
        state = collecting.state
        try:
            result = collecting.fetcher.fetch(
                url, accept=FEED_ACCEPT, robots=collecting.robots,
                etag=state.etag if state else None, last_modified=state.last_modified if state else None,
            )
        except FetchError as error:
            raise ImportRejected(url, None, error.reason) from error
        if result.not_modified:
            if state is not None:
                state.not_modified = True
            return
        headers = {"content-location": result.url, "content-type": result.headers.get("content-type", "")}
        feed = parse_feed(result.content, url, headers)
        yield from self._entries(collecting, feed, url, online=True)
        if state is not None:  # only once every entry was handed over: a failed run polls in full again
            state.etag, state.last_modified, state.not_modified = result.etag, result.last_modified, False

    def _from_file(self, collecting: Collecting, path: Path) -> Iterator[RawDocument | ImportRejected]:
        require_file(path, "a feed URL or a saved RSS/Atom file")
        if path.stat().st_size > FEED_MAX_BYTES:
            raise ImportRejected(path, None, f"larger than {FEED_MAX_BYTES:,} bytes; not a feed")
        yield from self._entries(collecting, parse_feed(path.read_bytes(), str(path)), str(path), online=False)

    def _entries(self, collecting: Collecting, feed: Any, where: str,
                 online: bool) -> Iterator[RawDocument | ImportRejected]:
        channel = feed.feed
        language = (channel.get("language") or "").split("-")[0].lower() or None
        source = SourceRef(
            kind="rss", name=self.options.source_name or html_to_text(channel.get("title", "")) or where,
            handle=channel.get("link"), url=where if online else None, language=language,
            groups=tuple(self.options.groups), metadata={"feed_format": feed.get("version") or "unknown"},
        )
        for number, entry in enumerate(feed.entries, start=1):
            yield self._entry(collecting, source, entry, f"{where}, entry {number}", online)

    def _entry(self, collecting: Collecting, source: SourceRef, entry: Any, location: str,
               online: bool) -> RawDocument | ImportRejected:
        link = entry.get("link")
        native_id = entry.get("id") or link
        title = html_to_text(entry.get("title", "")) or None
        contents = [c.get("value", "") for c in entry.get("content", []) if c.get("value")]
        summary = html_to_text(entry.get("summary", ""))
        text = html_to_text(max(contents, key=len)) if contents else summary
        metadata: dict[str, Any] = {}
        raw: dict[str, Any] = {"entry": dict(entry)}
        published = _entry_date(entry)
        if self.check_date(published, Path(location), "entry date") is not None:
            metadata["rejected_date"] = published.isoformat()
            published = None
        wanted = collecting.follow_links == "always" or (collecting.follow_links == "auto" and online and not contents)
        author = entry.get("author")
        if wanted and link and is_url(link) and not collecting.known(source, native_id or link):
            try:
                page = collecting.fetcher.fetch(link, robots=collecting.robots)
                html, encoding = decode_html(page.content, page.charset)
                article = extract_article(html, page.url)
            except FetchError as error:
                metadata["article_error"] = error.reason
            else:
                raw["article"] = {"url": page.url, "status": page.status, "encoding": encoding, "html": html}
                if article is not None and len(article.text) > len(text):
                    metadata["summary"] = summary
                    metadata["article_url"] = page.url
                    text = article.text
                    author = author or article.author
                    published = published or article.published_at
        if not text and not title:
            return ImportRejected(location, None, "entry without title or text", excerpt=str(native_id))
        return RawDocument(
            source=source, text=text, native_id=native_id, title=title, url=link, author=author,
            published_at=published, language=source.language, metadata=metadata, raw=raw, location=location,
        )


def _entry_date(entry: Any) -> datetime | None:
    moment = entry.get("published_parsed") or entry.get("updated_parsed") or entry.get("created_parsed")
    if not moment:
        return None
    try:
        return datetime(*moment[:6], tzinfo=timezone.utc)
    except (TypeError, ValueError):
        return None
