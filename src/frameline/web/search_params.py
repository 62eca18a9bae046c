"""A search as URL parameters, so that every search is a link that can be shared and saved.

The page, the JSON API and the export all read the same parameters:
q, source (id, repeatable), group, lang, since, until (YYYY-MM-DD), frame,
technique, entity, cluster, sort and page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from urllib.parse import urlencode

from frameline.store import DocumentFilter, QuerySyntaxError, SearchQuery

PAGE_SIZE = 20
MAX_PAGE = 500


@dataclass
class SearchForm:
    q: str = ""
    source: list[int] = field(default_factory=list)
    group: list[str] = field(default_factory=list)
    lang: list[str] = field(default_factory=list)
    since: str = ""
    until: str = ""
    frame: str = ""
    technique: str = ""
    entity: str = ""
    cluster: str = ""
    sort: str = "relevance"
    page: int = 1
    per_page: int = PAGE_SIZE

    @classmethod
    def from_params(cls, params, per_page: int = PAGE_SIZE) -> "SearchForm":  # noqa: ANN001 - a multi-dict
        def one(name: str) -> str:
            return (params.get(name) or "").strip()[:500]

        def many(name: str) -> list[str]:
            return [value.strip()[:200] for value in params.getlist(name) if value and value.strip()][:50]

        try:
            sources = [int(value) for value in many("source")]
            page = int(one("page") or 1)
        except ValueError as error:
            raise QuerySyntaxError("source and page must be whole numbers") from error
        if any(not 0 < source < 2**63 for source in sources):
            raise QuerySyntaxError("source ids are positive whole numbers")
        if not 1 <= page <= MAX_PAGE:
            raise QuerySyntaxError(f"page must be between 1 and {MAX_PAGE}")
        return cls(q=one("q"), source=sources, group=many("group"), lang=many("lang"), since=one("since"),
                   until=one("until"), frame=one("frame"), technique=one("technique"), entity=one("entity"),
                   cluster=one("cluster"), sort=one("sort") or "relevance", page=page, per_page=per_page)

    def document_filter(self) -> DocumentFilter:
        labels = [(layer, value) for layer, value in (("frame", self.frame), ("entity", self.entity),
                                                      ("cluster", self.cluster)) if value]
        span_labels = [("technique", self.technique)] if self.technique else []
        return DocumentFilter(source_ids=self.source, groups=self.group, languages=self.lang,
                              since=_day(self.since, "since"), until=_day(self.until, "until", end=True),
                              labels=labels, span_labels=span_labels)

    def query(self) -> SearchQuery:
        return SearchQuery(self.q, self.document_filter(), sort=self.sort, limit=self.per_page,
                           offset=(self.page - 1) * self.per_page)

    def params(self, **changes) -> str:  # noqa: ANN003
        """This search as a query string, with some parameters changed (paging, sorting links)."""
        values = {"q": self.q, "source": self.source, "group": self.group, "lang": self.lang, "since": self.since,
                  "until": self.until, "frame": self.frame, "technique": self.technique, "entity": self.entity,
                  "cluster": self.cluster, "sort": self.sort, "page": self.page} | changes
        pairs = []
        for key, value in values.items():
            for item in value if isinstance(value, list) else [value]:
                if item not in ("", None) and not (key == "page" and item == 1) and not (
                        key == "sort" and item == "relevance"):
                    pairs.append((key, item))
        return urlencode(pairs)

    @property
    def is_empty(self) -> bool:
        return not (self.q or self.source or self.group or self.lang or self.since or self.until or self.frame
                    or self.technique or self.entity or self.cluster)


def _day(value: str, name: str, end: bool = False) -> datetime | None:
    """A calendar day in UTC; `until` includes its whole day."""
    if not value:
        return None
    try:
        day = date.fromisoformat(value[:10])
    except ValueError as error:
        raise QuerySyntaxError(f"{name} must be a date like 2017-07-10") from error
    moment = datetime.combine(day, time(), tzinfo=timezone.utc)
    if end:
        return moment + timedelta(days=1) if day < date.max else None  # the last representable day: no bound
    return moment
