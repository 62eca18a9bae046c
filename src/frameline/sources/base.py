"""The contract every importer keeps, and the rejection type it reports with.

An importer reads one path and yields `RawDocument`s.  A record it cannot use
is yielded as an `ImportRejected` naming the file, the line or record id and
the reason, and reading goes on: one bad record never costs the rest of the
batch.  A problem with the whole file (missing, unreadable) is raised as
`ImportRejected` and the runner moves on to the next path.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, ClassVar

from frameline.records import RawDocument

EARLIEST_DATE = datetime(1970, 1, 1, tzinfo=timezone.utc)
FUTURE_TOLERANCE = timedelta(days=1)
EXCERPT_CHARS = 200  # enough to recognise a rejected record, never the record itself
LINK_LAYER = "link"  # the span layer every importer writes the links, mentions and hashtags it finds to


class ImportRejected(Exception):
    """A record (or a whole file) that could not be imported, and why."""

    def __init__(self, path: str | Path, location: str | None, reason: str, excerpt: str | None = None) -> None:
        self.path = str(path)
        self.location = location
        self.reason = reason
        self.excerpt = excerpt[:EXCERPT_CHARS] if excerpt is not None else None
        where = f"{self.path}, {location}" if location else self.path
        super().__init__(f"{where}: {reason}")

    def as_record(self) -> dict[str, Any]:
        return {"path": self.path, "location": self.location, "reason": self.reason, "excerpt": self.excerpt}


@dataclass
class ImportOptions:
    """What the user said on the command line or in the API call.

    `mapping` maps our field names (text, author, published, native_id, source,
    url, title, language, reply_to) to the input's column or key names.
    """

    source_name: str | None = None
    groups: tuple[str, ...] = ()
    mapping: dict[str, str] = field(default_factory=dict)
    preset: str | None = None
    encoding: str | None = None
    timezone: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class Importer:
    """Base class: subclasses set `name` and `description` and implement `read`."""

    name: ClassVar[str]
    description: ClassVar[str]
    # Social-media records cannot predate 1970 or lie in the future; importers of
    # historical documents may widen this window.
    earliest: ClassVar[datetime | None] = EARLIEST_DATE

    def __init__(self, options: ImportOptions | None = None) -> None:
        self.options = options or ImportOptions()

    def read(self, path: Path) -> Iterator[RawDocument | ImportRejected]:
        raise NotImplementedError

    def check_date(self, moment: datetime | None, path: Path, location: str) -> ImportRejected | None:
        """A rejection if the date cannot be right for this kind of record, else None."""
        if moment is None:
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)
        if self.earliest is not None and moment < self.earliest:
            return ImportRejected(path, location, f"date {moment.isoformat()} is before {self.earliest.date()}")
        if moment > datetime.now(timezone.utc) + FUTURE_TOLERANCE:
            return ImportRejected(path, location, f"date {moment.isoformat()} is in the future")
        return None


def require_file(path: Path, what: str) -> None:
    """Raise a clear rejection for a path that is missing or a folder where a file is needed."""
    if not path.exists():
        raise ImportRejected(path, None, f"no such file (expected {what})")
    if path.is_dir():
        raise ImportRejected(path, None, f"is a folder, expected {what}")
