"""Dates written in English and Arabic, resolved against the document's publication time.

"10 July 2017", "July 10", "09 November, 2016", "2017-07-10", "on Monday",
"yesterday", "١٠ تموز ٢٠١٧", "يوم الجمعة", "أمس": each becomes a `DateMention`
with the written span and, where it can be worked out, the ISO date it means.
A date that names its year is "absolute"; one that needs the publication date
(a weekday, "yesterday", a day and month without a year) is "relative", and
stays unresolved (value None) when the document has no publication time.  A
weekday means the most recent such day on or before publication; a day and
month without a year means the occurrence nearest before publication (or up
to a month after it, for announcements of what is coming).

Matching runs on the normalised text (so Arabic-Indic digits, hamza and
ta-marbuta variants are folded) and offsets map back to the original.
Hijri dates are not recognised yet.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from frameline.text.normalize import NormalizedText, normalize_text, normalize_with_offsets

ENGLISH_MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4, "may": 5,
    "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9, "sept": 9, "sep": 9,
    "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}
# Egyptian/Gulf (from the Latin names) and Levantine/Iraqi (Syriac) month names, normalised as the text will be.
ARABIC_MONTHS = {normalize_text(name): number for name, number in {
    "يناير": 1, "فبراير": 2, "مارس": 3, "أبريل": 4, "إبريل": 4, "مايو": 5, "يونيو": 6, "يونيه": 6,
    "يوليو": 7, "يوليه": 7, "أغسطس": 8, "سبتمبر": 9, "أكتوبر": 10, "نوفمبر": 11, "ديسمبر": 12,
    "كانون الثاني": 1, "شباط": 2, "آذار": 3, "نيسان": 4, "أيار": 5, "حزيران": 6, "تموز": 7, "آب": 8,
    "أيلول": 9, "تشرين الأول": 10, "تشرين الثاني": 11, "كانون الأول": 12,
}.items()}
ENGLISH_WEEKDAYS = {"monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5,
                    "sunday": 6}
ARABIC_WEEKDAYS = {normalize_text(name): number for name, number in {
    "الاثنين": 0, "الإثنين": 0, "الثلاثاء": 1, "الأربعاء": 2, "الخميس": 3, "الجمعة": 4, "السبت": 5, "الأحد": 6,
}.items()}
RELATIVE_DAYS = {"yesterday": -1, "today": 0, "tomorrow": 1, normalize_text("أمس"): -1,
                 normalize_text("الأمس"): -1, normalize_text("البارحة"): -1, normalize_text("غدا"): 1,
                 normalize_text("اليوم"): 0}
MAX_DAYS_AHEAD = 31  # a yearless date further ahead than this after publication is last year's

_EN_MONTH = r"(?P<month>" + "|".join(sorted(ENGLISH_MONTHS, key=len, reverse=True)) + r")\.?"
_AR_MONTH = r"(?P<armonth>" + "|".join(sorted(map(re.escape, ARABIC_MONTHS), key=len, reverse=True)) + ")"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>(?:19|20)\d\d)"
PATTERNS = [
    re.compile(r"(?<![\d-])(?P<year>(?:19|20)\d\d)-(?P<nmonth>[01]\d)-(?P<day>[0-3]\d)(?![\d-])"),
    re.compile(rf"\b{_DAY}(?: of)? {_EN_MONTH}(?:,? {_YEAR})?\b"),
    re.compile(rf"\b{_EN_MONTH} {_DAY}(?:,? {_YEAR})?\b"),
    re.compile(rf"(?<!\w){_DAY} (?:من )?(?:شهر )?{_AR_MONTH}(?:،? {_YEAR})?(?!\w)"),
    re.compile(r"\b(?:(?P<last>last|this past) )?(?P<weekday>" + "|".join(ENGLISH_WEEKDAYS) + r")\b"),
    re.compile(r"(?<!\w)يوم (?P<arweekday>" + "|".join(map(re.escape, ARABIC_WEEKDAYS)) + r")(?!\w)"),
    re.compile(r"(?<!\w)(?P<relative>" + "|".join(map(re.escape, RELATIVE_DAYS)) + r")(?!\w)"),
]
# Each pattern with what a text must contain for it to match: a digit, and one of a few substrings
# (every English month name holds its first three letters; an Arabic month is one of ARABIC_MONTHS;
# a weekday pattern, a weekday's name).  A text of ASCII alone is screened by the ASCII substrings only,
# since no other can be in it.
_MONTH_STEMS = tuple(sorted({name[:3] for name in ENGLISH_MONTHS}))
_HINTS = [("-",), _MONTH_STEMS, _MONTH_STEMS, tuple(ARABIC_MONTHS), tuple(ENGLISH_WEEKDAYS), (normalize_text("يوم"),),
          ("day", "tomorrow", *list(RELATIVE_DAYS)[3:])]
_SCREENED = [(pattern, needs_digit, hints, tuple(hint for hint in hints if hint.isascii()))
             for pattern, needs_digit, hints in zip(PATTERNS, [True, True, True, True, False, False, False], _HINTS)]
_DIGIT = re.compile(r"\d")
_CAPITALISED = {"month", "weekday"}  # English names that must be written capitalised ("may", "march" are verbs)


@dataclass(frozen=True)
class DateMention:
    start: int
    end: int
    value: str | None  # ISO date, None when it cannot be resolved
    resolution: str  # "absolute" or "relative"


def find_dates(text: str, published_at: datetime | None = None,
               normalized: NormalizedText | None = None) -> list[DateMention]:
    """Every date mention in `text`, in text order, without overlaps (the longest wins).

    `normalized` is the text's normalised form when the caller already has it.
    """
    if not text:
        return []
    if normalized is None:
        normalized = normalize_with_offsets(text)
    published = published_at.date() if published_at is not None else None
    taken = bytearray(len(normalized.text) + 1)
    found: list[DateMention] = []
    haystack = normalized.text
    has_digit = _DIGIT.search(haystack) is not None
    ascii_only = haystack.isascii()
    holds = haystack.__contains__
    for pattern, needs_digit, hints, ascii_hints in _SCREENED:  # most specific first; later ones skip what earlier took
        if (needs_digit and not has_digit) or (hints and not any(map(holds, ascii_hints if ascii_only else hints))):
            continue  # cannot match here: skipping it saves a scan of the whole text per pattern
        for match in pattern.finditer(haystack):
            if any(taken[match.start():match.end()]):
                continue
            start, end = normalized.to_original(match.start(), match.end())
            if not _capitalised_where_needed(text, normalized, match):
                continue
            resolved = _resolve(match, published)
            if resolved is None:
                continue
            taken[match.start():match.end()] = b"\x01" * (match.end() - match.start())
            found.append(DateMention(start, end, *resolved))
    return sorted(found, key=lambda mention: mention.start)


def _capitalised_where_needed(text: str, normalized, match: re.Match) -> bool:  # noqa: ANN001
    for group in _CAPITALISED:
        if match.groupdict().get(group):
            original_start, _ = normalized.to_original(match.start(group), match.end(group))
            if not text[original_start].isupper():
                return False
    return True


def _resolve(match: re.Match, published: date | None) -> tuple[str | None, str] | None:
    """(ISO value or None, resolution) for a match, or None when it is not a real date (31 June)."""
    groups = match.groupdict()
    if groups.get("relative") is not None:
        offset = RELATIVE_DAYS[groups["relative"]]
        return (_iso(published + timedelta(days=offset)) if published else None), "relative"
    weekday = groups.get("weekday") or groups.get("arweekday")
    if weekday is not None:
        number = ENGLISH_WEEKDAYS.get(weekday, ARABIC_WEEKDAYS.get(weekday))
        if published is None or number is None:
            return None, "relative"
        back = (published.weekday() - number) % 7
        if groups.get("last") and back == 0:
            back = 7
        return _iso(published - timedelta(days=back)), "relative"
    month = (int(groups["nmonth"]) if groups.get("nmonth") else ENGLISH_MONTHS.get(groups.get("month") or "")
             or ARABIC_MONTHS.get(groups.get("armonth") or ""))
    day = int(groups["day"])
    if groups.get("year"):
        try:
            return _iso(date(int(groups["year"]), month, day)), "absolute"
        except ValueError:
            return None
    try:
        date(2000, month, day)  # a leap year: is it a real day at all?
    except ValueError:
        return None
    if published is None:
        return None, "relative"
    year = published.year
    try:
        candidate = date(year, month, day)
    except ValueError:  # 29 February outside a leap year
        return None, "relative"
    if (candidate - published).days > MAX_DAYS_AHEAD:
        try:
            candidate = date(year - 1, month, day)
        except ValueError:
            return None, "relative"
    return _iso(candidate), "relative"


def _iso(day: date) -> str:
    return day.isoformat()
