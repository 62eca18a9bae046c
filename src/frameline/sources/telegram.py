"""Telegram Desktop JSON exports (`result.json`), streamed with ijson.

Handles single-chat and full-account exports, the old format (no
`date_unixtime`, bare-integer `from_id`) and the new one (`text_entities`,
reactions), text as a plain string or as a list mixing strings and entity
objects.  Each chat becomes a Source; each ordinary message a Document; a
photo or file without caption is a Document with empty text and its media
reference.  Service messages (channel created, pinned, …) are not documents:
they are summarised in the Source's metadata.  Format notes:
../shared/data/telegram/SCHEMA.md.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath
from typing import Any
from zoneinfo import ZoneInfo

import ijson

from frameline.records import RawDocument, SourceRef, SpanDraft
from frameline.sources.base import Importer, ImportRejected, require_file

CHAT_PREFIXES = ("", "chats.list.item", "left_chats.list.item")
MESSAGE_PREFIXES = {f"{prefix}.messages.item".lstrip("."): prefix for prefix in CHAT_PREFIXES}
LINK_ENTITY_TYPES = {"link", "text_link", "mention", "mention_name", "hashtag", "cashtag", "email", "bot_command", "phone"}
SERVICE_SAMPLE = 200
MEDIA_KEYS = ("photo", "file", "thumbnail")


class TelegramExport(Importer):
    name = "telegram"
    description = "Telegram Desktop JSON export (result.json or its folder), single chat or full account"

    def read(self, path: Path) -> Iterator[RawDocument | ImportRejected | SourceRef]:
        path = Path(path)
        if path.is_dir() and (path / "result.json").is_file():
            path = path / "result.json"
        require_file(path, "a Telegram export's result.json")
        with path.open("rb") as handle:
            yield from self._walk(path, handle)

    def _walk(self, path: Path, handle: Any) -> Iterator[RawDocument | ImportRejected | SourceRef]:
        """A single-chat export has its messages built in C by `ijson.items`; anything else follows parse events.

        Both give the same records, rejections and source summaries; the event walk
        spends most of its time in Python, one call per JSON token.
        """
        header = _single_chat_header(handle)
        handle.seek(0)
        if header is None:
            yield from self._walk_events(path, handle)
        else:
            yield from self._walk_single_chat(path, handle, header)

    def _walk_single_chat(
        self, path: Path, handle: Any, chat: dict[str, Any]
    ) -> Iterator[RawDocument | ImportRejected | SourceRef]:
        """The top-level object is one chat whose `messages` come before any `chats`/`left_chats` key."""
        last_message = "the start of the file"
        try:
            for message in ijson.items(handle, "messages.item", use_float=True):
                if not isinstance(message, dict):
                    continue  # the event walk builds objects only; other array items are skipped
                last_message = f"message id {message.get('id')}"
                yield from self._message(path, chat, message)
        except ijson.JSONError as error:
            # The event walk yields the summary when the top-level object closes, even if
            # garbage follows; find out whether it did (only matters when there is a summary).
            if "ref" in chat and chat["services"]:
                handle.seek(0)
                try:
                    closed = ("", "end_map", None) in ijson.parse(handle, use_float=True)
                except ijson.JSONError:
                    closed = False
                if closed:
                    yield self._chat_summary(chat)
            yield ImportRejected(
                path, f"after {last_message}",
                f"the file is not complete JSON (truncated or corrupted?): {error}; everything before this point was read",
            )
            return
        summary = self._chat_summary(chat)
        if summary is not None:
            yield summary

    def _walk_events(self, path: Path, handle: Any) -> Iterator[RawDocument | ImportRejected | SourceRef]:
        """Follow parse events: chat headers are scalars seen before their messages."""
        chats: dict[str, dict[str, Any]] = {prefix: {} for prefix in CHAT_PREFIXES}
        builder: ijson.ObjectBuilder | None = None
        building_prefix = ""
        last_message = "the start of the file"
        try:
            for prefix, event, value in ijson.parse(handle, use_float=True):
                if builder is not None:
                    builder.event(event, value)
                    if prefix == building_prefix and event == "end_map":
                        chat = chats[MESSAGE_PREFIXES[building_prefix]]
                        message = builder.value
                        builder = None
                        last_message = f"message id {message.get('id')}"
                        yield from self._message(path, chat, message)
                    continue
                if event == "start_map" and prefix in MESSAGE_PREFIXES:
                    builder = ijson.ObjectBuilder()
                    builder.event(event, value)
                    building_prefix = prefix
                elif event == "start_map" and prefix in chats and prefix:
                    chats[prefix] = {}
                elif event == "end_map" and prefix in chats:
                    summary = self._chat_summary(chats[prefix])
                    if summary is not None:
                        yield summary
                elif event in ("string", "number"):
                    parent, _, key = prefix.rpartition(".")
                    if parent in chats and key in ("name", "type", "id"):
                        chats[parent][key] = value
        except ijson.JSONError as error:
            yield ImportRejected(
                path, f"after {last_message}",
                f"the file is not complete JSON (truncated or corrupted?): {error}; everything before this point was read",
            )

    def _source(self, chat: dict[str, Any]) -> SourceRef:
        if "ref" not in chat:
            chat_id = chat.get("id")
            name = self.options.source_name or chat.get("name") or f"telegram chat {chat_id}"
            chat["ref"] = SourceRef(
                kind="telegram", name=str(name), handle=str(chat_id) if chat_id is not None else None,
                groups=tuple(self.options.groups),
                metadata={"chat_type": chat.get("type"), "chat_id": chat_id},
            )
            chat["services"] = Counter()
            chat["service_sample"] = []
        return chat["ref"]

    def _chat_summary(self, chat: dict[str, Any]) -> SourceRef | None:
        """The chat's Source again, now with what its service messages said."""
        if "ref" not in chat or not chat["services"]:
            return None
        ref: SourceRef = chat["ref"]
        ref.metadata["service_messages"] = dict(chat["services"])
        ref.metadata["service_sample"] = chat["service_sample"]
        return ref

    def _message(self, path: Path, chat: dict[str, Any], message: Any) -> Iterator[RawDocument | ImportRejected]:
        source = self._source(chat)
        if not isinstance(message, dict) or "id" not in message:
            yield ImportRejected(path, "a message", "message without an id", excerpt=str(message)[:200])
            return
        location = f"message id {message['id']}"
        kind = message.get("type", "message")
        if kind == "service":
            chat["services"][str(message.get("action", "unknown"))] += 1
            if len(chat["service_sample"]) < SERVICE_SAMPLE:
                chat["service_sample"].append(
                    {key: message.get(key) for key in ("id", "date", "date_unixtime", "actor", "action", "title")
                     if key in message}
                )
            return
        if kind == "unsupported":
            yield ImportRejected(path, location, "Telegram exported this message as 'unsupported' (no content)")
            return
        try:
            published = self._date(message, "date")
        except ValueError as error:
            yield ImportRejected(path, location, f"unreadable date: {error}")
            return
        rejection = self.check_date(published, path, location)
        if rejection is not None:
            yield rejection
            return
        text, spans = self._text(message.get("text_entities", message.get("text", "")))
        metadata: dict[str, Any] = {}
        for key in ("views", "forwards", "reactions", "poll", "location_information", "via_bot",
                    "saved_from", "signature", "contact_information", "place_name", "address", "reply_to_peer_id"):
            if key in message:
                metadata[key] = message[key]
        try:
            edited = self._date(message, "edited")
        except ValueError:
            edited = None
        if edited is not None:
            metadata["edited_at"] = edited.isoformat()
        if "date_unixtime" not in message:
            metadata["date_timezone"] = self.options.timezone or "UTC (assumed: export has local time without zone)"
        author = message.get("author") or message.get("from")
        yield RawDocument(
            source=source,
            text=text,
            native_id=str(message["id"]),
            author=str(author) if author is not None else None,
            author_id=str(message["from_id"]) if message.get("from_id") is not None else None,
            published_at=published,
            reply_to=str(message["reply_to_message_id"]) if "reply_to_message_id" in message else None,
            forwarded_from=str(message["forwarded_from"]) if message.get("forwarded_from") else None,
            media=self._media(message),
            metadata=metadata,
            spans=spans,
            raw=message,
            location=location,
        )

    def _date(self, message: dict[str, Any], key: str) -> datetime | None:
        unix = message.get(f"{key}_unixtime")
        if unix is not None:
            return datetime.fromtimestamp(int(unix), tz=timezone.utc)
        value = message.get(key)
        if not value:
            return None
        local = datetime.fromisoformat(str(value))
        zone = ZoneInfo(self.options.timezone) if self.options.timezone else timezone.utc
        return local.replace(tzinfo=zone).astimezone(timezone.utc) if local.tzinfo is None else local

    @staticmethod
    def _text(value: Any) -> tuple[str, list[SpanDraft]]:
        """Concatenate text parts; links, mentions and hashtags become spans over the joined text."""
        if isinstance(value, str):
            return value, []
        if not isinstance(value, list):
            return ("" if value is None else str(value)), []
        pieces: list[str] = []
        spans: list[SpanDraft] = []
        length = 0
        for part in value:
            if isinstance(part, str):
                piece = part
            elif isinstance(part, dict):
                piece = part.get("text", "")
                piece = piece if isinstance(piece, str) else str(piece)
                kind = part.get("type")
                if kind in LINK_ENTITY_TYPES and piece.strip():
                    attributes = {key: part[key] for key in ("href", "user_id") if key in part}
                    if kind == "link":
                        attributes["href"] = piece.strip()
                    # Exports often put the following line breaks inside the entity; highlight the visible text.
                    start = length + len(piece) - len(piece.lstrip())
                    spans.append(SpanDraft(start, start + len(piece.strip()), "link", kind, attributes=attributes))
            else:
                piece = "" if part is None else str(part)
            pieces.append(piece)
            length += len(piece)
        return "".join(pieces), spans

    @staticmethod
    def _media(message: dict[str, Any]) -> list[dict[str, Any]]:
        media = []
        for key in ("photo", "file"):
            if key not in message:
                continue
            reference = str(message[key])
            item: dict[str, Any] = {"type": "photo" if key == "photo" else message.get("media_type", "file")}
            if reference.startswith("("):
                item["missing"] = reference  # "(File not included. …)"
            elif _safe_relative(reference):
                item["file"] = reference
            else:
                item["unsafe_path"] = reference  # never resolved against the disk
            for extra in ("file_name", "mime_type", "width", "height", "duration_seconds", "file_size",
                          "photo_file_size", "sticker_emoji", "performer", "title"):
                if extra in message:
                    item[extra] = message[extra]
            media.append(item)
        return media


def _single_chat_header(handle: Any) -> dict[str, Any] | None:
    """The chat's name, type and id if the file is one chat whose `messages` array comes
    before any `chats`/`left_chats` key (every single-chat export); None otherwise.

    Reads only up to the `messages` key.  The values are the ones the event walk would
    have recorded by the time it met the first message.
    """
    chat: dict[str, Any] = {}
    try:
        for prefix, event, value in ijson.parse(handle, use_float=True):
            if prefix == "":
                if event == "map_key":
                    if value == "messages":
                        return chat
                    if value in ("chats", "left_chats"):
                        return None
                elif event != "start_map":
                    return None  # not an object, or it closed without messages
            elif event in ("string", "number") and prefix in ("name", "type", "id"):
                chat[prefix] = value
    except ijson.JSONError:
        return None  # the event walk reports it
    return None


def _safe_relative(reference: str) -> bool:
    """A media path inside the export folder: relative, with no `..` and no drive or root."""
    candidate = PurePosixPath(reference.replace("\\", "/"))
    return not candidate.is_absolute() and ".." not in candidate.parts and ":" not in reference
