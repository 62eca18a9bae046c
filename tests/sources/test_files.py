"""The `files` importer on documents built here: PDFs with and without a text layer, .docx, text, HTML."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import docx
from pages import ARTICLE_PARAGRAPHS, news_page
from pypdf import PdfWriter
from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

from frameline.sources.base import ImportOptions
from frameline.sources.runner import run_import

PAGES = ["The soldiers of the Caliphate continue", "one small setback in a much larger war"]


def write_pdf(path: Path, pages: list[str | None], title: str | None = None) -> Path:
    """A PDF with one line of Helvetica text per page; None makes a page with no text layer (a scan)."""
    writer = PdfWriter()
    font = writer._add_object(DictionaryObject({
        NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
        NameObject("/BaseFont"): NameObject("/Helvetica"),
    }))
    for text in pages:
        page = writer.add_blank_page(width=595, height=842)
        if text is None:
            continue
        page[NameObject("/Resources")] = DictionaryObject({
            NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})})
        stream = DecodedStreamObject()
        stream.set_data(f"BT /F1 14 Tf 72 760 Td ({text}) Tj ET".encode("latin-1"))
        page[NameObject("/Contents")] = writer._add_object(stream)
    if title:
        writer.add_metadata({"/Title": title, "/Author": "Al-Hayat Media"})
    with path.open("wb") as handle:
        writer.write(handle)
    return path


def test_pdf_text_keeps_page_numbers_as_spans(tmp_path, workspace) -> None:
    folder = tmp_path / "magazines"
    folder.mkdir()
    write_pdf(folder / "issue-11.pdf", PAGES, title="Issue 11")
    store = workspace.open_store()
    report = run_import(store, "files", [folder], ImportOptions(groups=("extremist",)))
    assert report.summary() == "1 new, 0 duplicate, 0 rejected"
    document = store.get_document(report.new_ids[0])
    assert document.text == "\n\n".join(PAGES)
    assert (document.title, document.author, document.native_id) == ("Issue 11", "Al-Hayat Media", "issue-11.pdf")
    assert document.metadata["pages"] == 2 and len(document.metadata["sha256"]) == 64
    spans = store.get_spans(document.id, layers=["page"])
    assert [(s.label, s.attributes, document.text[s.start:s.end]) for s in spans] == [
        ("1", {"page": 1}, PAGES[0]), ("2", {"page": 2}, PAGES[1])]
    assert store.get_source(document.source_id).name == "magazines"


def test_scanned_pdf_without_text_layer_is_rejected_with_that_reason(tmp_path, workspace) -> None:
    scan = write_pdf(tmp_path / "scan.pdf", [None, None])
    report = run_import(workspace.open_store(), "files", [scan], rejects_dir=workspace.rejects_dir)
    assert report.summary() == "0 new, 0 duplicate, 1 rejected"
    assert "no text layer" in report.sample_rejections[0].reason and "OCR" in report.sample_rejections[0].reason
    assert "scan.pdf" in report.rejects_file.read_text(encoding="utf-8")


def test_broken_pdf_is_rejected(tmp_path, workspace) -> None:
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4\n this is not really a pdf")
    report = run_import(workspace.open_store(), "files", [broken])
    assert report.rejected == 1 and "PDF" in report.sample_rejections[0].reason


def test_a_text_file_with_one_line_not_in_its_encoding_is_rejected_naming_the_line(tmp_path, workspace) -> None:
    folder = tmp_path / "statements"
    folder.mkdir()
    lines = [f"سطر رقم {i} من البيان" for i in range(30)]
    (folder / "mixed.txt").write_bytes(b"\n".join(line.encode("cp1256" if i == 12 else "utf-8")
                                                  for i, line in enumerate(lines)))
    (folder / "arabic.txt").write_bytes("\n".join(lines).encode("cp1256"))
    store = workspace.open_store()
    report = run_import(store, "files", [folder])
    assert (report.new, report.rejected) == (1, 1)
    assert (report.sample_rejections[0].location, report.sample_rejections[0].path) == (
        "line 13", str(folder / "mixed.txt"))
    assert store.get_document(report.new_ids[0]).text == "\n".join(lines)


def test_docx_text_tables_and_properties(tmp_path, workspace) -> None:
    document = docx.Document()
    document.core_properties.title = "Statement on Mosul"
    document.core_properties.author = "Press office"
    document.core_properties.created = datetime(2017, 7, 10, 12, 0, tzinfo=timezone.utc)
    document.add_heading("Statement on Mosul", level=1)
    document.add_paragraph("The city has been liberated.")
    table = document.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text, table.rows[0].cells[1].text = "Displaced", "900,000"
    path = tmp_path / "statement.docx"
    document.save(str(path))
    store = workspace.open_store()
    stored = store.get_document(run_import(store, "files", [path]).new_ids[0])
    assert stored.text == "Statement on Mosul\nThe city has been liberated.\nDisplaced | 900,000"
    assert (stored.title, stored.author) == ("Statement on Mosul", "Press office")
    assert stored.published_at == datetime(2017, 7, 10, 12, 0, tzinfo=timezone.utc)


def test_text_markdown_and_html_in_a_folder_and_reimport_stores_nothing_twice(tmp_path, workspace) -> None:
    folder = tmp_path / "drop"
    (folder / "sub").mkdir(parents=True)
    (folder / "note.txt").write_bytes("بيان صادر عن المكتب الإعلامي لولاية نينوى".encode("cp1256"))
    (folder / "sub" / "brief.md").write_text("# Mosul brief\n\nThe group lost its largest city.", encoding="utf-8")
    (folder / "page.html").write_text(news_page("Mosul declared liberated", ARTICLE_PARAGRAPHS, "https://n.example/1"),
                                      encoding="utf-8")
    (folder / "image.png").write_bytes(b"\x89PNG")
    (folder / "empty.txt").write_text("", encoding="utf-8")
    store = workspace.open_store()
    report = run_import(store, "files", [folder])
    assert report.summary() == "3 new, 0 duplicate, 1 rejected"
    by_id = {d.native_id: d for d in store.iter_documents()}
    assert by_id["note.txt"].text == "بيان صادر عن المكتب الإعلامي لولاية نينوى"
    assert by_id["sub/brief.md"].title == "Mosul brief"
    assert by_id["page.html"].text == "\n".join(ARTICLE_PARAGRAPHS) and by_id["page.html"].url == "https://n.example/1"
    again = run_import(store, "files", [folder])
    assert again.summary() == "0 new, 3 duplicate, 1 rejected"


def test_magazine_pdf_built_from_real_dabiq_quotes_cites_each_page(shared_data, tmp_path, workspace) -> None:
    """One real quotation from Dabiq issue 1 per page (../shared/data/isis-texts): evidence maps to its page."""
    import csv

    with (shared_data / "isis-texts" / "isis-religious-texts.csv").open(encoding="utf-8", errors="replace") as handle:
        rows = [row for row in csv.reader(handle)][1:]
    quotes = [row[5].strip() for row in rows if row[0] == "Dabiq" and row[1] == "1" and 40 < len(row[5]) < 200][:4]
    assert len(quotes) == 4
    pdf_safe = [q.encode("latin-1", "replace").decode("latin-1").replace("\\", "").replace("(", "[").replace(")", "]")
                for q in quotes]
    store = workspace.open_store()
    report = run_import(store, "files", [write_pdf(tmp_path / "dabiq-1.pdf", pdf_safe, title="Dabiq 1")],
                        ImportOptions(groups=("extremist",)))
    document = store.get_document(report.new_ids[0])
    spans = store.get_spans(document.id, layers=["page"])
    assert [s.attributes["page"] for s in spans] == [1, 2, 3, 4]
    for page_number, quote in enumerate(pdf_safe, start=1):
        start = document.text.index(quote[:30])
        page = next(s for s in spans if s.start <= start < s.end)
        assert page.attributes["page"] == page_number
