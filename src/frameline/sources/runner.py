"""Run an importer over paths and store what it yields, batch by batch.

Each batch is one transaction, so an import killed midway keeps every batch it
finished and a re-run stores only the rest (duplicates are counted, not
stored).  Rejections go to a JSONL rejects file in the workspace, one line per
record with the file, the location and the reason.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from frameline.records import RawDocument, SourceRef
from frameline.sources import get_importer
from frameline.sources.base import ImportOptions, ImportRejected
from frameline.store.base import Store, StoreError

BATCH_SIZE = 2000


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
) -> ImportReport:
    """Import every path with the named importer; returns the counts and where rejects went."""
    options = options or ImportOptions()
    importer = get_importer(importer_name)(options)
    # URLs stay strings: Path() would fold their '//' (collectors take http(s) URLs as paths).
    paths = [path if isinstance(path, str) and "://" in path else Path(path) for path in paths]
    arguments = {"paths": [str(p) for p in paths], "source": options.source_name, "groups": list(options.groups),
                 "mapping": options.mapping, "preset": options.preset}
    import_id = store.begin_import(importer_name, arguments, actor=actor)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
    rejects = _RejectsLog(rejects_dir / f"import-{import_id}-{importer_name}-{stamp}.jsonl" if rejects_dir else None)
    report = ImportReport(importer=importer_name, import_id=import_id)

    def reject(rejection: ImportRejected) -> None:
        report.rejected += 1
        rejects.write(rejection)
        if len(report.sample_rejections) < 20:
            report.sample_rejections.append(rejection)

    def flush(batch: list[RawDocument]) -> None:
        written = store.write_documents(batch, import_id=import_id)
        report.new += written.new
        report.duplicate += written.duplicate
        report.new_ids.extend(written.new_ids)
        if progress:
            progress(len(batch))
        batch.clear()

    status = "failed"
    try:
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
                        flush(batch)
            except ImportRejected as whole_file:
                report.failed_paths.append(str(path))
                reject(whole_file)
            flush(batch)
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
