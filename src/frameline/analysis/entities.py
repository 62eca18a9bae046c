"""Who, where and when a document mentions: the watchlist, unknown English names, and dates.

Writes, in layer "entity":

- a Span per watchlist mention: label = the entity type (person, group, place,
  media-outlet, ...), score 1.0, attributes {entity_id, name (canonical),
  matched (the alias), method: "watchlist"} (see `watchlist`);
- a Span per capitalised multi-word English name the watchlist does not know
  ("Counter Terrorism Service", "Prime Minister Haider al-Abadi"): label
  "name", or "person"/"place"/"organisation" when a clear cue says so
  ("Gen.", "Sheikh", "province of", "... Ministry"); method "pattern" and a
  lower score.  Sentence-initial single words and all-capitals lines are
  skipped: they are emphasis, not names;
- a Span per date (see `dates`): label "date", attributes {value, resolution};
- a DocLabel per distinct watchlist entity: label = entity id, score = its
  number of mentions, so search can filter documents by entity.

The watchlist is configuration (workspace `watchlists/*.yaml`), hashed into
`config_version()`; the automaton is built per process by `setup()`.
"""

from __future__ import annotations

import re
from operator import attrgetter
from typing import TYPE_CHECKING, Any

from frameline.analysis.base import Analyser, AnalysisOutput, DocumentInput, LabelDraft
from frameline.analysis.dates import ENGLISH_MONTHS, ENGLISH_WEEKDAYS, find_dates
from frameline.analysis.watchlist import Watchlist, WatchlistMatcher, is_shouting
from frameline.records import SpanDraft

if TYPE_CHECKING:
    from frameline.workspace import Workspace

LAYER = "entity"
WATCHLIST_SCORE = 1.0
PATTERN_SCORE = 0.5  # a capitalised run with no cue: probably a name, type unknown
CUED_PATTERN_SCORE = 0.7  # ... with a title or a place/organisation word to go by

# A name word: Capitalised, possibly with an Arabic article or apostrophe inside (al-Abadi, Hay'at, McGurk).
_WORD = r"(?:(?:[Aa][lnsdrz]|[Ee]l|[Aa]sh)[-\u2010])?[A-Z][a-z]+(?:['\u2019\-][A-Za-z]+)*|[A-Z]{2,}(?![a-z])"
_JOINER = r"(?:of(?: the)?|bin|ibn|bint|abu|de|da|van|von|al|el|and the)"
# The lookahead names the letters a name can start with (every match starts with one, so it changes no match):
# the scan then rejects most positions before trying the lookbehind and the alternatives, 25 % faster.
NAME_RUN = re.compile(rf"(?=[A-Zae])(?<![\w\-'\u2019])(?:{_WORD})(?:[ \t](?:{_JOINER}[ \t])?(?:{_WORD}))*(?![\w\-])")
_SENTENCE_END = re.compile(r"[.!?:;\"\u201c\u201d()\[\]\n]\s*$|^\s*$")

PERSON_TITLES = {
    "mr", "mrs", "ms", "dr", "gen", "general", "lt", "lieutenant", "col", "colonel", "maj", "major", "capt",
    "captain", "sheikh", "shaykh", "sheik", "imam", "mullah", "emir", "amir", "president", "minister",
    "prime", "king", "prince", "sgt", "sergeant", "brig", "brigadier", "commander", "spokesman", "ayatollah",
    "senator", "sen", "rep", "governor", "gov", "mayor", "caliph", "abu",
}
PLACE_BEFORE = ("city of", "province of", "town of", "village of", "governorate of", "district of",
                "region of", "outskirts of", "neighbourhood of", "neighborhood of")
