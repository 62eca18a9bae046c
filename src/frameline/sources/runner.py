"""Run an importer over paths and store what it yields, batch by batch.

Each batch is one transaction, so an import killed midway keeps every batch it
finished and a re-run stores only the rest (duplicates are counted, not
stored).  Rejections go to a JSONL rejects file in the workspace, one line per
record with the file, the location and the reason.

A large import (PARALLEL_MIN_BYTES of input or more) reads in a second process:
it parses the files and prepares each batch's rows (`prepare_document`: search
text, hashes, the raw record's JSON) while this process packs the next batch's
raw records in a thread and writes the current batch, so parsing and the
database's own work run side by side.  Only this process writes, so an import
killed midway is exactly as consistent as a serial one, and the reader, left
with nobody to send to, stops at its next batch.
"""

from __future__ import annotations

import ctypes
import json
import multiprocessing
import traceback
from collections.abc import Callable, Generator, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from frameline.records import RawDocument, SourceRef
from frameline.sources import get_importer
from frameline.sources.base import ImportOptions, ImportRejected
from frameline.store.base import Store, StoreError, WriteResult
from frameline.store.document_rows import PreparedDocument, packed

BATCH_SIZE = 10_000  # rows per transaction: larger batches mean fewer, larger full-text segments to merge
PARALLEL_MIN_BYTES = 8 * 2**20  # below this, starting a reader process costs more than it saves


@dataclass
class ImportReport:
    importer: str
    import_id: int
    new: int = 0
    duplicate: int = 0
    rejected: int = 0
    rejects_file: Path | None = None
    new_ids: list[int] = field(default_factory=list)
    failed_paths: list[str] = field(default_factory=list)
    sample_rejections: list[ImportRejected] = field(default_factory=list)

    def summary(self) -> str:
        return f"{self.new} new, {self.duplicate} duplicate, {self.rejected} rejected"


