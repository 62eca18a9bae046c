"""Choosing how to decode a text export, and reading it line by line in bounded memory.

Exports reach researchers from Excel, scrapers and other people's scripts, so
the encoding is rarely stated, and a file is not always in one encoding: a
dump appended to by two tools can hold one Windows-1256 row among thousands of
UTF-8 ones.  A wrongly decoded row is invisible garbage in every later search,
so nothing is decoded with replacement characters; instead the file's
encoding is decided from all of its lines and every line is then decoded on
its own, and a line that does not decode is that record's rejection, not the
file's:

- a file that is valid UTF-8 throughout is read as UTF-8 (BOM or not);
- when at least as many of its non-ASCII lines are valid UTF-8 as are not, the
  file is UTF-8 and the other lines are rejected (one stray row is too little
  text to guess its encoding from, and a wrong guess is silent);
- otherwise the file is in a legacy encoding, told by charset-normalizer from
  the lines that are not UTF-8 only (the UTF-8 ones would mislead it), and the
  label records that it was guessed; lines that are valid UTF-8 stay UTF-8.

UTF-16 and UTF-32 files (Excel's "Unicode text") cannot be split into lines
before decoding, so they are decoded as one stream.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO, BinaryIO

from charset_normalizer import from_bytes

from frameline.sources.base import ImportRejected

ENCODING_SAMPLE_BYTES = 4 * 1024 * 1024
VALIDATION_CHUNK_BYTES = 1024 * 1024
WIDE_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
             (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))  # UTF-32 LE starts like UTF-16 LE
NUL_PROBE_BYTES = 64 * 1024  # text exports never hold NUL bytes; UTF-16 and UTF-32 are full of them
MAX_BYTES_PER_CHAR = 4  # a line limit in characters is at most this many bytes in any codec read by line


@dataclass(frozen=True)
class Decoding:
    """How a file's bytes become text.

    `by_line`: each line is decoded on its own, first as `codec` and, failing
    that, as `fallback`; a line that decodes as neither is reported, not
    replaced.  Otherwise the file is one stream in `codec`.
    """

    codec: str
    label: str  # what we record: "utf-8", "utf-8 with BOM", "cp1256 (detected)", ...
    by_line: bool = False
    fallback: str | None = None


@dataclass
class LineCensus:
    """How many of a file's lines with non-ASCII bytes are valid UTF-8, and a sample of those that are not."""

    utf8: int = 0
    other: int = 0
    sample: bytearray | None = None
    has_nul: bool = False


def choose_decoding(path: Path, given: str | None) -> Decoding:
    """The decoding of a file: the one given, else UTF-8 or the detected one, decided from all of its lines."""
    try:
        return _choose_decoding(path, given)
    except OSError as error:
        raise ImportRejected(path, None, f"unreadable: {error}") from error


def _choose_decoding(path: Path, given: str | None) -> Decoding:
    with path.open("rb") as handle:
        head = handle.read(NUL_PROBE_BYTES)
    has_bom = head.startswith(codecs.BOM_UTF8)
    utf8 = Decoding("utf-8-sig", "utf-8 with BOM" if has_bom else "utf-8")
    if given:
        try:
            codec = codecs.lookup(given).name
        except LookupError as error:
            raise ImportRejected(path, None, f"unknown encoding {given!r}") from error
        if codec == "utf-8":
            return utf8 if _is_utf8(path) else replace(utf8, by_line=True)
        return Decoding(codec, codec, by_line=_ascii_compatible(codec))
    for bom, codec in WIDE_BOMS:
        if head.startswith(bom):
            return Decoding(codec, f"{codec} with BOM")
    if b"\x00" in head:  # UTF-16/32 without a BOM (ASCII in UTF-16 is valid UTF-8, with NULs between)
        return _whole_file_guess(path)
    if _is_utf8(path):
        return utf8
    census = _census(path)
    if census.has_nul:  # UTF-16/32 without a BOM: only a whole-stream guess can read it
        return _whole_file_guess(path)
    if census.utf8 >= census.other:
        return replace(utf8, by_line=True)
    guess = from_bytes(bytes(census.sample or b"")).best()
    if guess is None or not _ascii_compatible(codecs.lookup(guess.encoding).name):
        return replace(utf8, label=f"{utf8.label}; {census.other} line(s) in an encoding that could not be told",
                       by_line=True)
    codec = codecs.lookup(guess.encoding).name
    label = f"{guess.encoding} (detected)"
    if census.utf8:
        label += f", with {census.utf8} line(s) in utf-8"
    return Decoding("utf-8", label, by_line=True, fallback=codec)


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


