"""Tweet text and its entities as X writes them, turned into our text and link spans.

Both the X archive importer and the twitter-v2 layout of the JSONL importer
meet the same problem.  X stores text HTML-escaped (`&amp;`, `&lt;`, `&gt;`)
and gives entity offsets in code points of that escaped text (checked on a
real archive: all 3,400 entities of ../shared/data/x-archive land exactly
there).  We store the unescaped text, so offsets are carried across the
unescaping, and every span is checked against the text it claims to cover;
one that does not match is looked for nearby rather than stored wrong.

X writes entities in three shapes (archive tweets as API v1.1, archive note
tweets, API v2) that differ only in key names, so one reader serves all three.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from frameline.records import SpanDraft
from frameline.sources.base import LINK_LAYER

# X's own language codes that name no language, and its legacy ISO 639 codes.
_NOT_A_LANGUAGE = {"und", "zxx", "art"}
_LEGACY_LANGUAGE_CODES = {"in": "id", "iw": "he", "ji": "yi"}
_ESCAPES = re.compile(r"&(amp|lt|gt);")
_UNESCAPED = {"amp": "&", "lt": "<", "gt": ">"}


@dataclass(frozen=True)
class TweetText:
    """Tweet text with X's HTML escapes undone, and where each escaped offset went."""

    text: str
    positions: list[int]
    """positions[i] is the offset in `text` of offset i in the escaped original (len + 1 entries)."""

    @classmethod
    def unescape(cls, escaped: str) -> TweetText:
        """Undo exactly what X escapes; `html.unescape` would also eat `&para` in URLs."""
        pieces: list[str] = []
        positions: list[int] = []
        length = done = 0
        for match in _ESCAPES.finditer(escaped):
            plain = escaped[done:match.start()]
            positions.extend(range(length, length + len(plain)))
            length += len(plain)
            positions.extend([length] * (match.end() - match.start()))
            pieces += [plain, _UNESCAPED[match.group(1)]]
            length += 1
            done = match.end()
        positions.extend(range(length, length + len(escaped) - done + 1))
        pieces.append(escaped[done:])
        return cls("".join(pieces), positions)

    def offset(self, escaped_offset: int) -> int:
        return self.positions[max(0, min(escaped_offset, len(self.positions) - 1))]


@dataclass(frozen=True)
class Entity:
    """A link, mention or hashtag as X reported it, before it is placed in our text."""

    label: str  # "url", "mention" or "hashtag"
    name: str  # the t.co link, screen name or tag, without `@` or `#`
    start: int | None  # X's offsets, into the escaped text
    end: int | None
    attributes: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Archives write offsets as strings, the API as numbers; anything else is ignored.
        object.__setattr__(self, "start", as_int(self.start))
        object.__setattr__(self, "end", as_int(self.end))

    @classmethod
    def url(cls, short_url: str, start: object, end: object, **attributes: Any) -> Entity:
        return cls("url", short_url, start, end, {k: v for k, v in attributes.items() if v})

    @classmethod
    def mention(cls, screen_name: str, start: object, end: object, **attributes: Any) -> Entity:
        attributes = {"screen_name": screen_name} | {k: v for k, v in attributes.items() if v}
        return cls("mention", screen_name, start, end, attributes)

    @classmethod
    def hashtag(cls, tag: str, start: object, end: object) -> Entity:
        return cls("hashtag", tag, start, end, {"tag": tag})

    @property
    def pattern(self) -> str:
        """What the text shows there; full-width sigils count, a longer name does not."""
        if self.label == "url":
            return re.escape(self.name)
        sigils = "[@\uff20]" if self.label == "mention" else "[#\uff03]"
        return sigils + re.escape(self.name) + r"(?!\w)"