PLACE_WORDS = {"province", "governorate", "city", "district", "valley", "river", "mountains", "region"}
ORGANISATION_WORDS = {
    "ministry", "forces", "force", "army", "party", "council", "agency", "committee", "brigade", "brigades",
    "front", "movement", "organization", "organisation", "union", "service", "services", "department",
    "university", "institute", "company", "group", "coalition", "court", "police", "command", "division",
    "battalion", "unit", "units", "corps", "network", "foundation", "center", "centre", "office",
    "commission", "authority", "association", "office", "news", "times", "post",
}
# Capitalised words that begin sentences or are dates, not names.
NOT_NAMES = {
    "the", "a", "an", "this", "that", "these", "those", "in", "on", "at", "by", "for", "from", "with", "and",
    "but", "or", "so", "if", "as", "it", "its", "he", "she", "we", "they", "i", "you", "his", "her", "their",
    "our", "my", "your", "there", "here", "when", "while", "after", "before", "then", "now", "today", "yesterday",
    "what", "who", "why", "how", "where", "all", "no", "not", "yes", "rt", "via", "according", "however",
    "also", "more", "many", "some", "one", "two", "dear", "oh", "may", "allah", "o", "last", "next", "every",
    "ya", "allahu", "akbar", "inshallah", "alhamdulillah", "subhanallah", "mashallah", "breaking", "update",
    *ENGLISH_MONTHS, *ENGLISH_WEEKDAYS,
}


class EntityAnalyser(Analyser):
    """Watchlist entities, unknown English names and dates, with offsets into the original text."""

    name = "entities"
    version = "1"
    requires = ("normalize",)  # watchlist and dates match on `DocumentInput.normalized`
    layers = (LAYER,)

    def __init__(self, watchlist: Watchlist | None = None) -> None:
        self.watchlist = watchlist or Watchlist.default()
        self._matcher: WatchlistMatcher | None = None
        self._names: dict[str, str] | None = None

    @classmethod
    def from_workspace(cls, workspace: Workspace | None) -> EntityAnalyser:
        return cls(Watchlist.from_workspace(workspace))

    def config_version(self) -> str:
        return self.watchlist.config_version()

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_matcher": None, "_names": None}  # rebuilt per process by setup()

    def setup(self) -> None:
        if self._matcher is None:
            self._matcher = WatchlistMatcher(self.watchlist)
            # Each label's entity name, as `Watchlist.get` finds it (a scan of the list per label otherwise).
            self._names = {entity.id: self.watchlist.get(entity.id).name for entity in self.watchlist.entities}

    def analyse(self, batch: list[DocumentInput]) -> dict[int, AnalysisOutput]:
        self.setup()
        outputs = {}
        for document in batch:
            output = self.analyse_document(document)
            if output.spans or output.labels:
                outputs[document.id] = output
        return outputs

    def analyse_document(self, document: DocumentInput) -> AnalysisOutput:
        self.setup()
        assert self._matcher is not None
        text = document.text or ""
        spans: list[SpanDraft] = []
        mentions: dict[str, int] = {}
        covered: list[tuple[int, int]] = []
        normalized = document.normalized
        for match in self._matcher.find(text, normalized):
            entity = match.entity
            spans.append(SpanDraft(match.start, match.end, LAYER, entity.type, WATCHLIST_SCORE, {
                "entity_id": entity.id, "name": entity.name, "matched": match.alias.text, "method": "watchlist",
            }))
            mentions[entity.id] = mentions.get(entity.id, 0) + 1
            covered.append((match.start, match.end))
        dates = find_dates(text, document.published_at, normalized)
        covered += [(mention.start, mention.end) for mention in dates]
        for mention in dates:
            attributes: dict[str, Any] = {"resolution": mention.resolution, "method": "pattern"}
            if mention.value is not None:
                attributes["value"] = mention.value
            spans.append(SpanDraft(mention.start, mention.end, LAYER, "date", WATCHLIST_SCORE, attributes))
        spans += find_names(text, covered)
        spans.sort(key=_OFFSETS)
        names = self._names
        labels = [LabelDraft(LAYER, entity_id, float(count), {"name": names[entity_id]})
                  for entity_id, count in sorted(mentions.items())]
        return AnalysisOutput(spans=spans, labels=labels)