def _census(path: Path) -> LineCensus:
    census = LineCensus(sample=bytearray())
    with path.open("rb") as handle:
        for raw in handle:
            if raw.isascii():
                census.has_nul = census.has_nul or b"\x00" in raw
                continue
            try:
                raw.decode("utf-8")
                census.utf8 += 1
            except UnicodeDecodeError:
                census.other += 1
                if len(census.sample) < ENCODING_SAMPLE_BYTES:  # type: ignore[arg-type]
                    census.sample.extend(raw)  # type: ignore[union-attr]
            census.has_nul = census.has_nul or b"\x00" in raw
    return census


def _whole_file_guess(path: Path) -> Decoding:
    with path.open("rb") as handle:
        guess = from_bytes(handle.read(ENCODING_SAMPLE_BYTES)).best()
    if guess is None:
        raise ImportRejected(path, None, "not UTF-8 and its encoding could not be told; give --encoding")
    return Decoding(codecs.lookup(guess.encoding).name, f"{guess.encoding} (detected)")


def _ascii_compatible(codec: str) -> bool:
    """Whether newlines, quotes and commas are the same single bytes as in ASCII, so lines split before decoding."""
    probe = "\r\n\",{}:[] az09"
    try:
        return probe.encode(codec) == probe.encode("ascii") and not codec.startswith(("utf-16", "utf-32"))
    except (UnicodeError, LookupError):
        return False


def open_text(path: Path, decoding: Decoding, newline: str) -> IO[str]:
    try:
        return path.open(encoding=decoding.codec, newline=newline)
    except OSError as error:
        raise ImportRejected(path, None, f"unreadable: {error}") from error


class DecodedLines:
    """A text file's lines, numbered, each decoded on its own when the decoding says so.

    `undecodable` maps the number of every line that did not decode to the
    reason; such a line is still yielded (with replacement characters) so that
    a CSV reader keeps its place, and the caller rejects the record it is in.
    `universal`: split at "\\r" as well as "\\n" (what CSV needs); JSON Lines
    splits at "\\n" only.  Use as a context manager.
    """

    def __init__(self, path: Path, decoding: Decoding, universal: bool) -> None:
        self.path, self.decoding, self.universal = path, decoding, universal
        self.undecodable: dict[int, str] = {}
        self._handle: IO[str] | BinaryIO | None = None

    def __enter__(self) -> DecodedLines:
        try:
            if self.decoding.by_line:
                self._handle = self.path.open("rb")
            else:
                self._handle = open_text(self.path, self.decoding, newline="" if self.universal else "\n")
        except OSError as error:
            raise ImportRejected(self.path, None, f"unreadable: {error}") from error
        return self

    def __exit__(self, *exc: object) -> None:
        if self._handle is not None:
            self._handle.close()

    def text(self) -> Iterator[str]:
        """Every line as text, for a reader that counts lines itself (csv).

        A file decoded as one stream is handed over as it is (the csv module
        reads it fastest so); a UnicodeDecodeError from it is the caller's.
        """
        if not self.decoding.by_line:
            return self._handle  # type: ignore[return-value]
        return (line or "" for _, line in self._decoded_lines(None))

    def lines(self, limit: int | None) -> Iterator[tuple[int, str | None]]:
        """Lines with their numbers; a line over `limit` characters is skipped without holding it (None).

        One runaway line (a file without newlines, a pasted dump) must cost a
        rejection, not the memory to hold it.
        """
        if self.decoding.by_line:
            yield from self._decoded_lines(limit)
        else:
            yield from _stream_lines(self._handle, self.path, limit)  # type: ignore[arg-type]

    def _decoded_lines(self, limit: int | None) -> Iterator[tuple[int, str | None]]:
        handle: BinaryIO = self._handle  # type: ignore[assignment]
        byte_limit = limit * MAX_BYTES_PER_CHAR if limit is not None else -1
        number = 0
        while raw := handle.readline(byte_limit + 1 if limit is not None else -1):
            if limit is not None and len(raw) > byte_limit and not raw.endswith(b"\n"):
                while (rest := handle.readline(byte_limit)) and not rest.endswith(b"\n"):
                    pass
                number += 1
                yield number, None
                continue
            for piece in raw.splitlines(keepends=True) if self.universal else (raw,):
                number += 1
                if number == 1 and piece.startswith(codecs.BOM_UTF8):
                    piece = piece[len(codecs.BOM_UTF8):]
                text = self._decode(piece, number)
                yield number, None if limit is not None and len(text) > limit else text

    def _decode(self, raw: bytes, number: int) -> str:
        text, problem = decode_line(raw, self.decoding)
        if problem is not None:
            self.undecodable[number] = problem
        return text