def as_int(value: Any) -> int | None:
    """X writes numbers as strings in archives and as numbers in the API; anything else counts as absent."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def place_entities(text: TweetText, entities: Iterable[Entity]) -> tuple[list[SpanDraft], int]:
    """Spans for the entities whose text is found; returns them and how many were not found.

    The reported offsets are trusted only when the text there is the entity's
    own; otherwise the nearest unused occurrence is taken (X's offsets drift in
    some archive generations and in note tweets).
    """
    spans: list[SpanDraft] = []
    taken: set[tuple[int, int]] = set()
    unplaced = 0
    for entity in entities:
        placed = _place(text, entity, taken)
        if placed is None:
            unplaced += 1
            continue
        taken.add(placed)
        spans.append(SpanDraft(placed[0], placed[1], LINK_LAYER, entity.label, attributes=dict(entity.attributes)))
    return sorted(spans, key=lambda span: (span.start, span.end)), unplaced


def _place(text: TweetText, entity: Entity, taken: set[tuple[int, int]]) -> tuple[int, int] | None:
    expected = None
    if entity.start is not None and entity.end is not None:
        expected = (text.offset(entity.start), text.offset(entity.end))
        if expected not in taken and re.fullmatch(entity.pattern, text.text[expected[0]:expected[1]], re.IGNORECASE):
            return expected
    anchor = expected[0] if expected else 0
    candidates = [
        (match.start(), match.end())
        for match in re.finditer(entity.pattern, text.text, re.IGNORECASE)
        if (match.start(), match.end()) not in taken
    ]
    return min(candidates, key=lambda span: abs(span[0] - anchor), default=None)


# -- X's three ways of writing entities ------------------------------------------------------


@dataclass(frozen=True)
class EntityKeys:
    """Where one of X's entity shapes keeps an entity's name, offsets and extra attributes."""

    tag: str
    screen_name: str
    short_url: str
    offsets: Callable[[Mapping[str, Any]], tuple[Any, Any]]
    mention_attributes: Mapping[str, str] = field(default_factory=dict)  # our attribute name: X's key
    url_attributes: Mapping[str, str] = field(default_factory=dict)


def _indices(entity: Mapping[str, Any]) -> tuple[Any, Any]:
    indices = entity.get("indices") or [None, None]
    return indices[0], indices[-1]


ARCHIVE_KEYS = EntityKeys(  # archive tweets, shaped as API v1.1
    tag="text", screen_name="screen_name", short_url="url", offsets=_indices,
    mention_attributes={"user_id": "id_str"},
    url_attributes={"href": "expanded_url", "display": "display_url", "media_type": "type",
                    "media_url": "media_url_https"},
)
NOTE_KEYS = EntityKeys(  # archive note tweets (data/note-tweet.js)
    tag="text", screen_name="screenName", short_url="shortUrl",
    offsets=lambda entity: (entity.get("fromIndex"), entity.get("toIndex")),
    url_attributes={"href": "expandedUrl", "display": "displayUrl"},
)
API_V2_KEYS = EntityKeys(
    tag="tag", screen_name="username", short_url="url",
    offsets=lambda entity: (entity.get("start"), entity.get("end")),
    mention_attributes={"user_id": "id"}, url_attributes={"href": "expanded_url", "display": "display_url"},
)


def read_entities(hashtags: Iterable[Mapping[str, Any]], mentions: Iterable[Mapping[str, Any]],
                  urls: Iterable[Mapping[str, Any]], keys: EntityKeys) -> list[Entity]:
    """Hashtags, then mentions, then links (the order spans are claimed in); nameless ones are dropped."""
    found = [Entity.hashtag(tag.get(keys.tag, ""), *keys.offsets(tag)) for tag in hashtags]
    found += [Entity.mention(mention.get(keys.screen_name, ""), *keys.offsets(mention),
                             **{name: mention.get(key) for name, key in keys.mention_attributes.items()})
              for mention in mentions]
    found += [Entity.url(link.get(keys.short_url, ""), *keys.offsets(link),
                         **{name: link.get(key) for name, key in keys.url_attributes.items()})
              for link in urls]
    return [entity for entity in found if entity.name]


def archive_entities(tweet: Mapping[str, Any]) -> list[Entity]:
    """Entities of an archive (API v1.1 shaped) tweet; media links count as urls."""
    entities = tweet.get("entities") or {}
    media = {m.get("url"): m for m in (tweet.get("extended_entities") or {}).get("media") or []}
    media.update({m.get("url"): m for m in entities.get("media") or [] if m.get("url") not in media})
    return read_entities(entities.get("hashtags") or [], entities.get("user_mentions") or [],
                         list(entities.get("urls") or []) + list(media.values()), ARCHIVE_KEYS)


def note_entities(core: Mapping[str, Any]) -> list[Entity]:
    return read_entities(core.get("hashtags") or [], core.get("mentions") or [], core.get("urls") or [], NOTE_KEYS)


def v2_entities(entities: Any) -> list[Entity]:
    entities = entities if isinstance(entities, dict) else {}
    return read_entities(entities.get("hashtags") or [], entities.get("mentions") or [], entities.get("urls") or [],
                         API_V2_KEYS)


# -- other fields both tweet shapes share ----------------------------------------------------


def tweet_language(code: str | None) -> str | None:
    """X's `lang` as a language code, or None for its `und`, `zxx` and `q…` pseudo-codes."""
    if not code or code in _NOT_A_LANGUAGE or (len(code) == 3 and code.startswith("q")):
        return None
    return _LEGACY_LANGUAGE_CODES.get(code, code)


def tweet_url(username: str, tweet_id: str | int) -> str:
    return f"https://x.com/{username}/status/{tweet_id}"
