"""A codebook as the detector and the UI use it: themes, frames, cues, patterns, examples.

Parsed from YAML that has passed the schema (`schema.py`); the checks the
schema cannot express (unique ids, known parents, patterns that compile) are
made here, with the same file-and-line errors.  The content hash of the YAML
text is the codebook's version: every edit is a new version.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

import regex

from frameline.codebook.schema import CodebookError, format_path, line_of, load_and_validate

_CAPITAL = regex.compile(r"(?<!\\)(?<!\\[pPN]\{)(?<!\\[pP]\{\w)\p{Lu}")  # a capital that is not an escape (\W, \S, \p{Lu})
DEFAULT_THRESHOLD = 1.0  # summed cue weight a sentence needs for a frame


@dataclass(frozen=True)
class Cue:
    """A word or phrase for one language; `*` at the end of a word allows any ending."""

    text: str
    language: str
    weight: float = 1.0
    id: str = ""


@dataclass(frozen=True)
class Pattern:
    """A regular expression over normalised text (lower case, Arabic letters folded)."""

    id: str
    regex: str
    language: str = "any"
    weight: float = 1.0
    note: str = ""


@dataclass(frozen=True)
class Voice:
    """Whose voice a sentence speaks in, for a codebook whose frames are one side's own telling.

    A jihadist frame is the group's or its supporters' framing (docs/annotation-guide.md, "whose
    voice"): a news sentence that names the group in an outsider's words ("ISIL", "ISIS militants")
    or attributes what it tells to officials or reporters is the reporting voice, and its violent or
    religious words are not the group's frame, unless it carries the group's own speech ("the
    statement said", "Amaq reported", a quotation).  So a sentence matching a `reporting` marker
    and no `speech` marker gets none of the codebook's frames.  A codebook without `voice` (most of
    the analysts' own) is matched everywhere, as before.
    """

    reporting: tuple[Pattern, ...]
    speech: tuple[Pattern, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class Theme:
    id: str
    name: str
    definition: str = ""
    colour: str = ""


@dataclass(frozen=True)
class Frame:
    id: str
    name: str
    definition: str
    sources: tuple[str, ...]
    parent: str = ""
    colour: str = ""
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    cues: tuple[Cue, ...] = ()
    patterns: tuple[Pattern, ...] = ()
    negative: tuple[Cue, ...] = ()
    examples: tuple[str, ...] = ()
    threshold: float = DEFAULT_THRESHOLD
    appeal: str = ""  # Ingram's appeal type: pragmatic, or perceptual (identity, crisis, solution)


@dataclass(frozen=True)
class FrameInfo:
    """What the UI and the compare/report helpers need to list a codebook's frames."""

    codebook: str
    id: str
    name: str
    parent: str
    parent_name: str
    colour: str


@dataclass
class Codebook:
    id: str
    name: str
    description: str
    frames: list[Frame]
    themes: list[Theme] = field(default_factory=list)
    references: dict[str, str] = field(default_factory=dict)
    languages: tuple[str, ...] = ()
    voice: Voice | None = None  # a sentence in the reporting voice gets none of the frames (see Voice)
    text: str = ""  # the YAML it was read from
    source: str = ""  # where it came from, for messages
    _version: tuple[str, str] | None = field(default=None, repr=False, compare=False)

    @property
    def version(self) -> str:
        """The content hash: the same text is the same version wherever it is loaded."""
        if self._version is None or self._version[0] is not self.text:
            self._version = (self.text, content_version(self.text))
        return self._version[1]

    def frame(self, frame_id: str) -> Frame:
        for frame in self.frames:
            if frame.id == frame_id:
                return frame
        raise KeyError(frame_id)

    def frame_ids(self) -> list[str]:
        return [frame.id for frame in self.frames]

    def frame_list(self) -> list[FrameInfo]:
        themes = {theme.id: theme for theme in self.themes}
        infos = []
        for frame in self.frames:
            theme = themes.get(frame.parent)
            colour = frame.colour or (theme.colour if theme else "")
            infos.append(FrameInfo(self.id, frame.id, frame.name, frame.parent, theme.name if theme else "", colour))
        return infos


def content_version(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def parse_codebook(text: str, source: str = "<codebook>") -> Codebook:
    """Validate and build a codebook; raises CodebookError naming the file, the path and the line."""
    data = load_and_validate(text, source)
    themes = [Theme(item["id"], item["name"], item.get("definition", ""), item.get("colour", ""))
              for item in data.get("themes", [])]
    theme_ids = {theme.id for theme in themes}
    if len(theme_ids) != len(themes):
        raise CodebookError(source, "two themes share an id", "themes", line_of(text, ["themes"]))
    default_threshold = float(data.get("threshold", DEFAULT_THRESHOLD))
    frames: list[Frame] = []
    seen: set[str] = set()
    for index, raw in enumerate(data["frames"]):
        where = ["frames", index]
        if raw["id"] in seen or raw["id"] in theme_ids:
            raise CodebookError(source, f"frame id {raw['id']!r} is used twice", f"frames[{index}].id",
                                line_of(text, [*where, "id"]))
        seen.add(raw["id"])
        if raw.get("parent") and raw["parent"] not in theme_ids:
            raise CodebookError(source, f"parent {raw['parent']!r} is not a theme id; themes: {sorted(theme_ids)}",
                                f"frames[{index}].parent", line_of(text, [*where, "parent"]))
        patterns = [_pattern(item, text, source, [*where, "patterns", number])
                    for number, item in enumerate(raw.get("patterns", []))]
        frames.append(Frame(
            id=raw["id"], name=raw["name"], definition=raw["definition"].strip(), sources=tuple(raw["sources"]),
            parent=raw.get("parent", ""), colour=raw.get("colour", ""),
            include=tuple(raw.get("include", [])), exclude=tuple(raw.get("exclude", [])),
            cues=_cues(raw.get("cues", {})), patterns=tuple(patterns), negative=_cues(raw.get("negative", {})),
            examples=tuple(item if isinstance(item, str) else item["text"] for item in raw.get("examples", [])),
            threshold=float(raw.get("threshold", default_threshold)), appeal=raw.get("appeal", ""),
        ))
        if not frames[-1].cues and not frames[-1].patterns:
            raise CodebookError(source, f"frame {raw['id']!r} has neither cues nor patterns, so nothing can find it",
                                f"frames[{index}]", line_of(text, where))
    voice = None
    if "voice" in data:
        raw_voice = data["voice"]
        voice = Voice(*(tuple(_pattern(item, text, source, ["voice", kind, number])
                              for number, item in enumerate(raw_voice.get(kind, [])))
                        for kind in ("reporting", "speech")), note=raw_voice.get("note", "").strip())
    return Codebook(data["id"], data["name"], data.get("description", "").strip(), frames, themes,
                    dict(data.get("references", {})), tuple(data.get("languages", [])), voice, text, source)


def _pattern(item: dict[str, Any], text: str, source: str, where: list[Any]) -> Pattern:
    """A pattern checked for what the schema cannot say: lower case only, and it compiles."""
    location = format_path([*where, "regex"])
    if _CAPITAL.search(item["regex"]):
        raise CodebookError(source, f"pattern {item['id']!r} has capital letters; patterns match lower-case "
                                    "text, so write them in lower case", location, line_of(text, [*where, "regex"]))
    try:
        regex.compile(item["regex"])
    except regex.error as error:
        raise CodebookError(source, f"pattern {item['id']!r} does not compile: {error}", location,
                            line_of(text, [*where, "regex"])) from error
    return Pattern(item["id"], item["regex"], item.get("language", "any"), float(item.get("weight", 1.0)),
                   item.get("note", ""))


def _cues(per_language: dict[str, list[Any]]) -> tuple[Cue, ...]:
    cues = []
    for language, items in per_language.items():
        for item in items:
            if isinstance(item, str):
                cues.append(Cue(item.strip(), language))
            else:
                cues.append(Cue(item["text"].strip(), language, float(item.get("weight", 1.0)), item.get("id", "")))
    return tuple(cues)
