"""Direct quotations and who said them, in English and Arabic news and statements.

Analysts brief with evidence of the form "X said: '...'", and compare what each
side's spokesmen say, so the analyser marks the text inside quotation marks and
the speaker the sentence names.  It works in two steps:

1. `find_quotes` pairs quotation marks (curly, straight, doubled single
   ‘‘…’’, Arabic «…») left to right.  A straight " is an opener or a closer by
   the characters around it; single quotes are left alone (apostrophes, nested
   quotes).  An opener with no closer before the next opener is dropped, and so
   is any pair more than `MAX_QUOTE_CHARS` apart: unbalanced marks never make a
   bogus quote of half the document.
2. `attribute` looks right after the closing mark (", Katz wrote", ", said Rita
   Katz, a terrorism analyst…", ", according to…", "، قال…") and then right
   before the opening mark ("Katz wrote:", "وقال المتحدث:").  A pronoun speaker
   ("he said") or an Arabic verb without a subject ("وأضاف:") takes the most
   recent named speaker of the previous three sentences when no other name is
   in that speaker's sentence, and otherwise stays as it is with a lower score.

It writes Spans in layer "quote", label "quote", over the characters inside
the marks (surrounding whitespace trimmed), with score = the rule's confidence
and attributes `speaker` (surface text or None), `speaker_start`/`speaker_end`
(offsets of that mention; for a resolved pronoun, of the name it resolved to,
with the pronoun's own offsets in `pronoun_start`/`pronoun_end`),
`affiliation`, `role`, `verb` and `rule`.  Quotes with no attribution are kept only when
they read as a sentence (at least `MIN_UNATTRIBUTED_WORDS` words); short scare
quotes ("hard pass") are not quotations.  A quote that opens the sentence
right after an attributed quote's sentence, with nothing else between, is the
same speaker going on (rule "continuation").

A speaker phrase that names a role in an organisation ("المتحدث باسم الجيش
العراقي يحيى رسول", "قائد الشرطة الاتحادية الفريق رائد جودت", "a spokesman for
the Iraqi army", "the coalition's spokesman") is split: the speaker is the
person's name after the organisation (offsets of the name only), the
affiliation is the organisation and `role` the role words.  Without a name
("الناطق باسم التنظيم", "a spokesman for the group") the phrase stays the
speaker, with the organisation as its affiliation.  The boundary between the
organisation and the name is a watchlist mention where there is one (a
person's mention starts the name, another type's mention belongs to the
organisation), otherwise the Arabic definite words ("ال…") that follow the
first word of the organisation, up to a rank title (العقيد, الشيخ…).

The speaker is linked to the watchlist: it requires the entities analyser and,
when a watchlist mention (an "entity" span with an `entity_id`) overlaps the
speaker mention, adds its `entity_id` and canonical `entity_name`
(None when nothing overlaps).  A speaker that holds a role links to a person
only: the organisation they speak for is their affiliation, never the speaker.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import regex

from frameline.analysis.base import Analyser, AnalysisOutput, DocumentInput
from frameline.records import Span, SpanDraft

LAYER = "quote"
ENTITY_LAYER = "entity"  # written by the entities analyser
MAX_QUOTE_CHARS = 2_000  # a longer "quote" is unbalanced marks, not speech
MIN_UNATTRIBUTED_WORDS = 8
CONTEXT_CHARS = 300  # how far before an opener or after a closer the attribution is looked for
MAX_QUOTES = 10_000  # per document; past that it is a list of marks, not reporting (and would cost seconds)
RESOLVE_CHARS = 600  # how far back a pronoun looks for its speaker ...
RESOLVE_SENTENCES = 3  # ... and in how many sentences before its own

SCORES = {
    "after_name_verb": 0.9, "after_verb_name": 0.9, "according_to": 0.85, "before_name_verb": 0.85,
    "after_nominal_verb": 0.8, "before_participle": 0.7, "pronoun_resolved": 0.75, "pronoun": 0.5,
    "ar_verb_speaker": 0.85, "ar_speaker_verb": 0.75, "ar_implicit_resolved": 0.7, "ar_implicit": 0.45,
    "before_colon_name": 0.7, "continuation": 0.6, "unattributed": 0.3,
}

_MARKS = regex.compile(r"‘‘|’’|``|''|[“”„‟\"«»]")
_OPEN_CONTEXT = set(" \t\n\r([{—–-/:")
_CLOSE_CONTEXT = set(" \t\n\r.,;:!?)]}—–-/")

# --- English -------------------------------------------------------------------------------------------
_VERBS = (r"said|says|say|wrote|writes|told|tells|added|adds|explained|explains|continued|concluded|stated|"
          r"declared|noted|notes|argued|argues|asked|asks|replied|warned|warns|insisted|claimed|claims|"
          r"announced|tweeted|posted|read|reads|railed|remarked|acknowledged|admitted|recalled|urged|shouted|"
          r"yelled|cautioned|observed|commented|responded|countered|suggested|emphasi[sz]ed|stressed|quipped|"
          r"boasted|vowed|threatened|proclaimed|pledged|predicted|conceded|lamented|complained|joked|"
          r"wondered|reported|echoed|went on")
_ADVERB = r"(?:also|later|then|previously|recently|once|further|again|[a-z]+ly)"
_NOT_FIRST = (r"(?!(?:The|In|But|And|Or|On|At|As|After|Before|When|While|This|That|These|Those|It|He|She|They|"
              r"We|I|You|A|An|So|Then|Also|Later|Yet|If|Since|For|Of|To|With|What|Why|How|Now|Here|There)\b)")
# A period only after an initial or a title's abbreviation ("Brig. Gen."), never a sentence's end.
_NAME_TOKEN = r"(?:(?:Brig|Gen|Lt|Col|Maj|Capt|Sgt|Cpl|Adm|Dr|Mr|Mrs|Ms|Prof|Sen|Rep|Gov|Rev)\.|\p{Lu}\.|\p{Lu}[\p{L}’'\-]*)"
# Lower-case titles inside a name phrase: "attorney Lee Merritt", "Brady Campaign co-president Kris Brown".
_TITLE = (r"(?:attorney|lawyer|co-president|president|spokesman|spokeswoman|spokesperson|chief|secretary|"
          r"minister|commander|leader|director|professor|analyst|founder|co-founder|senator|general|sheikh|emir)")
_PARTICLE = r"(?:(?:al|bin|ibn|de|da|van|von|der|la|le|du|abu)[ \t]+)"
_NAME_REST = rf"{_PARTICLE}?(?:(?:al|el|ad|an|ar|as|ash|at|az)-)?{_NAME_TOKEN}"
# Patterns that search a window (rather than match at one position) use names without titles: they are
# tried at every position, and the titles would triple the cost.
_PLAIN_NAME = rf"{_NOT_FIRST}{_NAME_TOKEN}(?:[ \t]+{_NAME_REST}){{0,7}}"
_NAME = rf"(?:{_TITLE}[ \t]+)?{_NOT_FIRST}{_NAME_TOKEN}(?:[ \t]+(?:{_TITLE}[ \t]+)?{_NAME_REST}){{0,7}}"
_NOMINAL = r"(?:the|a|an|one|another)[ \t]+(?:[\p{L}’'\-]+[ \t]+){0,4}?[\p{L}’'\-]+"
# After "according to" nothing follows the phrase, so it takes words up to a preposition or punctuation.
_SOURCE_WORD = r"(?!(?:in|on|at|and|that|who|which|to|for|from|with|by|as|of)\b)[\p{L}’'\-]+"
_SOURCE = rf"(?:the|a|an)[ \t]+{_SOURCE_WORD}(?:[ \t]+{_SOURCE_WORD}){{0,3}}"
_PRONOUN = r"(?:he|she|they|it|we|He|She|They|It|We)"
_AFF_START = (r"(?:a|an|the|who|whose|one|head|director|chief|spokesman|spokeswoman|spokesperson|founder|"
              r"co-founder|professor|president|minister|secretary|commander|leader|author|editor|analyst|"
              r"researcher|fellow|member|senior|former|deputy)\b")
_AFF_TAIL = rf"(?P<aff>{_AFF_START}[^.;!?\n\"“”«»]{{2,160}}?)(?=[.;!?\n\"“”«»]|$)"
_LEAD = r"[ \t]*[,—–\-]?[ \t]*"

_AFTER_ACCORDING = regex.compile(rf"{_LEAD}(?P<verb>according to)[ \t]+(?P<speaker>{_NAME}|{_SOURCE})"
                                 rf"(?:,[ \t]*{_AFF_TAIL})?")
_AFTER_VERB_NAME = regex.compile(rf"{_LEAD}(?P<verb>{_VERBS})[ \t]+(?P<speaker>{_NAME})(?:,[ \t]*{_AFF_TAIL})?")
_AFTER_SPEAKER_VERB = regex.compile(
    rf"{_LEAD}(?:(?P<pronoun>{_PRONOUN})|(?P<speaker>{_NAME})|(?P<nominal>{_NOMINAL}))"
    rf"(?:,[ \t]*(?P<aff>{_AFF_START}[^,.;!?\n\"“”«»]{{2,160}}?),)?[ \t]+(?:{_ADVERB}[ \t]+)?(?P<verb>{_VERBS})\b")
_BEFORE_SPEAKER_VERB = regex.compile(
    rf"(?:(?P<pronoun>{_PRONOUN})|(?P<speaker>{_PLAIN_NAME})|(?P<nominal>{_NOMINAL}))"
    rf"(?:,[ \t]*(?P<aff>{_AFF_START}[^,.;!?\n\"“”«»]{{2,160}}?),)?[ \t]+(?:{_ADVERB}[ \t]+)?(?P<verb>{_VERBS})\b"
    r"(?:[ \t]+[^\s:,;.!?\"“”«»]+){0,6}[ \t]*[:,][ \t]*\Z")
_BEFORE_PARTICIPLE = regex.compile(
    rf"(?:^|(?<=[.!?\n][\"”’]?[ \t]*))(?P<speaker>{_PLAIN_NAME})\b[^.!?\n\"“”«»]{{0,160}}?[ \t]"
    r"(?P<verb>saying|adding|writing|tweeting|stating|declaring|warning|telling[ \t]+\S+)[ \t]*[:,]?[ \t]*\Z")
# Headline and pull-quote style, where a name and a colon stand for "said": 'Al-'Adnani: "Your forces will
# return…"', 'Baghdadi: "…"'.  Only at the start of a line or sentence, and not after a label word that
# introduces the material rather than a speaker ('Breaking: "…"').
_LABELS = (r"(?!(?:Breaking|Update|Updated|Watch|Video|Photo|Photos|Audio|Note|Read|Quote|Source|Warning|"
           r"Exclusive|Live|Statement|Title|Headline|Summary|Translation|Transcript|Foreword|Caption)\b)")
_BEFORE_COLON_NAME = regex.compile(
    rf"(?:^|(?<=[.!?\n][\"”’]?[ \t]*))(?P<speaker>{_LABELS}{_PLAIN_NAME})[ \t]*:[ \t]*\Z")
_BEFORE_ACCORDING = regex.compile(
    rf"(?P<verb>[Aa]ccording to)[ \t]+(?P<speaker>{_PLAIN_NAME}|{_SOURCE})[ \t]*,[ \t]*\Z")
_NAMED_SPEECH = regex.compile(rf"(?:(?P<other>{_PLAIN_NAME})[ \t]+and[ \t]+)?(?P<speaker>{_PLAIN_NAME})[ \t]+"
                              rf"(?:{_ADVERB}[ \t]+)?(?:{_VERBS}|spoke|speaks)\b")

# --- Arabic --------------------------------------------------------------------------------------------
_AR_VERBS = (r"(?:[وف])?(?:قال|[أا]ضاف|[أا]كد|صرح|[أا]علن|[أا]وضح|ذكر|تابع|شدد|[أا]شار)(?:ت)?"
             r"|(?:و)?(?:ب?حسب|وفق[اً]*[ \t]*ل(?:ـ)?)")
_AR_WORD = r"[\p{Arabic}\p{L}\-]+"
_AR_STOP = r"(?:في|خلال|[أا]مام|عبر|يوم|اليوم|مساء|صباح|ان|[أإ]ن|لـ?|على|من|عن|بعد|قبل)"
_AR_SPEAKER_WORD = rf"(?!{_AR_STOP}(?![\p{{L}}])){_AR_WORD}"
# Up to 10 words: a role, its organisation, a rank and a name ("المتحدث الرسمي للدولة الإسلامية الشيخ أبو محمد العدناني").
_AR_SPEAKER = rf"(?=\p{{Arabic}}){_AR_SPEAKER_WORD}(?:[ \t]+{_AR_SPEAKER_WORD}){{0,9}}"
_AR_BEFORE = regex.compile(
    rf"(?<![\p{{L}}])(?P<verb>{_AR_VERBS})(?:[ \t]*(?P<speaker>{_AR_SPEAKER}))?"
    rf"(?:[ \t]+{_AR_STOP}(?![\p{{L}}])[^:«»\"“”\n.]{{0,80}}?)?[ \t]*[:،,]?[ \t]*\Z")
_AR_BEFORE_SPEAKER_FIRST = regex.compile(
    rf"(?:^|(?<=[.:،,!?\n][ \t]*))(?P<speaker>\p{{Arabic}}{_AR_WORD}(?:[ \t]+{_AR_WORD}){{0,3}})[ \t]+"
    rf"(?P<verb>{_AR_VERBS})[ \t]*[:،,][ \t]*\Z")
_AR_AFTER = regex.compile(rf"[ \t]*[،,\-—–]?[ \t]*(?P<verb>{_AR_VERBS})[ \t]*(?P<speaker>{_AR_SPEAKER})")
# --- roles: who a speaker speaks for ---------------------------------------------------------------
# "المتحدث (الرسمي) باسم X", "الناطق عن X", "المتحدث الرسمي لـX" (fused: للدولة), "مسؤول (أمني) في X", and a
# title followed by what it heads: "قائد X", "وزير X", "رئيس X", "محافظ X".
_AR_ADJECTIVE = r"(?:[ \t]+(?:ال)?(?:رسمي|أمني|عسكري|ميداني|كبير|بارز|محلي|حكومي|رفيع|سابق)(?:ة)?)?"
_AR_ROLE = regex.compile(
    rf"(?P<role>(?:ال)?(?:متحدث|ناطق)(?:ة)?{_AR_ADJECTIVE})(?:[ \t]+(?:ب[اإ]سم|عن)[ \t]+|[ \t]+(?P<fused>)(?=ل\p{{Arabic}}))"
    rf"|(?P<role>(?:ال)?(?:قائد|وزير|رئيس|محافظ|زعيم|أمير|مدير|مستشار|نائب|آمر|عضو)(?:ة)?)[ \t]+(?=\p{{Arabic}})")
# "مسؤول (أمني) في X": "في" ends a speaker phrase (it usually starts "where"), so X is read after it.
_AR_OFFICIAL = regex.compile(rf"(?P<role>(?:ال)?(?:مسؤول|مسئول)(?:ة)?{_AR_ADJECTIVE})")
# Not where or how he spoke: "مسؤول أمني في بيان" is an official in a statement, not of one.
_AR_NOT_ORGANISATION = r"(?!(?:[وب]?ال)?(?:بيان|تصريح|تصريحات|مؤتمر|حديث|كلمة|مقابلة|لقاء|اتصال|رسالة|تغريدة|منشور)(?![\p{L}]))"
_AR_OFFICIAL_OF = regex.compile(
    rf"[ \t]+(?:في|من|لدى)[ \t]+{_AR_NOT_ORGANISATION}(?P<organisation>{_AR_WORD}(?:[ \t]+{_AR_WORD}){{0,5}})")
# Ranks and honorifics start the name, not the organisation: "… الجيش العراقي العميد يحيى رسول".
_AR_RANKS = frozenset(regex.sub(r"\s+", " ", """العقيد العميد اللواء الفريق المقدم الرائد النقيب الملازم الركن المشير
    الشيخ الدكتور السيد الأستاذ المهندس الحاج الأمير الملا القاضي""").split())
_EN_ROLES = (r"spokesman|spokeswoman|spokesperson|official|commander|leader|minister|member|representative|officer|"
             r"chief|head|envoy|adviser|advisor")
_EN_ROLE_FOR = regex.compile(
    rf"(?:the|a|an|one|another)[ \t]+(?:[\p{{L}}\-]+[ \t]+){{0,2}}?(?P<role>{_EN_ROLES})[ \t]+(?:for|of|at|in|from|with)"
    rf"[ \t]+(?P<aff>\S.*)")
_EN_ROLE_OF = regex.compile(rf"(?P<aff>(?:the|a|an)[ \t]+.+?)['’]s[ \t]+(?:[\p{{L}}\-]+[ \t]+){{0,2}}?(?P<role>{_EN_ROLES})")
_SENTENCE_BREAK = regex.compile(r"[.!?…][\"”’»]?\s+|\n")
_WORDS = regex.compile(r"\w+")
_TOKENS = regex.compile(r"\S+")
_ARABIC = regex.compile(r"\p{Arabic}")


@dataclass(frozen=True)
class QuoteMarks:
    """A paired opening and closing mark: the quote is text[inner_start:inner_end]."""

    open_start: int
    inner_start: int
    inner_end: int
    close_end: int


@dataclass
class Attribution:
    rule: str
    verb: str | None = None
    speaker: str | None = None
    speaker_start: int | None = None
    speaker_end: int | None = None
    affiliation: str | None = None
    role: str | None = None  # the role words when the speaker phrase named one ("المتحدث باسم", "spokesman")
    pronoun: tuple[int, int] | None = None  # a speaker still to resolve (pronoun or Arabic implicit subject)
    named: bool = False  # the speaker is a name, so later pronouns may resolve to it


def _mark_role(text: str, start: int, end: int) -> str:
    """'open', 'close' or 'either' for the quotation mark text[start:end]."""
    mark = text[start:end]
    if mark in ("«", "‘‘", "``", "„", "‟"):
        return "open"
    if mark in ("»", "’’", "''"):
        return "close"
    before_space = start == 0 or text[start - 1] in _OPEN_CONTEXT
    after_space = end >= len(text) or text[end] in _CLOSE_CONTEXT
    if mark == "“":
        return "close" if after_space and not before_space else "open"
    if mark == "”":
        return "open" if before_space and not after_space else "close"
    if before_space and not after_space:
        return "open"
    if after_space and not before_space:
        return "close"
    return "either"


def find_quotes(text: str) -> list[QuoteMarks]:
    """Paired quotation marks, left to right; unbalanced or overlong pairs are dropped."""
    found: list[QuoteMarks] = []
    opened: tuple[int, int] | None = None
    for mark in _MARKS.finditer(text):
        start, end = mark.span()
        role = _mark_role(text, start, end)
        if opened is not None and role != "open" and start - opened[1] <= MAX_QUOTE_CHARS:
            inner_start, inner_end = opened[1], start
            while inner_start < inner_end and text[inner_start].isspace():
                inner_start += 1
            while inner_end > inner_start and text[inner_end - 1].isspace():
                inner_end -= 1
            if inner_end > inner_start:
                found.append(QuoteMarks(opened[0], inner_start, inner_end, end))
                if len(found) >= MAX_QUOTES:
                    break
            opened = None
        elif role != "close":
            opened = (start, end)  # a new opener: an earlier one without a closer is dropped
        else:
            opened = None
    return found


def _english_after(text: str, position: int) -> Attribution | None:
    for pattern, rule in ((_AFTER_ACCORDING, "according_to"), (_AFTER_VERB_NAME, "after_verb_name"),
                          (_AFTER_SPEAKER_VERB, "after_name_verb")):
        match = pattern.match(text, position, min(len(text), position + CONTEXT_CHARS))
        if match is None:
            continue
        groups = match.groupdict()
        if groups.get("pronoun"):
            return Attribution("pronoun", match["verb"], pronoun=match.span("pronoun"))
        group = "speaker" if groups.get("speaker") else "nominal"
        if group == "nominal":
            rule = "after_nominal_verb" if rule == "after_name_verb" else rule
        start, end = match.span(group)
        return Attribution(rule, match["verb"], text[start:end], start, end, groups.get("aff"),
                           named=group == "speaker" and rule != "according_to")
    return None


def _english_before(text: str, position: int, floor: int) -> Attribution | None:
    window_start = max(floor, position - CONTEXT_CHARS)
    match = _BEFORE_SPEAKER_VERB.search(text, window_start, position)
    if match is not None:
        groups = match.groupdict()
        if groups.get("pronoun"):
            return Attribution("pronoun", match["verb"], pronoun=match.span("pronoun"))
        group = "speaker" if groups.get("speaker") else "nominal"
        start, end = match.span(group)
        return Attribution("before_name_verb", match["verb"], text[start:end], start, end, groups.get("aff"),
                           named=group == "speaker")
    match = _BEFORE_ACCORDING.search(text, window_start, position)
    if match is not None:
        start, end = match.span("speaker")
        return Attribution("according_to", match["verb"], text[start:end], start, end)  # a source, not a "he"
    match = _BEFORE_PARTICIPLE.search(text, window_start, position)
    if match is not None:
        start, end = match.span("speaker")
        return Attribution("before_participle", match["verb"], text[start:end], start, end, named=True)
    match = _BEFORE_COLON_NAME.search(text, window_start, position)
    if match is not None:
        start, end = match.span("speaker")
        return Attribution("before_colon_name", None, text[start:end], start, end, named=True)
    return None


def _arabic_after(text: str, position: int) -> Attribution | None:
    match = _AR_AFTER.match(text, position, min(len(text), position + CONTEXT_CHARS))
    if match is None:
        return None
    start, end = match.span("speaker")
    return Attribution("ar_verb_speaker", match["verb"], text[start:end], start, end, named=True)


def _arabic_before(text: str, position: int, floor: int) -> Attribution | None:
    window_start = max(floor, position - CONTEXT_CHARS)
    match = _AR_BEFORE.search(text, window_start, position)
    if match is not None:
        if match["speaker"]:
            start, end = match.span("speaker")
            return Attribution("ar_verb_speaker", match["verb"], text[start:end], start, end, named=True)
        return Attribution("ar_implicit", match["verb"], pronoun=match.span("verb"))
    match = _AR_BEFORE_SPEAKER_FIRST.search(text, window_start, position)
    if match is not None:
        start, end = match.span("speaker")
        return Attribution("ar_speaker_verb", match["verb"], text[start:end], start, end, named=True)
    return None


def attribute(text: str, quote: QuoteMarks, floor: int = 0) -> Attribution | None:
    """The attribution right after the closing mark, else right before the opening mark (but after `floor`).

    `floor` is the end of the previous quote: what precedes it cannot introduce this one, and
    bounding the look-back keeps text dense with quotation marks linear.
    """
    arabic = _ARABIC.search(text, quote.inner_start, min(quote.inner_end, quote.inner_start + 200))
    finders = (_arabic_after, _arabic_before) if arabic else (_english_after, _english_before)
    after, before = finders
    # A quote that ends its sentence ("…." He said) cannot be attributed by what follows.
    ends_sentence = text[quote.inner_end - 1] in ".…" or text[quote.close_end:quote.close_end + 1] == "."
    return (None if ends_sentence else after(text, quote.close_end)) or before(text, quote.open_start, floor)


def _continues(text: str, previous_end: int, opener: int) -> bool:
    """Whether a quote opening at `opener` starts the sentence right after the previous quote's sentence.

    News goes on quoting the same speaker: '"…," Katz said. "The group will adapt."'
    """
    gap = text[previous_end:opener]
    if len(gap) > CONTEXT_CHARS:
        return False
    if not gap.strip():
        return True
    breaks = list(_SENTENCE_BREAK.finditer(gap))
    return len(breaks) == 1 and breaks[0].end() == len(gap)


def _surname(name: str) -> str:
    return name.split()[-1].strip(".’'").casefold()


def _resolve(text: str, position: int, named: list[tuple[int, int, str]],
             mentions: list[tuple[int, int, str]]) -> tuple[int, int, str] | None:
    """The one named speaker of the sentences before `position`, or None when there is none or several."""
    window_start = max(0, position - RESOLVE_CHARS)
    breaks = [m.end() for m in _SENTENCE_BREAK.finditer(text, window_start, position)]
    if len(breaks) >= RESOLVE_SENTENCES + 1:
        window_start = breaks[-RESOLVE_SENTENCES - 1]  # the current sentence and the ones before it
    candidates = [entry for entry in named if window_start <= entry[0] < position]
    first = bisect_left(mentions, (window_start,))
    candidates += [entry for entry in mentions[first:first + 50] if entry[0] < position]
    if not candidates:
        return None
    candidates.sort()
    latest = candidates[-1]
    sentence_start = max((m.end() for m in _SENTENCE_BREAK.finditer(text, window_start, latest[0])),
                         default=window_start)
    if any(_surname(name) != _surname(latest[2]) for start, _, name in candidates if start >= sentence_start):
        return None
    return latest


def _arabic_words(text: str, start: int, end: int) -> list[tuple[int, int]]:
    return [match.span() for match in _TOKENS.finditer(text, start, end)]


def _split_role(text: str, found: Attribution, entities: Sequence[Span]) -> None:
    """Split a speaker phrase that names a role into the person's name, the role and the organisation (in place).

    See the module docstring.  Leaves `found` as it is when the phrase names no role.
    """
    start, end = found.speaker_start, found.speaker_end
    if start is None or end is None or found.pronoun is not None:
        return
    if _ARABIC.match(text, start):
        _split_arabic_role(text, found, entities)
        return
    phrase = text[start:end]
    match = _EN_ROLE_FOR.fullmatch(phrase) or _EN_ROLE_OF.fullmatch(phrase)
    if match is not None:
        found.role, found.affiliation = match["role"], match["aff"]


def _split_arabic_role(text: str, found: Attribution, entities: Sequence[Span]) -> None:
    start, end = found.speaker_start, found.speaker_end
    assert start is not None and end is not None
    role = _AR_ROLE.match(text, start, end)
    if role is None:
        official, of = _AR_OFFICIAL.fullmatch(text, start, end), _AR_OFFICIAL_OF.match(text, end)
        if official is not None and of is not None:
            words = _arabic_words(text, of.start("organisation"), of.end("organisation"))
            inside = [span for span in entities if words[0][0] <= span.start < words[-1][1]]
            found.role, found.affiliation = official["role"], text[words[0][0]:_organisation_end(text, words, inside)]
            found.named = False
        return
    words = _arabic_words(text, role.end(), end)
    if not words:
        return
    inside = [span for span in entities if role.end() <= span.start < end]
    person = min((span.start for span in inside if span.label == "person"), default=None)
    organisation_end = _organisation_end(text, words, inside)
    if person is not None and person < organisation_end:
        organisation_end = max((word_end for _, word_end in words if word_end <= person), default=words[0][0])
    organisation = text[words[0][0]:organisation_end] or None
    if organisation and role.start("fused") >= 0:  # "المتحدث الرسمي للدولة": the preposition fused to it
        organisation = "ال" + organisation[2:] if organisation.startswith("لل") else organisation[1:]
    name = [(word_start, word_end) for word_start, word_end in words if word_start >= organisation_end]
    found.role, found.affiliation = role["role"], organisation
    if name:
        found.speaker_start, found.speaker_end = name[0][0], name[-1][1]
        found.speaker = text[found.speaker_start:found.speaker_end]
        found.named = True
    else:
        found.named = False  # an unnamed official: no name for a later pronoun to take


def _organisation_end(text: str, words: list[tuple[int, int]], entities: Sequence[Span]) -> int:
    """Where the organisation named by `words` ends: its first word, then definite words up to a rank.

    A watchlist mention of anything but a person that starts in it or right after it belongs to it whole
    ("الجيش العراقي", "عمليات نينوى").
    """
    organisation_end = words[0][1]
    for word_start, word_end in words[1:]:
        word = text[word_start:word_end]
        if word in _AR_RANKS or not word.startswith(("ال", "لل")):
            break
        organisation_end = word_end
    for span in sorted(entities, key=lambda span: span.start):
        if span.label == "person" or span.end <= organisation_end:
            continue
        if span.start < organisation_end or not text[organisation_end:span.start].strip():
            organisation_end = min(span.end, words[-1][1])
    return organisation_end


def _link_entity(attributes: dict[str, Any], entities: Sequence[Span]) -> None:
    """Add the watchlist entity whose mention overlaps the speaker mention (the longest, if several).

    A speaker with a role is a person: only a person's mention links (the organisation is the affiliation).
    """
    attributes.update(entity_id=None, entity_name=None)
    start, end = attributes["speaker_start"], attributes["speaker_end"]
    if start is None or end is None:
        return
    overlapping = [span for span in entities if span.start < end and start < span.end
                   and (attributes.get("role") is None or span.label == "person")]
    if overlapping:
        entity = max(overlapping, key=lambda span: span.end - span.start)
        attributes.update(entity_id=entity.attributes["entity_id"], entity_name=entity.attributes.get("name"))


class QuoteAnalyser(Analyser):
    """Direct quotations with speaker, affiliation and reporting verb (English and Arabic rules)."""

    name = "quotes"
    # 2: speakers with a title abbreviation ("Brig. Gen. X"); 3: 'Name: "…"' attributes;
    # 4: a role splits off ("المتحدث باسم X Name": speaker Name, affiliation X, role), and links only to a person
    version = "4"
    requires = ("entities",)
    reads_labels = False  # speakers link to entity mentions (spans); the per-document entity labels are not read
    layers = (LAYER,)

    def needs_requirements(self, text: str) -> bool:
        """Entity mentions are read only to link the speakers of quotes: a text without a quotation mark needs none."""
        return _MARKS.search(text) is not None

    def analyse(self, batch: list[DocumentInput]) -> dict[int, AnalysisOutput]:
        outputs = {}
        for document in batch:
            entities = [span for span in document.spans if span.layer == ENTITY_LAYER and
                        span.attributes.get("entity_id")]
            outputs[document.id] = AnalysisOutput(spans=self.quotes(document.text or "", entities))
        return outputs

    def quotes(self, text: str, entities: Sequence[Span] = ()) -> list[SpanDraft]:
        """The quotes of `text`; `entities` are watchlist mentions ("entity" spans) to link speakers to."""
        spans: list[SpanDraft] = []
        named: list[tuple[int, int, str]] = []  # speaker mentions so far, for pronouns
        mentions: list[tuple[int, int, str]] | None = None  # "Name said" anywhere, found once when needed
        floor = 0
        previous: tuple[int, dict[str, Any]] | None = None  # the last attributed quote, for continuations
        for quote in find_quotes(text):
            found = attribute(text, quote, floor)
            floor = quote.close_end
            if found is None and previous is not None and _continues(text, previous[0], quote.open_start):
                found = Attribution("continuation", previous[1]["verb"], previous[1]["speaker"],
                                    previous[1]["speaker_start"], previous[1]["speaker_end"],
                                    previous[1]["affiliation"], previous[1]["role"])
            if found is None:
                previous = None
                if len(_WORDS.findall(text, quote.inner_start, quote.inner_end)) < MIN_UNATTRIBUTED_WORDS:
                    continue
                found = Attribution("unattributed")
            elif found.rule != "continuation":
                _split_role(text, found, entities)
            attributes: dict[str, Any] = {"speaker": found.speaker, "speaker_start": found.speaker_start,
                                          "speaker_end": found.speaker_end, "affiliation": found.affiliation,
                                          "role": found.role, "verb": found.verb, "rule": found.rule}
            if found.pronoun is not None:
                pronoun_start, pronoun_end = found.pronoun
                if mentions is None:
                    mentions = []
                    for match in _NAMED_SPEECH.finditer(text):
                        if match["other"]:  # "Katz and Hassan said": a later "she" could be either
                            mentions.append((match.start("other"), match.end("other"), match["other"]))
                        mentions.append((match.start("speaker"), match.end("speaker"), match["speaker"]))
                resolved = _resolve(text, min(quote.open_start, pronoun_start), named, mentions)
                if found.rule == "pronoun":
                    attributes.update(speaker=text[pronoun_start:pronoun_end], speaker_start=pronoun_start,
                                      speaker_end=pronoun_end)
                else:
                    attributes.update(speaker=None, speaker_start=None, speaker_end=None)
                if resolved is not None:
                    attributes.update(speaker=resolved[2], speaker_start=resolved[0], speaker_end=resolved[1],
                                      pronoun_start=pronoun_start, pronoun_end=pronoun_end,
                                      rule=f"{found.rule}_resolved")
            elif found.named and found.speaker_start is not None and found.speaker_end is not None:
                named.append((found.speaker_start, found.speaker_end, found.speaker or ""))
            _link_entity(attributes, entities)
            spans.append(SpanDraft(quote.inner_start, quote.inner_end, LAYER, "quote",
                                   SCORES[attributes["rule"]], attributes))
            if found.rule != "unattributed":
                previous = (quote.close_end, attributes)
        return spans
