"""Choosing how to decode a text export, and reading it line by line in bounded memory.

Exports reach researchers from Excel, scrapers and other people's scripts, so
the encoding is rarely stated.  UTF-8 is taken only when the whole file
decodes as UTF-8 (a prefix check would let a Windows-1256 row halfway down
fail the import); otherwise charset-normalizer's guess is used with
replacement characters, and the label records which it was, because a wrong
guess is otherwise invisible in the imported text.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from charset_normalizer import from_bytes

from frameline.sources.base import ImportRejected

ENCODING_SAMPLE_BYTES = 4 * 1024 * 1024
VALIDATION_CHUNK_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Decoding:
    codec: str
    label: str  # what we record: "utf-8", "utf-8 with BOM", "cp1256 (detected)", ...
    errors: str = "strict"


def choose_decoding(path: Path, given: str | None) -> Decoding:
    """UTF-8 (BOM or not) when the whole file is valid UTF-8, else what charset-normalizer detects."""
    try:
        return _choose_decoding(path, given)
    except OSError as error:
        raise ImportRejected(path, None, f"unreadable: {error}") from error


def _choose_decoding(path: Path, given: str | None) -> Decoding:
    with path.open("rb") as handle:
        has_bom = handle.read(len(codecs.BOM_UTF8)) == codecs.BOM_UTF8
    if given:
        try:
            codec = codecs.lookup(given).name
        except LookupError as error:
            raise ImportRejected(path, None, f"unknown encoding {given!r}") from error
        if codec == "utf-8":
            return Decoding("utf-8-sig", "utf-8 with BOM" if has_bom else "utf-8")
        return Decoding(codec, codec)
    if _is_utf8(path):
        return Decoding("utf-8-sig", "utf-8 with BOM" if has_bom else "utf-8")
    with path.open("rb") as handle:
        guess = from_bytes(handle.read(ENCODING_SAMPLE_BYTES)).best()
    if guess is None:
        raise ImportRejected(path, None, "not UTF-8 and its encoding could not be told; give --encoding")
    return Decoding(guess.encoding, f"{guess.encoding} (detected)", errors="replace")


def _is_utf8(path: Path) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as handle:
        try:
            while chunk := handle.read(VALIDATION_CHUNK_BYTES):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return False
    return True


def open_text(path: Path, decoding: Decoding, newline: str) -> IO[str]:
    try:
        return path.open(encoding=decoding.codec, errors=decoding.errors, newline=newline)
    except OSError as error:
        raise ImportRejected(path, None, f"unreadable: {error}") from error


def bounded_lines(stream: IO[str], path: Path, limit: int) -> Iterator[tuple[int, str | None]]:
    """Lines with their numbers; a line over `limit` characters is skipped without holding it (None).

    One runaway line (a file without newlines, a pasted dump) must cost a
    rejection, not the memory to hold it.
    """
    number = 0
    while True:
        try:
            line = stream.readline(limit + 1)
        except UnicodeDecodeError as error:
            raise ImportRejected(path, f"line {number + 1}", f"not decodable: {error}") from error
        if not line:
            return
        number += 1
        if len(line) > limit and not line.endswith("\n"):
            while (rest := stream.readline(limit)) and not rest.endswith("\n"):
                pass
            yield number, None
            continue
        yield number, line
