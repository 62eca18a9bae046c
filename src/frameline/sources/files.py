"""Folders of documents: .txt, .md, .html, .pdf (text layer), .docx.

Magazines and communiques often arrive as PDFs: the text of each page is
joined with blank lines and every page is recorded as a span on the `page`
layer (label and attribute `page` = its number, from 1), so evidence found
anywhere in the text can cite the page it is on.  A PDF without a text layer
(a scan) is rejected with that reason rather than stored empty: it needs OCR
first.  The native id is the file's path relative to the folder imported, so
a drop folder polled again stores each file once; the file's SHA-256 is kept
in the metadata.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import docx
import pypdf
from pypdf.errors import PdfReadError, PyPdfError

from frameline.records import RawDocument, SourceRef, SpanDraft, utc
from frameline.sources.article import decode_html, extract_article
from frameline.sources.base import Importer, ImportRejected
from frameline.sources.collection import Collecting
from frameline.sources.text_decoding import choose_decoding, decode_document

PAGE_LAYER = "page"
SUFFIXES = {".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".docx"}
MAX_FILE_BYTES = 200 * 1024 * 1024
MAX_TEXT_FILE_BYTES = 50 * 1024 * 1024
PAGE_SEPARATOR = "\n\n"


class DocumentFiles(Importer):
    name = "files"
    description = "folders or files of .txt, .md, .html, .pdf (text layer, page numbers kept) and .docx"
    earliest = None  # documents can be old

    def read(self, path: Path | str) -> Iterator[RawDocument | ImportRejected]:
        path = Path(path)
        collecting = Collecting(self.options)
        try:
            if path.is_dir():
                files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES
                               and not p.name.startswith("."))
                source = self._source(path.resolve().name)
                for file in files:
                    yield from self._file(collecting, source, file, file.relative_to(path).as_posix())
            elif path.is_file():
                if path.suffix.lower() not in SUFFIXES:
                    raise ImportRejected(path, None, f"not a supported document ({', '.join(sorted(SUFFIXES))})")
                yield from self._file(collecting, self._source(path.resolve().parent.name), path, path.name)
            else:
                raise ImportRejected(path, None, "no such file or folder")
        finally:
            collecting.close()

    def _source(self, folder_name: str) -> SourceRef:
        return SourceRef(kind="files", name=self.options.source_name or folder_name or "files",
                         groups=tuple(self.options.groups))

    def _file(self, collecting: Collecting, source: SourceRef, path: Path,
              native_id: str) -> Iterator[RawDocument | ImportRejected]:
        if collecting.known(source, native_id):
            return  # already stored: a drop folder polled again parses nothing twice
        try:
            size = path.stat().st_size
            if size > MAX_FILE_BYTES:
                yield ImportRejected(path, None, f"larger than {MAX_FILE_BYTES:,} bytes")
                return
            digest = _sha256(path)
        except OSError as error:
            yield ImportRejected(path, None, f"unreadable: {error}")
            return
        if (native_id, digest) in collecting.rejected_files:
            return  # rejected at an earlier poll and unchanged since
        suffix = path.suffix.lower()
        reader = {".pdf": self._pdf, ".docx": self._docx, ".html": self._html, ".htm": self._html}.get(suffix, self._text)
        try:
            document = reader(path)
        except ImportRejected as rejection:
            collecting.rejected_files.add((native_id, digest))
            yield rejection
            return
        document.source = source
        document.native_id = native_id
        document.location = str(path)
        document.metadata = {"file": native_id, "sha256": digest, "bytes": size, **document.metadata}
        yield document

    def _text(self, path: Path) -> RawDocument:
        if path.stat().st_size > MAX_TEXT_FILE_BYTES:
            raise ImportRejected(path, None, f"a text file larger than {MAX_TEXT_FILE_BYTES:,} bytes")
        decoding = choose_decoding(path, self.options.encoding)
        text = decode_document(path, path.read_bytes(), decoding).replace("\r\n", "\n").strip()
        if not text:
            raise ImportRejected(path, None, "empty file")
        title = None
        first = text.split("\n", 1)[0].strip()
        if path.suffix.lower() in (".md", ".markdown") and first.startswith("#"):
            title = first.lstrip("#").strip() or None
        return _draft(text, title=title, metadata={"encoding": decoding.label})

    def _html(self, path: Path) -> RawDocument:
        html, encoding = decode_html(path.read_bytes())
        article = extract_article(html)
        if article is None:
            raise ImportRejected(path, None, "no article text found in the page")
        return _draft(article.text, title=article.title, author=article.author, published_at=article.published_at,
                      language=article.language, url=article.canonical_url,
                      metadata={"encoding": encoding}, raw={"html": html})

    def _pdf(self, path: Path) -> RawDocument:
        try:
            reader = pypdf.PdfReader(path)
            if reader.is_encrypted and not reader.decrypt(""):
                raise ImportRejected(path, None, "the PDF is encrypted with a password")
            pages = [page.extract_text() or "" for page in reader.pages]
            info = reader.metadata or {}
        except (PdfReadError, PyPdfError, ValueError, KeyError, TypeError, OSError) as error:
            raise ImportRejected(path, None, f"not a readable PDF: {type(error).__name__}: {error}") from error
        if not any(page.strip() for page in pages):
            raise ImportRejected(path, None, f"the PDF has no text layer ({len(pages)} page(s) of images, "
                                             "e.g. a scan); run OCR on it first")
        text_parts: list[str] = []
        spans: list[SpanDraft] = []
        offset = 0
        for number, page_text in enumerate(pages, start=1):
            page_text = page_text.strip()
            if text_parts:
                offset += len(PAGE_SEPARATOR)
            text_parts.append(page_text)
            if page_text:
                spans.append(SpanDraft(offset, offset + len(page_text), PAGE_LAYER, str(number),
                                       attributes={"page": number}))
            offset += len(page_text)
        return _draft(
            PAGE_SEPARATOR.join(text_parts), title=_pdf_field(info, "/Title"), author=_pdf_field(info, "/Author"),
            published_at=_pdf_date(info), spans=spans, metadata={"pages": len(pages)},
        )

    def _docx(self, path: Path) -> RawDocument:
        try:
            document = docx.Document(str(path))
        except Exception as error:  # python-docx raises zipfile, lxml and its own errors for broken files
            raise ImportRejected(path, None, f"not a readable .docx: {type(error).__name__}: {error}") from error
        paragraphs = [p.text.strip() for p in document.paragraphs if p.text.strip()]
        for table in document.tables:
            for row in table.rows:
                cells = [cell.text.strip() for cell in row.cells if cell.text.strip()]
                if cells:
                    paragraphs.append(" | ".join(cells))
        if not paragraphs:
            raise ImportRejected(path, None, "the document has no text")
        properties = document.core_properties
        created = properties.created
        return _draft("\n".join(paragraphs), title=properties.title or None, author=properties.author or None,
                      published_at=utc(created) if isinstance(created, datetime) else None,
                      language=(properties.language or "").split("-")[0].lower() or None)


def _draft(text: str, **fields: Any) -> RawDocument:
    return RawDocument(source=SourceRef(kind="files", name=""), text=text, **fields)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def _pdf_field(info: Any, key: str) -> str | None:
    try:
        value = info.get(key)
    except Exception:  # a broken info dictionary is not worth losing the document over
        return None
    value = str(value).strip() if value else ""
    return value or None


def _pdf_date(info: Any) -> datetime | None:
    try:
        created = info.creation_date
    except Exception:  # pypdf raises on malformed PDF date strings
        return None
    return utc(created) if isinstance(created, datetime) else None
