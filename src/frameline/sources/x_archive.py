"""Import the tweets of an X (Twitter) account archive, the "Download your data" zip unpacked.

The archive's data files are JavaScript, not JSON: `data/tweets.js` begins
`window.YTD.tweets.part0 = [` and large accounts spill into `tweets-part1.js`
and on.  We skip the assignment and stream the array with ijson, so an archive
of hundreds of thousands of tweets never sits in memory whole.

X stores `full_text` HTML-escaped (`&amp;`, `&lt;`, `&gt;`) and gives entity
offsets in code points of that escaped text (checked on a real archive: all
3,400 entities of ../shared/data/x-archive land exactly there).  We store the
unescaped text, so offsets are carried across the unescaping, and every span is
checked against the text it claims to cover; one that does not match is looked
for nearby rather than stored wrong.

Long tweets ("note tweets") appear in tweets.js truncated with `…` and a link;
their whole text lives in `data/note-tweet.js` with no tweet id, so it is
matched by creation time and text prefix.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO

import ijson

from frameline.records import RawDocument, SourceRef, SpanDraft
from frameline.sources.base import Importer, ImportRejected
from frameline.sources.dates import DateUnreadable, parse_date

LINK_LAYER = "link"
ASSIGNMENT_SEARCH_BYTES = 4096  # `window.YTD.something.part12 = ` is far shorter
NOTE_TWEET_CLOCK_SLACK = timedelta(seconds=5)
_UTF8_BOM = b"\xef\xbb\xbf"

# X's own language codes that name no language, and its legacy ISO 639 codes.
_NOT_A_LANGUAGE = {"und", "zxx", "art"}
_LEGACY_LANGUAGE_CODES = {"in": "id", "iw": "he", "ji": "yi"}
_ESCAPES = re.compile(r"&(amp|lt|gt);")
_UNESCAPED = {"amp": "&", "lt": "<", "gt": ">"}
_TRAILING_LINK = re.compile(r"\s*(https?://t\.co/\w+\s*)+$")


# -- text and entity offsets (shared with the twitter-v2 preset of the tabular importer) ------


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
        object.__setattr__(self, "start", _index(self.start))
        object.__setattr__(self, "end", _index(self.end))

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


def _index(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def archive_entities(tweet: dict[str, Any]) -> list[Entity]:
    """Entities of an archive (API v1.1 shaped) tweet; media links count as urls."""
    entities = tweet.get("entities") or {}
    found: list[Entity] = []
    for tag in entities.get("hashtags") or []:
        start, end = _indices(tag)
        found.append(Entity.hashtag(tag.get("text", ""), start, end))
    for mention in entities.get("user_mentions") or []:
        start, end = _indices(mention)
        found.append(Entity.mention(mention.get("screen_name", ""), start, end, user_id=mention.get("id_str")))
    media = {m.get("url"): m for m in (tweet.get("extended_entities") or {}).get("media") or []}
    media.update({m.get("url"): m for m in entities.get("media") or [] if m.get("url") not in media})
    for link in list(entities.get("urls") or []) + list(media.values()):
        start, end = _indices(link)
        found.append(Entity.url(
            link.get("url", ""), start, end, href=link.get("expanded_url"), display=link.get("display_url"),
            media_type=link.get("type"), media_url=link.get("media_url_https"),
        ))
    return [entity for entity in found if entity.name]


def _indices(entity: dict[str, Any]) -> tuple[Any, Any]:
    indices = entity.get("indices") or [None, None]
    return indices[0], indices[-1]


def tweet_language(code: str | None) -> str | None:
    """X's `lang` as a language code, or None for its `und`, `zxx` and `q…` pseudo-codes."""
    if not code or code in _NOT_A_LANGUAGE or (len(code) == 3 and code.startswith("q")):
        return None
    return _LEGACY_LANGUAGE_CODES.get(code, code)


# -- archive files ---------------------------------------------------------------------------


def read_ytd(path: Path, prefix: str = "item") -> Iterator[Any]:
    """Stream the values under `prefix` of one `window.YTD.… = [...]` file (or plain JSON)."""
    with path.open("rb") as handle:
        _skip_assignment(handle, path)
        yield from ijson.items(handle, prefix, use_float=True)


def _skip_assignment(handle: BinaryIO, path: Path) -> None:
    head = handle.read(ASSIGNMENT_SEARCH_BYTES)
    start = len(_UTF8_BOM) if head.startswith(_UTF8_BOM) else 0
    if head[start:].lstrip()[:1] in (b"[", b"{"):
        handle.seek(start)
        return
    equals = head.find(b"=", start)
    if equals < 0:
        raise ImportRejected(path, None, "not an X archive data file (no `window.YTD… =` assignment at the start)")
    handle.seek(equals + 1)