def find_names(text: str, covered: list[tuple[int, int]] = ()) -> list[SpanDraft]:  # type: ignore[assignment]
    """Capitalised multi-word English names (or cued single ones) that overlap nothing in `covered`."""
    if not text:
        return []
    taken = bytearray(len(text) + 1)
    for start, end in covered:
        taken[start:end] = b"\x01" * (end - start)
    spans: list[SpanDraft] = []
    shouting: dict[int, bool] = {}
    for match in NAME_RUN.finditer(text):
        run = match.group()
        if " " not in run and "\t" not in run:
            # Nine runs in ten: one capitalised word.  It is kept only as a person (a title before it) or a
            # place ("province of" before it), what `_guess_type` needs for a label other than "name";
            # without either it is dropped whatever else holds, so this test alone may reject it (seven
            # times a post, so written out here rather than called).
            run_start = match.start()
            before = text[run_start - 25 if run_start > 25 else 0:run_start].rstrip()
            last = before[-1:]
            if not last or (last.isascii() and not last.isalpha() and last != "."):
                continue  # after a full stop and space, a line break, a quote: no title ("Gen.") or "... of" ends here
            if _title_before(text, run_start) not in PERSON_TITLES and not before.lower().endswith(PLACE_BEFORE):
                continue
        pieces = [(piece.start(), piece.group()) for piece in _TOKEN.finditer(run)]
        # Drop leading words that are not names ("The", "In", "Yesterday").
        while pieces and pieces[0][1].lower().rstrip(".") in NOT_NAMES:
            pieces = pieces[1:]
        while pieces and pieces[-1][1].lower() in _NOT_NAME_EDGE:
            pieces = pieces[:-1]
        words = [word for _, word in pieces]
        if not pieces:
            continue
        start, end = match.start() + pieces[0][0], match.start() + pieces[-1][0] + len(pieces[-1][1])
        # Every test below only rejects, so the cheap ones come first (most runs are one sentence-initial
        # word) and the line's shouting, the dearest, is judged last.
        title = _title_before(text, start)
        label, score = _guess_type(text, start, end, words, title)
        name_words = [word for word in words if word.lower() not in _JOINERS]
        if len(name_words) < 2 and label == "name":
            continue  # a single capitalised word without a cue: sentence start, emphasis, or too vague
        if all(word.lower().rstrip(".") in PERSON_TITLES for word in name_words):
            continue  # "Gen." alone: the name follows and is judged on its own
        if all(word.isupper() for word in name_words):
            continue  # acronyms ("US", "UN") are left to the watchlist; capitals runs are emphasis
        if any(taken[start:end]):
            continue
        line_start = text.rfind("\n", 0, start) + 1
        if line_start not in shouting:
            line_end = text.find("\n", start)
            shouting[line_start] = is_shouting(text[line_start:line_end if line_end >= 0 else len(text)])
        if shouting[line_start]:
            continue
        spans.append(SpanDraft(start, end, LAYER, label, score, {"method": "pattern"}))
    return spans


_OFFSETS = attrgetter("start", "end")
_JOINERS = {"of", "the", "bin", "ibn", "bint", "abu", "de", "da", "van", "von", "al", "el", "and"}
_NOT_NAME_EDGE = NOT_NAMES | _JOINERS
_TOKEN = re.compile(r"\S+")
_LAST_WORD_REVERSED = re.compile(r"\.?([A-Za-z]+)")  # the last word (and a full stop after it), read backwards
_PLACE_AFTER = re.compile(r"\s+(province|governorate)\b")


def _title_before(text: str, start: int) -> str:
    """The last ASCII word in the 20 characters before `start` when nothing but a full stop and spaces follows it.

    Matched on the reversed text from its start, rather than searched for at the end (which tries
    every position of the window first).
    """
    before = text[start - 20 if start > 20 else 0:start].rstrip()
    word = _LAST_WORD_REVERSED.match(before[::-1])
    return word.group(1)[::-1].lower() if word else ""


def _guess_type(text: str, start: int, end: int, words: list[str], title: str) -> tuple[str, float]:
    first = words[0].lower().rstrip(".")
    if first in PERSON_TITLES or title in PERSON_TITLES:
        return "person", CUED_PATTERN_SCORE
    before = text[max(0, start - 25):start].lower().rstrip()
    if before.endswith(PLACE_BEFORE):
        return "place", CUED_PATTERN_SCORE
    after = text[end:end + 15].lower()
    last = words[-1].lower()
    if len(words) < 2:
        return "name", PATTERN_SCORE
    if last in PLACE_WORDS or _PLACE_AFTER.match(after):
        return "place", CUED_PATTERN_SCORE
    if last in ORGANISATION_WORDS:
        return "organisation", CUED_PATTERN_SCORE
    return "name", PATTERN_SCORE