def decode_line(raw: bytes, decoding: Decoding) -> tuple[str, str | None]:
    """One line as text, and why it did not decode (then the text has replacement characters)."""
    codec = "utf-8" if decoding.codec == "utf-8-sig" else decoding.codec
    try:
        return raw.decode(codec), None
    except UnicodeDecodeError as error:
        if decoding.fallback:
            try:
                return raw.decode(decoding.fallback), None
            except UnicodeDecodeError:
                pass
        return raw.decode(codec, errors="replace"), undecodable_reason(decoding, error)


def undecodable_reason(decoding: Decoding, error: UnicodeDecodeError) -> str:
    """Why one line was not imported: the byte, and what the rest of the file was read as."""
    tried = decoding.codec.replace("-sig", "") + (f" or {decoding.fallback}" if decoding.fallback else "")
    byte = error.object[error.start:error.start + 1].hex()
    return (f"not decodable as {tried} (byte 0x{byte} at byte {error.start + 1} of the line), while the file "
            f"is read as {decoding.label}; give --encoding if the whole file is in another encoding")


def _stream_lines(stream: IO[str], path: Path, limit: int | None) -> Iterator[tuple[int, str | None]]:
    number = 0
    while True:
        try:
            line = stream.readline(limit + 1 if limit is not None else -1)
        except UnicodeDecodeError as error:
            raise ImportRejected(path, f"line {number + 1}", f"not decodable: {error}") from error
        if not line:
            return
        number += 1
        if limit is not None and len(line) > limit and not line.endswith("\n"):
            while (rest := stream.readline(limit)) and not rest.endswith("\n"):
                pass
            yield number, None
            continue
        yield number, line


def decode_document(path: Path, data: bytes, decoding: Decoding) -> str:
    """A whole file as one text; a line that does not decode rejects it, naming the line."""
    if not decoding.by_line:
        try:
            return data.decode(decoding.codec)
        except UnicodeDecodeError as error:
            raise ImportRejected(path, None, f"not decodable as {decoding.label}: {error}") from error
    parts: list[str] = []
    for number, raw in enumerate(data.splitlines(keepends=True), start=1):
        if number == 1 and raw.startswith(codecs.BOM_UTF8):
            raw = raw[len(codecs.BOM_UTF8):]
        text, problem = decode_line(raw, decoding)
        if problem is not None:
            raise ImportRejected(path, f"line {number}", problem)
        parts.append(text)
    return "".join(parts)