@dataclass(frozen=True)
class ArchiveLayout:
    root: Path
    data_dir: Path
    tweet_files: list[Path]


def locate_archive(path: Path) -> ArchiveLayout:
    """Find the tweet files from an archive folder, its data folder, or one tweets file."""
    if not path.exists():
        raise ImportRejected(path, None, "no such file or folder (expected an X archive folder or its data/tweets.js)")
    if path.is_file():
        data_dir = path.parent
        root = data_dir.parent if data_dir.name == "data" else data_dir
        return ArchiveLayout(root, data_dir, [path])
    if (path / "data").is_dir():
        root, data_dir = path, path / "data"
    else:
        root, data_dir = (path.parent if path.name == "data" else path), path
    tweet_files = [f for f in data_dir.glob("tweets*.js") if re.fullmatch(r"tweets(-part\d+)?\.js", f.name)]
    if not tweet_files:
        raise ImportRejected(path, None, "not an X archive: no data/tweets.js (or tweets-partN.js) in this folder")
    return ArchiveLayout(root, data_dir, sorted(tweet_files, key=_part_number))


def _part_number(path: Path) -> int:
    match = re.search(r"-part(\d+)\.js$", path.name)
    return int(match.group(1)) if match else 0


@dataclass(frozen=True)
class ArchiveAccount:
    username: str
    account_id: str | None = None
    display_name: str | None = None
    found_in: str = "folder name"


def read_account(layout: ArchiveLayout) -> ArchiveAccount:
    """Whose archive this is: account.js, else the manifest's userInfo, else the folder name."""
    account_file = layout.data_dir / "account.js"
    if account_file.is_file():
        for item in read_ytd(account_file):
            account = (item or {}).get("account") or {}
            if account.get("username"):
                return ArchiveAccount(account["username"], account.get("accountId"),
                                      account.get("accountDisplayName"), "data/account.js")
    manifest = layout.data_dir / "manifest.js"
    if manifest.is_file():
        for info in read_ytd(manifest, "userInfo"):
            if (info or {}).get("userName"):
                return ArchiveAccount(info["userName"], info.get("accountId"), info.get("displayName"),
                                      "data/manifest.js")
    return ArchiveAccount(layout.root.name)


# -- note tweets -----------------------------------------------------------------------------


@dataclass(frozen=True)
class NoteTweet:
    note_id: str
    created_at: datetime | None
    text: TweetText
    entities: list[Entity]


class NoteTweets:
    """The long texts of an archive, found again for the truncated tweets that show them.

    Kept in memory: an account has far fewer long tweets than tweets, and each
    is at most 25,000 characters.
    """

    def __init__(self, notes: Iterable[NoteTweet]) -> None:
        self._by_minute: dict[datetime, list[NoteTweet]] = {}
        for note in notes:
            if note.created_at is not None:
                self._by_minute.setdefault(note.created_at.replace(second=0, microsecond=0), []).append(note)

    @classmethod
    def load(cls, data_dir: Path) -> NoteTweets:
        files = sorted(data_dir.glob("note-tweet*.js"), key=_part_number)
        return cls(note for path in files for item in read_ytd(path) if (note := _note(item)) is not None)

    def __len__(self) -> int:
        return sum(len(notes) for notes in self._by_minute.values())

    def find(self, shown: str, created_at: datetime | None) -> NoteTweet | None:
        """The note whose text starts with what the tweet shows, written at the same time."""
        if created_at is None or not self._by_minute:
            return None
        prefix = _comparable(_TRAILING_LINK.sub("", shown).rstrip().rstrip("…"))
        if not prefix:
            return None
        minute = created_at.replace(second=0, microsecond=0)
        for candidate_minute in (minute - timedelta(minutes=1), minute, minute + timedelta(minutes=1)):
            for note in self._by_minute.get(candidate_minute, []):
                if abs(note.created_at - created_at) <= NOTE_TWEET_CLOCK_SLACK and \
                        _comparable(note.text.text).startswith(prefix):
                    return note
        return None


def _comparable(text: str) -> str:
    return " ".join(text.split())


