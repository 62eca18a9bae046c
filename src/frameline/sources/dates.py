"""Reading the dates that exports write, in whatever form they chose.

Every importer meets the same problem: a column or key holds a time as text
(ISO 8601, RFC 2822, Twitter's `Fri Mar 06 13:02:05 +0000 2026`, a US-style
`1/6/2015 21:07`) or as epoch seconds, often without a time zone.  This module
turns such a value into an aware UTC datetime and says whether the zone was
assumed, so that importers can record the assumption instead of hiding it.

dateutil is the last resort because it guesses generously: a value that only
parses by borrowing parts (year, day) from a default is treated as unreadable.
"""

from __future__ import annotations

import email.utils
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil import parser as dateutil_parser

TWITTER_CLASSIC_FORMAT = "%a %b %d %H:%M:%S %z %Y"

# Two defaults that differ in year, month and day: a value that parses to
# different moments under them lacked one of those and is too vague to store.
# A missing time of day is fine (midnight).
_PROBE_DEFAULTS = (datetime(2001, 2, 3), datetime(2002, 3, 4))
_EPOCH_SECONDS_DIGITS = 10
_EPOCH_MILLISECONDS_DIGITS = 13


class DateUnreadable(ValueError):
    """A value that does not name one moment (or names it in no form we know)."""


class UnknownTimeZone(ValueError):
    """A time-zone name that is not in the IANA database."""


@dataclass(frozen=True)
class ParsedDate:
    moment: datetime
    """Aware, in UTC."""
    zone_assumed: bool
    """True when the value carried no zone and the default zone was applied."""


def time_zone(name: str | None) -> tzinfo:
    """The zone naive times are read in: an IANA name, or UTC when none is given."""
    if not name:
        return timezone.utc
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise UnknownTimeZone(f"unknown time zone {name!r} (expected an IANA name such as 'Asia/Baghdad')") from error


def parse_date(value: object, formats: Sequence[str] = (), zone: tzinfo = timezone.utc) -> ParsedDate:
    """Read `value` as a moment; naive values are taken to be in `zone`.

    With `formats` only those strptime formats are tried: a preset that knows
    its layout should not have `1/6/2015` silently read day-first elsewhere.
    """
    if isinstance(value, bool) or value is None:
        raise DateUnreadable(f"not a date: {value!r}")
    if isinstance(value, (int, float)):
        return _aware(_from_epoch(value), zone)
    text = str(value).strip()
    if not text:
        raise DateUnreadable("empty date")
    if formats:
        for date_format in formats:
            try:
                return _aware(datetime.strptime(text, date_format), zone)
            except ValueError:
                continue
        raise DateUnreadable(f"{text!r} does not match {' or '.join(repr(f) for f in formats)}")
    return _aware(_parse_common(text), zone)


def _parse_common(text: str) -> datetime:
    if text.isdigit() and len(text) in (_EPOCH_SECONDS_DIGITS, _EPOCH_MILLISECONDS_DIGITS):
        return _from_epoch(int(text))
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
    except ValueError:
        pass
    for attempt in (_rfc_2822, _twitter_classic):
        moment = attempt(text)
        if moment is not None:
            return moment
    return _dateutil(text)


def _rfc_2822(text: str) -> datetime | None:
    try:
        return email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None


def _twitter_classic(text: str) -> datetime | None:
    try:
        return datetime.strptime(text, TWITTER_CLASSIC_FORMAT)
    except ValueError:
        return None


def _dateutil(text: str) -> datetime:
    try:
        first, second = (dateutil_parser.parse(text, default=default) for default in _PROBE_DEFAULTS)
    except (ValueError, OverflowError) as error:
        raise DateUnreadable(f"unreadable date {text!r}") from error
    if first != second:
        raise DateUnreadable(f"incomplete date {text!r} (needs at least a year, month and day)")
    return first


def _from_epoch(number: float) -> datetime:
    seconds = number / 1000 if abs(number) >= 10 ** (_EPOCH_MILLISECONDS_DIGITS - 1) else number
    try:
        return datetime.fromtimestamp(seconds, tz=timezone.utc)
    except (OverflowError, OSError, ValueError) as error:
        raise DateUnreadable(f"epoch value {number!r} is out of range") from error


def _aware(moment: datetime, zone: tzinfo) -> ParsedDate:
    if moment.tzinfo is None:
        return ParsedDate(moment.replace(tzinfo=zone).astimezone(timezone.utc), zone_assumed=True)
    return ParsedDate(moment.astimezone(timezone.utc), zone_assumed=False)