class _RejectsLog:
    """Opened on the first rejection only, so clean imports leave no empty files."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._handle = None

    def write(self, rejection: ImportRejected) -> None:
        if self.path is None:
            return
        if self._handle is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._handle = self.path.open("a", encoding="utf-8")
        self._handle.write(json.dumps(rejection.as_record(), ensure_ascii=False) + "\n")

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()


def _with_groups(raw: RawDocument, options: ImportOptions) -> RawDocument:
    if options.groups and not set(options.groups) <= set(raw.source.groups):
        source = raw.source
        raw.source = SourceRef(
            kind=source.kind, name=source.name, handle=source.handle, url=source.url, language=source.language,
            groups=tuple(dict.fromkeys(source.groups + tuple(options.groups))), metadata=source.metadata,
        )
    return raw


def run_import(
    store: Store,
    importer_name: str,
    paths: Iterable[Path | str],
    options: ImportOptions | None = None,
    rejects_dir: Path | None = None,
    progress: Callable[[int], None] | None = None,
    actor: str = "cli",
    batch_size: int = BATCH_SIZE,
    parallel: bool | None = None,
) -> ImportReport:
    """Import every path with the named importer; returns the counts and where rejects went.

    `parallel` forces the reader process on or off; by default large inputs get one.
    """
    options = options or ImportOptions()
    importer = get_importer(importer_name)(options)
    keep_freed_memory()
    # URLs stay strings: Path() would fold their '//' (collectors take http(s) URLs as paths).
    paths = [path if isinstance(path, str) and "://" in path else Path(path) for path in paths]
    arguments = {"paths": [str(p) for p in paths], "source": options.source_name, "groups": list(options.groups),
                 "mapping": options.mapping, "preset": options.preset}
    dialect = getattr(store, "dialect", None)
    if parallel is None:
        parallel = _input_bytes(paths) >= PARALLEL_MIN_BYTES
    parallel = parallel and dialect is not None and hasattr(store, "write_prepared")
    import_id = store.begin_import(importer_name, arguments, actor=actor)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
    rejects = _RejectsLog(rejects_dir / f"import-{import_id}-{importer_name}-{stamp}.jsonl" if rejects_dir else None)
    report = ImportReport(importer=importer_name, import_id=import_id)

    def reject(rejection: ImportRejected) -> None:
        report.rejected += 1
        rejects.write(rejection)
        if len(report.sample_rejections) < 20:
            report.sample_rejections.append(rejection)

    def count(written: WriteResult, size: int) -> None:
        report.new += written.new
        report.duplicate += written.duplicate
        report.new_ids.extend(written.new_ids)
        if progress:
            progress(size)

    status = "failed"
    try:
        if parallel:
            for kind, payload in _packed_ahead(_read_in_worker(importer_name, options, paths, dialect, batch_size)):
                if kind == "batch":
                    count(store.write_prepared(payload, import_id=import_id), len(payload))
                elif kind == "source":
                    store.merge_source_metadata(store.ensure_source(payload), payload.metadata)
                elif kind == "reject":
                    reject(payload)
                else:  # "failed": the whole file
                    report.failed_paths.append(payload.path)
                    reject(payload)
        else:
            batch: list[RawDocument] = []
            for path in paths:
                try:
                    for item in importer.read(path):
                        if isinstance(item, ImportRejected):
                            reject(item)
                            continue
                        if isinstance(item, SourceRef):  # what the importer learnt about a source by the end
                            store.merge_source_metadata(store.ensure_source(item), item.metadata)
                            continue
                        batch.append(_with_groups(item, options))
                        if len(batch) >= batch_size:
                            count(store.write_documents(batch, import_id=import_id), len(batch))
                            batch = []
                except ImportRejected as whole_file:
                    report.failed_paths.append(str(path))
                    reject(whole_file)
                if batch:
                    count(store.write_documents(batch, import_id=import_id), len(batch))
                    batch = []
        status = "completed"
    finally:
        rejects.close()
        report.rejects_file = rejects.path if rejects._handle is not None else None
        try:
            store.finish_import(
                import_id, report.new, report.duplicate, report.rejected,
                str(report.rejects_file) if report.rejects_file else None, status,
            )
            store.audit(actor, "import", importer_name, arguments | {
                "import_id": import_id, "new": report.new, "duplicate": report.duplicate,
                "rejected": report.rejected, "status": status,
            })
        except StoreError:
            if status == "completed":
                raise
            # The store already failed (e.g. locked); that error is the one to report.
    return report


def keep_freed_memory() -> None:
    """Stop glibc from handing freed heap back to the OS after every record.

    By default glibc trims the heap whenever 128 KiB lie free at its top.  zlib
    allocates and frees about 256 KiB for every raw record it packs, so each one
    page-faulted that memory back in: twelve times the cost of the compression
    itself (33 µs instead of 2.7 µs a record).  Keeping up to 64 MiB around removes
    that; a no-op where the C library is not glibc.
    """
    try:
        ctypes.CDLL("libc.so.6").mallopt(M_TRIM_THRESHOLD, 64 * 2**20)
    except (OSError, AttributeError):
        pass


M_TRIM_THRESHOLD = -1  # glibc's mallopt parameter number


def _input_bytes(paths: list[Path | str]) -> int:
    total = 0
    for path in paths:
        if isinstance(path, Path):
            try:
                total += path.stat().st_size if path.is_file() else sum(
                    child.stat().st_size for child in path.iterdir() if child.is_file())
            except OSError:
                continue  # the importer reports it
    return total


# -- the reader process ---------------------------------------------------------------
# Messages from the reader, in the order it met things: ("batch", [PreparedDocument]),
# ("source", SourceRef), ("reject", fields), ("failed", fields) for a whole file,
# ("error", traceback) and finally ("done", None).  Rejections travel as their fields
# (an exception with a custom constructor does not unpickle).


class ImportWorkerFailed(RuntimeError):
    """The reader process stopped on an unexpected error; its traceback is the message."""


def _read_in_worker(
    importer_name: str, options: ImportOptions, paths: list[Path | str], dialect: str, batch_size: int
) -> Iterator[tuple[str, Any]]:
    context = multiprocessing.get_context("spawn")  # no fork: the caller may have threads (progress bars, a server)
    receive, send = context.Pipe(duplex=False)
    worker = context.Process(target=_prepare_in_worker, args=(send, importer_name, options, paths, dialect, batch_size),
                             name="frameline-import-reader", daemon=True)
    worker.start()
    send.close()  # only the reader holds the sending end: its exit is our end of input
    try:
        while True:
            try:
                kind, payload = receive.recv()
            except EOFError:
                raise ImportWorkerFailed(f"the import reader process stopped unexpectedly (exit code {worker.exitcode})")
            if kind == "done":
                return
            if kind == "error":
                raise ImportWorkerFailed(f"the import reader process failed:\n{payload}")
            if kind in ("reject", "failed"):
                payload = ImportRejected(*payload)
            elif kind == "batch":  # plain tuples unpickle several times faster than objects
                payload = [PreparedDocument._make(document) for document in payload]
            yield kind, payload
    finally:
        receive.close()
        if worker.is_alive():
            worker.terminate()
        worker.join()


def _packed_ahead(messages: Generator[tuple[str, Any], None, None]) -> Iterator[tuple[str, Any]]:
    """The reader's messages, each batch's raw records packed in a thread while the
    previous batch is written (zlib and SQLite both release the GIL); order is kept."""
    with closing(messages), ThreadPoolExecutor(max_workers=1, thread_name_prefix="frameline-pack") as packer:
        ahead: Future | None = None
        for kind, payload in messages:
            if kind == "batch":
                following = packer.submit(lambda batch: [packed(document) for document in batch], payload)
                if ahead is not None:
                    yield "batch", ahead.result()
                ahead = following
                continue
            if ahead is not None:
                yield "batch", ahead.result()
                ahead = None
            yield kind, payload
        if ahead is not None:
            yield "batch", ahead.result()


def _prepare_in_worker(
    send: Any, importer_name: str, options: ImportOptions, paths: list[Path | str], dialect: str, batch_size: int
) -> None:
    from frameline.store.document_rows import prepare_document

    keep_freed_memory()
    def rejection(kind: str, item: ImportRejected) -> tuple[str, tuple[Any, ...]]:
        return kind, (item.path, item.location, item.reason, item.excerpt)

    try:
        importer = get_importer(importer_name)(options)
        batch: list[Any] = []
        for path in paths:
            try:
                for item in importer.read(path):
                    if isinstance(item, ImportRejected):
                        send.send(rejection("reject", item))
                    elif isinstance(item, SourceRef):
                        if batch:  # the source's documents first, as in a serial import
                            send.send(("batch", batch))
                            batch = []
                        send.send(("source", item))
                    else:
                        batch.append(tuple(prepare_document(_with_groups(item, options), dialect)))
                        if len(batch) >= batch_size:
                            send.send(("batch", batch))
                            batch = []
            except ImportRejected as whole_file:
                send.send(rejection("failed", whole_file))
            if batch:
                send.send(("batch", batch))
                batch = []
        send.send(("done", None))
    except (BrokenPipeError, ConnectionResetError):
        return  # the importing process is gone (killed or failed): nothing left to do
    except BaseException:  # noqa: BLE001 - reported to the importing process, which raises it
        try:
            send.send(("error", traceback.format_exc()))
        except OSError:
            pass
    finally:
        send.close()