def _note(item: Any) -> NoteTweet | None:
    note = (item or {}).get("noteTweet") or {}
    core = note.get("core") or {}
    if not core.get("text"):
        return None
    try:
        created_at = parse_date(note.get("createdAt")).moment
    except DateUnreadable:
        created_at = None
    entities = [Entity.hashtag(tag.get("text", ""), tag.get("fromIndex"), tag.get("toIndex"))
                for tag in core.get("hashtags") or []]
    entities += [Entity.mention(m.get("screenName", ""), m.get("fromIndex"), m.get("toIndex"))
                 for m in core.get("mentions") or []]
    entities += [Entity.url(u.get("shortUrl", ""), u.get("fromIndex"), u.get("toIndex"),
                            href=u.get("expandedUrl"), display=u.get("displayUrl")) for u in core.get("urls") or []]
    entities = [entity for entity in entities if entity.name]
    return NoteTweet(str(note.get("noteTweetId") or ""), created_at, TweetText.unescape(core["text"]), entities)


# -- the importer ----------------------------------------------------------------------------


class XArchive(Importer):
    name = "x-archive"
    description = "An X (Twitter) account archive folder, or its data/tweets.js: the account's own tweets"

    def read(self, path: Path) -> Iterator[RawDocument | ImportRejected]:
        layout = locate_archive(path)
        account = read_account(layout)
        notes = NoteTweets.load(layout.data_dir)
        source = SourceRef(
            kind="x", name=self.options.source_name or account.username, handle=account.username,
            url=f"https://x.com/{account.username}", groups=tuple(self.options.groups),
            metadata={"account_id": account.account_id, "display_name": account.display_name,
                      "account_from": account.found_in, "archive": layout.root.name, "importer": self.name},
        )
        for tweet_file in layout.tweet_files:
            index = -1
            try:
                for index, item in enumerate(read_ytd(tweet_file)):
                    yield self._document(item, source, account, notes, tweet_file, index)
            except ijson.JSONError as error:
                raise ImportRejected(tweet_file, f"after item {index}", f"broken JSON: {error}") from error
            except OSError as error:
                raise ImportRejected(tweet_file, None, f"unreadable: {error}") from error

    def _document(
        self, item: Any, source: SourceRef, account: ArchiveAccount, notes: NoteTweets, path: Path, index: int,
    ) -> RawDocument | ImportRejected:
        tweet = item.get("tweet", item) if isinstance(item, dict) else None
        location = f"item {index}"
        if not isinstance(tweet, dict):
            return ImportRejected(path, location, "not a tweet object", excerpt=repr(item)[:200])
        tweet_id = str(tweet.get("id_str") or tweet.get("id") or "")
        if not tweet_id:
            return ImportRejected(path, location, "tweet has no id_str")
        location = f"item {index}, tweet {tweet_id}"
        try:
            published = parse_date(tweet.get("created_at")).moment
        except DateUnreadable as error:
            return ImportRejected(path, location, f"bad created_at: {error}")
        if (rejection := self.check_date(published, path, location)) is not None:
            return rejection
        shown = TweetText.unescape(str(tweet.get("full_text") or tweet.get("text") or ""))
        metadata = _tweet_metadata(tweet)
        note = notes.find(shown.text, published)
        text, entities = (note.text, note.entities) if note else (shown, archive_entities(tweet))
        if note:
            metadata["note_tweet_id"] = note.note_id
        if not text.text.strip():
            return ImportRejected(path, location, "tweet has no text")
        spans, unplaced = place_entities(text, entities)
        if unplaced:
            metadata["unplaced_entities"] = unplaced
        return RawDocument(
            source=source, text=text.text, native_id=tweet_id,
            url=f"https://x.com/{account.username}/status/{tweet_id}",
            author=account.username, author_id=account.account_id, published_at=published,
            language=tweet_language(tweet.get("lang")), reply_to=tweet.get("in_reply_to_status_id_str") or None,
            forwarded_from=_retweeted_account(shown.text), metadata=metadata, spans=spans, raw=tweet,
            location=f"{path.name}, {location}",
        )


def _retweeted_account(text: str) -> str | None:
    """Archives keep a retweet as `RT @author: text…`; the author is all they say of the original."""
    match = re.match(r"RT @(\w+):", text)
    return match.group(1) if match else None


def _tweet_metadata(tweet: dict[str, Any]) -> dict[str, Any]:
    metadata: dict[str, Any] = {}
    for key in ("retweet_count", "favorite_count"):
        if (count := _index(tweet.get(key))) is not None:
            metadata[key] = count
    for key in ("in_reply_to_screen_name", "in_reply_to_user_id_str", "lang", "possibly_sensitive"):
        if tweet.get(key) not in (None, ""):
            metadata["x_lang" if key == "lang" else key] = tweet[key]
    if _retweeted_account(str(tweet.get("full_text") or "")):
        metadata["retweet"] = True
    return metadata
