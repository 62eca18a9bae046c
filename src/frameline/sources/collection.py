"""What the network importers (`rss`, `web`) share: URLs as paths, the fetcher, per-source HTTP state.

Importers see only `ImportOptions`; the monitor (and tests) put these keys in
`options.extra`, and a one-off `frameline import` leaves them out:

- `fetcher`: a `Fetcher` shared across sources, so per-host spacing and the
  robots.txt cache hold for a whole monitoring run (else one is made per import);
- `allow_hosts`: host names exempt from the internal-address refusal (also read
  from $FRAMELINE_ALLOW_HOSTS, comma-separated, for the command line);
- `robots`: False to ignore robots.txt for this source;
- `http_state`: an `HttpState` holding the ETag / Last-Modified of the last
  answer, which the importer sends and updates, and marks `not_modified`;
- `is_known(source_ref, native_id)`: True when the store already has that
  record, so that a known entry costs no article fetch and no parse;
- `follow_links`: "auto" (fetch the article when a feed entry has only a
  summary), "always" or "never";
- `rejected_files`: a set the monitor keeps per drop folder, of (file, SHA-256)
  already rejected, so a scan waiting for OCR is reported once, not every poll.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from frameline.records import SourceRef
from frameline.sources.base import ImportOptions
from frameline.sources.fetch import Fetcher, FetchPolicy

ALLOW_HOSTS_VARIABLE = "FRAMELINE_ALLOW_HOSTS"
URL_PATTERN = re.compile(r"^https?://", re.IGNORECASE)
FOLLOW_LINKS_CHOICES = ("auto", "always", "never")


def is_url(value: str | Path) -> bool:
    return isinstance(value, str) and bool(URL_PATTERN.match(value))


@dataclass
class HttpState:
    etag: str | None = None
    last_modified: str | None = None
    not_modified: bool = False


class Collecting:
    """The network side of one importer run; close it when the run ends (a shared fetcher stays open)."""

    def __init__(self, options: ImportOptions) -> None:
        extra = options.extra
        self._fetcher: Fetcher | None = extra.get("fetcher")
        self._owns_fetcher = self._fetcher is None
        self.robots: bool = bool(extra.get("robots", True))
        self.state: HttpState | None = extra.get("http_state")
        self._is_known: Callable[[SourceRef, str], bool] | None = extra.get("is_known")
        self.follow_links: str = extra.get("follow_links", "auto")
        if self.follow_links not in FOLLOW_LINKS_CHOICES:
            raise ValueError(f"follow_links must be one of {', '.join(FOLLOW_LINKS_CHOICES)}, not {self.follow_links!r}")
        self.rejected_files: set[tuple[str, str]] = extra.get("rejected_files", set())
        hosts = list(extra.get("allow_hosts", ()))
        hosts += os.environ.get(ALLOW_HOSTS_VARIABLE, "").split(",")
        self._allow_hosts = hosts

    @property
    def fetcher(self) -> Fetcher:
        if self._fetcher is None:
            self._fetcher = Fetcher(FetchPolicy.allowing(self._allow_hosts))
        return self._fetcher

    def known(self, source: SourceRef, native_id: str | None) -> bool:
        return bool(native_id) and self._is_known is not None and self._is_known(source, native_id)

    def close(self) -> None:
        if self._owns_fetcher and self._fetcher is not None:
            self._fetcher.close()
            self._fetcher = None
