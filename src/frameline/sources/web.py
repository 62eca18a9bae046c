"""Web articles: URLs (as arguments or listed in a text file) and saved HTML pages or folders of them.

Each page becomes one Document with the article's main text, title, author,
date, language and canonical URL (see `frameline.sources.article`).  The raw
record keeps the page's HTML as received, with the answer's URL, status and
headers, so a changed extraction can be re-run; storage compresses raw
records (zlib), so the HTML costs a fraction of its size.  The canonical URL is
the native id, so the same article reached through a tracking link is stored
once; a canonical URL on another site than the one fetched is only recorded
as a claim, and the site the page came from is its source.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from frameline.records import RawDocument, SourceRef
from frameline.sources.article import decode_html, extract_article
from frameline.sources.base import Importer, ImportRejected
from frameline.sources.collection import Collecting, is_url
from frameline.sources.fetch import FetchError

HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
URL_LIST_MAX_BYTES = 10 * 1024 * 1024
SAVED_PAGE_MAX_BYTES = 20 * 1024 * 1024
KEPT_HEADERS = ("content-type", "content-language", "last-modified", "etag", "date")


class WebPages(Importer):
    name = "web"
    description = "web articles: URLs, a text file listing URLs, or saved .html pages and folders of them"

    def read(self, path: Path | str) -> Iterator[RawDocument | ImportRejected]:
        collecting = Collecting(self.options)
        try:
            if is_url(path):
                try:
                    yield self._page_from_url(collecting, str(path))
                except FetchError as error:
                    raise ImportRejected(str(path), None, error.reason) from error
                return
            path = Path(path)
            if not path.exists():
                raise ImportRejected(path, None, "no such file or folder (expected a URL, a file listing URLs, "
                                                 "or saved .html pages)")
            if path.is_dir():
                pages = sorted(p for p in path.rglob("*") if p.suffix.lower() in HTML_SUFFIXES and p.is_file())
                if not pages:
                    raise ImportRejected(path, None, "no .html or .htm files in this folder")
                for page in pages:
                    yield self._saved_page(page, path)
            elif path.suffix.lower() in HTML_SUFFIXES:
                yield self._saved_page(path, path.parent)
            else:
                yield from self._url_list(collecting, path)
        finally:
            collecting.close()

    def _url_list(self, collecting: Collecting, path: Path) -> Iterator[RawDocument | ImportRejected]:
        if not path.is_file():
            raise ImportRejected(path, None, "no such file (expected a URL, a list of URLs, or .html pages)")
        if path.stat().st_size > URL_LIST_MAX_BYTES:
            raise ImportRejected(path, None, f"too large for a list of URLs (over {URL_LIST_MAX_BYTES:,} bytes)")
        try:
            lines = path.read_text(encoding="utf-8-sig").splitlines()
        except (OSError, UnicodeDecodeError) as error:
            raise ImportRejected(path, None, f"not a UTF-8 list of URLs: {error}") from error
        for number, line in enumerate(lines, start=1):
            url = line.strip()
            if not url or url.startswith("#"):
                continue
            if not is_url(url):
                yield ImportRejected(path, f"line {number}", "not an http(s) URL", excerpt=url)
                continue
            try:
                yield self._page_from_url(collecting, url)
            except (FetchError, ImportRejected) as error:
                yield ImportRejected(path, f"line {number}", str(error), excerpt=url)

    def _page_from_url(self, collecting: Collecting, url: str) -> RawDocument:
        result = collecting.fetcher.fetch(url, robots=collecting.robots,
                                          accept="text/html,application/xhtml+xml;q=0.9,*/*;q=0.1")
        html, encoding = decode_html(result.content, result.charset)
        raw = {"url": result.url, "requested_url": url, "status": result.status, "redirects": result.redirects,
               "headers": {k: result.headers[k] for k in KEPT_HEADERS if k in result.headers},
               "encoding": encoding, "html": html}
        return self._document(html, result.url, raw, location=url, fallback_id=result.url)

    def _saved_page(self, page: Path, root: Path) -> RawDocument | ImportRejected:
        try:
            if page.stat().st_size > SAVED_PAGE_MAX_BYTES:
                return ImportRejected(page, None, f"larger than {SAVED_PAGE_MAX_BYTES:,} bytes; not a web page")
            content = page.read_bytes()
        except OSError as error:
            return ImportRejected(page, None, f"unreadable: {error}")
        html, encoding = decode_html(content)
        raw = {"file": page.name, "encoding": encoding, "html": html}
        try:
            return self._document(html, None, raw, location=str(page),
                                  fallback_id=page.relative_to(root).as_posix() if page != root else page.name)
        except ImportRejected as rejection:
            return rejection

    def _document(self, html: str, url: str | None, raw: dict[str, Any], location: str,
                  fallback_id: str) -> RawDocument:
        article = extract_article(html, url)
        if article is None:
            raise ImportRejected(location, None, "no article text found in the page (empty, a login wall, "
                                                 "or only navigation)")
        page_url = article.canonical_url or url
        metadata: dict[str, Any] = {"encoding": raw["encoding"]}
        if url and page_url != url and not _same_site(page_url, url):
            # A page may claim any canonical URL; believing one on another site would file a
            # propaganda page under a news outlet's name.  Keep the claim, use where it came from.
            metadata["claimed_canonical_url"] = page_url
            page_url = url
        elif url and page_url != url:
            metadata["fetched_url"] = url
        published = article.published_at
        if article.sitename:
            metadata["site"] = article.sitename
        if self.check_date(published, Path(location), "publication date") is not None:
            metadata["rejected_date"] = published.isoformat()
            published = None
        return RawDocument(
            source=self._source(page_url), text=article.text, native_id=page_url or fallback_id,
            title=article.title, url=page_url, author=article.author, published_at=published,
            language=article.language, metadata=metadata, raw=raw, location=location,
        )

    def _source(self, page_url: str | None) -> SourceRef:
        """The site is the source (e.g. www.bbc.co.uk), unless the user named one."""
        host = urlsplit(page_url).hostname if page_url and is_url(page_url) else None
        name = self.options.source_name or host or "saved web pages"
        site = f"{urlsplit(page_url).scheme}://{host}" if host else None
        return SourceRef(kind="web", name=name, handle=host, url=site, groups=tuple(self.options.groups))


def _same_site(first: str | None, second: str | None) -> bool:
    """Same host, ignoring a leading www."""
    hosts = [(urlsplit(u).hostname or "").removeprefix("www.") for u in (first or "", second or "")]
    return bool(hosts[0]) and hosts[0] == hosts[1]
