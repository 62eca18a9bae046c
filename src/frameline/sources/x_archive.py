"""Import the tweets of an X (Twitter) account archive, the "Download your data" zip unpacked.

The archive's data files are JavaScript, not JSON: `data/tweets.js` begins
`window.YTD.tweets.part0 = [` and large accounts spill into `tweets-part1.js`
and on.  We skip the assignment and stream the array with ijson, so an archive
of hundreds of thousands of tweets never sits in memory whole.

X stores `full_text` HTML-escaped, with entity offsets into the escaped text;
tweet_entities.py undoes the escapes and places the entities as link spans.

Long tweets ("note tweets") appear in tweets.js truncated with `…` and a link;
their whole text lives in `data/note-tweet.js` with no tweet id, so it is
matched by creation time and text prefix.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO

import ijson

from frameline.records import RawDocument, SourceRef
from frameline.sources.base import Importer, ImportRejected
from frameline.sources.dates import DateUnreadable, parse_date
from frameline.sources.tweet_entities import (
    Entity, TweetText, archive_entities, as_int, note_entities, place_entities, tweet_language, tweet_url,
)

ASSIGNMENT_SEARCH_BYTES = 4096  # `window.YTD.something.part12 = ` is far shorter
NOTE_TWEET_CLOCK_SLACK = timedelta(seconds=5)
_TRAILING_LINK = re.compile(r"\s*(https?://t\.co/\w+\s*)+$")


# -- archive files ---------------------------------------------------------------------------


def read_ytd(path: Path, prefix: str = "item") -> Iterator[Any]:
    """Stream the values under `prefix` of one `window.YTD.… = [...]` file (or plain JSON)."""
    with path.open("rb") as handle:
        _skip_assignment(handle, path)
        yield from ijson.items(handle, prefix, use_float=True)


def _skip_assignment(handle: BinaryIO, path: Path) -> None:
    head = handle.read(ASSIGNMENT_SEARCH_BYTES)
    start = len(codecs.BOM_UTF8) if head.startswith(codecs.BOM_UTF8) else 0
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
    return NoteTweet(str(note.get("noteTweetId") or ""), created_at, TweetText.unescape(core["text"]),
                     note_entities(core))


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
            return ImportRejected(path, location, "not a tweet object", excerpt=repr(item))
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
            url=tweet_url(account.username, tweet_id),
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
        if (count := as_int(tweet.get(key))) is not None:
            metadata[key] = count
    for key in ("in_reply_to_screen_name", "in_reply_to_user_id_str", "lang", "possibly_sensitive"):
        if tweet.get(key) not in (None, ""):
            metadata["x_lang" if key == "lang" else key] = tweet[key]
    if _retweeted_account(str(tweet.get("full_text") or "")):
        metadata["retweet"] = True
    return metadata
