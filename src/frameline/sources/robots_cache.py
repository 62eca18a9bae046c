"""robots.txt answers kept between runs of the monitor, per site, with when they were fetched.

`frameline watch --once` from cron starts a fresh process every few minutes;
without a cache each run would ask every site for its robots.txt again, so an
unchanged feed would cost a robots.txt request as well as its one 304.  The
answers are kept in a small JSON file in the workspace (they are a cache, not
evidence: deleting the file only costs one request per site) and trusted for
`ttl_s` (a day, as RFC 9309 suggests at most).  A site without robots.txt is
remembered as such; a server error is never cached, so it is asked again.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

ROBOTS_TTL_S = 24 * 3600
MISSING = object()  # `get` found nothing usable: fetch the file


class RobotsCache:
    """origin ("https://host:port") -> (fetched at, robots.txt text or None for "the site has none")."""

    def __init__(self, path: Path, ttl_s: float = ROBOTS_TTL_S) -> None:
        self.path, self.ttl_s = path, ttl_s
        self._entries: dict[str, dict[str, Any]] = self._load()
        self._changed = False

    def _load(self) -> dict[str, dict[str, Any]]:
        try:
            entries = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}  # none yet, or damaged: it is only a cache
        if not isinstance(entries, dict):
            return {}
        return {origin: entry for origin, entry in entries.items()
                if isinstance(entry, dict) and isinstance(entry.get("fetched_at"), (int, float))
                and (entry.get("text") is None or isinstance(entry.get("text"), str))}

    def get(self, origin: str, now: float | None = None) -> tuple[float, str | None] | object:
        """(fetched at, text) while fresh, else MISSING."""
        entry = self._entries.get(origin)
        now = time.time() if now is None else now
        if entry is None or not 0 <= now - entry["fetched_at"] <= self.ttl_s:
            return MISSING
        return entry["fetched_at"], entry.get("text")

    def put(self, origin: str, text: str | None, fetched_at: float) -> None:
        self._entries[origin] = {"fetched_at": fetched_at, "text": text}
        self._changed = True

    def save(self) -> None:
        """Write the file if anything changed (atomically: a reader never sees half of it); expired entries go."""
        if not self._changed:
            return
        now = time.time()
        kept = {origin: entry for origin, entry in self._entries.items() if now - entry["fetched_at"] <= self.ttl_s}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.", suffix=".tmp")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                json.dump(kept, stream, ensure_ascii=False, indent=1)
            os.replace(temporary, self.path)
        except OSError:
            Path(temporary).unlink(missing_ok=True)
            raise
        self._changed = False
