"""The entity watchlist analysts keep, and the matcher that finds its names in text.

A watchlist is YAML (see `data/watchlist.yaml`, the default shipped for the
founding case): entities with an id, a canonical name, a type and aliases in
any script.  A workspace's own lists live in `watchlists/*.yaml`; when that
folder holds none, the packaged default is used.  `config_version()` hashes
the files' content, so editing a list re-runs only the analysers that read it.

Matching runs one Aho-Corasick automaton (pyahocorasick) over the normalised
text (see `text.normalize`: case, diacritics, tatweel and letter variants
folded), with hyphens read as spaces, and keeps a hit only when it is a whole
word.  Arabic aliases written with the article (الموصل) match with the
particles fused in front (بالموصل, والموصل, وللموصل), by the same prefix rule
full-text search uses (`text.search_words.strip_arabic_article`); aliases
without it (داعش) match bare or after a conjunction (وداعش).  Overlapping hits
resolve to the longest, and offsets are reported in the original text, over
the whole written word (a fused particle included).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import yaml

from frameline.text.normalize import NormalizedText, normalize_text, normalize_with_offsets
from frameline.text.search_words import ARABIC_ARTICLE_PREFIXES, CONJUNCTIONS, strip_arabic_article

if TYPE_CHECKING:
    from frameline.workspace import Workspace

DEFAULT_WATCHLIST = "data/watchlist.yaml"  # inside frameline.analysis
ENTRY_KEYS = {"id", "name", "type", "aliases", "notes", "tags", "watch"}
# Same-length substitutions applied after normalising, so offsets still line up.
_PUNCTUATION = str.maketrans({"-": " ", "\u2010": " ", "\u2011": " ", "\u2012": " ", "\u2013": " ",
                              "\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'"})
# The same table as a list indexed by code point (identity where nothing changes): str.translate reads a
# list without the KeyError a dict raises, inside, for every character it does not map (most of them).
_PUNCTUATION_LIST: list[int | str] = [_PUNCTUATION.get(code, code) for code in range(0x10000)]
_ARTICLE_PREFIXES = frozenset(conjunction + prefix for conjunction in ("", *CONJUNCTIONS)
                              for prefix in ARABIC_ARTICLE_PREFIXES)
_CAPS_LINE_RATIO = 0.7  # a line whose cased letters are this upper-case is shouting, not acronyms
_CAPS_LINE_MIN_LETTERS = 12
# The Latin word right before / after a case-sensitive hit, when it has three letters or more.
_LATIN_WORD_BEFORE = re.compile(r"([A-Za-z]{3,})[^A-Za-z\n]{1,3}$")
_LATIN_WORD_AFTER = re.compile(r"[^A-Za-z\n]{1,3}([A-Za-z]{3,})")


class WatchlistError(ValueError):
    """A watchlist file that cannot be used; says which file, which entry and what is wrong."""

    def __init__(self, path: str, entry: str | None, reason: str) -> None:
        self.path, self.entry, self.reason = path, entry, reason
        where = f"{path}, entry {entry}" if entry else path
        super().__init__(f"{where}: {reason}")


@dataclass(frozen=True)
class Alias:
    text: str
    case_sensitive: bool = False


@dataclass(frozen=True)
class Entity:
    id: str
    name: str
    type: str
    aliases: tuple[Alias, ...]
    notes: str = ""
    tags: tuple[str, ...] = ()
    watch: bool = False


class WatchlistMatch(NamedTuple):
    """One mention: [start, end) in the original text, the entity, and the alias that matched.

    A tuple, not a frozen dataclass: one is made per mention, and the dataclass cost 4x as much to build.
    """

    start: int
    end: int
    entity: Entity
    alias: Alias


def match_key(text: str) -> str:
    """The form text and aliases are compared in: normalised, hyphens as spaces, one quote mark."""
    return normalize_text(text).translate(_PUNCTUATION_LIST)


def _is_arabic(char: str) -> bool:
    return "\u0621" <= char <= "\u064a"


def _load_yaml(text: str) -> Any:
    """`yaml.safe_load`, through libyaml's parser when PyYAML has it (the default watchlist in a fifth of the time).

    The constructor and resolver are the safe ones either way, so the data is the same; a text
    libyaml rejects is read again by the pure-Python parser, whose message says where it fails.
    """
    loader = getattr(yaml, "CSafeLoader", None)
    if loader is not None:
        try:
            return yaml.load(text, Loader=loader)  # noqa: S506 - CSafeLoader is the safe loader
        except yaml.YAMLError:
            pass
    return yaml.safe_load(text)


@dataclass
class Watchlist:
    entities: list[Entity]
    sources: list[str] = field(default_factory=list)  # file names, for messages
    content_hash: str = ""

    @classmethod
    def default(cls) -> Watchlist:
        resource = resources.files("frameline.analysis").joinpath(DEFAULT_WATCHLIST)
        return cls.parse([(f"frameline/analysis/{DEFAULT_WATCHLIST}", resource.read_text(encoding="utf-8"))])

    @classmethod
    def from_files(cls, paths: list[Path]) -> Watchlist:
        return cls.parse([(str(path), path.read_text(encoding="utf-8")) for path in sorted(paths)])

    @classmethod
    def from_workspace(cls, workspace: Workspace | None) -> Watchlist:
        """The workspace's watchlists/*.yaml, or the packaged default when there are none."""
        if workspace is not None:
            folder = workspace.watchlists_dir
            paths = sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")]) if folder.is_dir() else []
            if paths:
                return cls.from_files(paths)
        return cls.default()

    @classmethod
    def parse(cls, documents: list[tuple[str, str]]) -> Watchlist:
        """Entities from (name, YAML text) pairs; raises WatchlistError naming the file and entry."""
        entities: list[Entity] = []
        owner: dict[str, tuple[str, str]] = {}  # match key -> (entity id, file)
        ids: dict[str, str] = {}
        digest = hashlib.sha256()
        for path, text in documents:
            digest.update(path.rsplit("/", 1)[-1].encode() + b"\0" + text.encode() + b"\0")
            try:
                data = _load_yaml(text)
            except yaml.YAMLError as error:
                raise WatchlistError(path, None, f"not valid YAML: {error}") from error
            if data is None:
                continue
            if not isinstance(data, dict) or not isinstance(data.get("entities"), list):
                raise WatchlistError(path, None, "expected a mapping with an 'entities' list")
            for number, raw in enumerate(data["entities"], 1):
                entity = _parse_entity(path, number, raw)
                if entity.id in ids:
                    raise WatchlistError(path, entity.id, f"id already used in {ids[entity.id]}")
                ids[entity.id] = path
                for alias in entity.aliases:
                    key = (match_key(alias.text), alias.case_sensitive and alias.text)
                    previous = owner.get(str(key))
                    if previous and previous[0] != entity.id:
                        raise WatchlistError(path, entity.id, f"alias {alias.text!r} is also an alias of "
                                                              f"{previous[0]!r} ({previous[1]}); give it to one")
                    owner[str(key)] = (entity.id, path)
                entities.append(entity)
        return cls(entities, [path for path, _ in documents], digest.hexdigest())

    def config_version(self) -> str:
        return f"watchlist:{self.content_hash[:16]}"

    def get(self, entity_id: str) -> Entity | None:
        return next((entity for entity in self.entities if entity.id == entity_id), None)


def _parse_entity(path: str, number: int, raw: Any) -> Entity:
    label = f"#{number}"
    if not isinstance(raw, dict):
        raise WatchlistError(path, label, "expected a mapping with id, name, type and aliases")
    if isinstance(raw.get("id"), str):
        label = f"#{number} ({raw['id']})"
    unknown = set(raw) - ENTRY_KEYS
    if unknown:
        raise WatchlistError(path, label, f"unknown keys {sorted(unknown)}; allowed: {sorted(ENTRY_KEYS)}")
    for key in ("id", "name", "type"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise WatchlistError(path, label, f"'{key}' is missing or not a non-empty string")
    aliases_raw = raw.get("aliases") or []
    if not isinstance(aliases_raw, list):
        raise WatchlistError(path, label, "'aliases' must be a list")
    aliases: list[Alias] = []
    for item in [raw["name"], *aliases_raw]:
        if isinstance(item, dict):
            if set(item) - {"text", "case_sensitive"} or not isinstance(item.get("text"), str):
                raise WatchlistError(path, label, f"alias {item!r} must be a string or {{text: ..., case_sensitive: true}}")
            alias = Alias(item["text"].strip(), bool(item.get("case_sensitive", False)))
        elif isinstance(item, (str, int, float)):
            alias = Alias(str(item).strip())
        else:
            raise WatchlistError(path, label, f"alias {item!r} must be a string")
        if not match_key(alias.text).strip():
            raise WatchlistError(path, label, f"alias {item!r} is empty once normalised")
        if alias not in aliases:
            aliases.append(alias)
    tags = raw.get("tags") or []
    if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
        raise WatchlistError(path, label, "'tags' must be a list of strings")
    notes = raw.get("notes") or ""
    if not isinstance(notes, str):
        raise WatchlistError(path, label, "'notes' must be a string")
    if not isinstance(raw.get("watch", False), bool):
        raise WatchlistError(path, label, "'watch' must be true or false")
    return Entity(raw["id"].strip(), raw["name"].strip(), raw["type"].strip(), tuple(aliases), notes,
                  tuple(tags), bool(raw.get("watch", False)))


@dataclass(frozen=True)
class _Target:
    entity: Entity
    alias: Alias
    needs_article: bool  # an Arabic alias written with the article matches only with it (القاعدة, not قاعدة)
    arabic_start: bool


class WatchlistMatcher:
    """An automaton over every alias of a watchlist; build once per process, then `find` per text."""

    def __init__(self, watchlist: Watchlist) -> None:
        import ahocorasick

        targets: dict[str, list[_Target]] = {}
        for entity in watchlist.entities:
            for alias in entity.aliases:
                key = " ".join(match_key(alias.text).split())
                first, _, rest = key.partition(" ")
                needs_article = False
                if first and _is_arabic(first[0]):
                    stripped = strip_arabic_article(first)
                    needs_article = stripped != first
                    key = f"{stripped} {rest}".strip()
                targets.setdefault(key, []).append(_Target(entity, alias, needs_article, _is_arabic(key[0])))
        self._automaton = ahocorasick.Automaton()
        for key, found in targets.items():
            self._automaton.add_word(key, (len(key), tuple(found)))
        self._automaton.make_automaton()
        self._empty = not targets

    def find(self, text: str, normalized: NormalizedText | None = None) -> list[WatchlistMatch]:
        """Mentions in `text`; `normalized` is its normalised form when the caller already has it."""
        if not text or self._empty:
            return []
        if normalized is None:
            normalized = normalize_with_offsets(text)
        haystack = normalized.text.translate(_PUNCTUATION_LIST)
        candidates: list[tuple[int, int, _Target]] = []
        length = len(haystack)
        for last, (key_length, targets) in self._automaton.iter(haystack):
            start, end = last - key_length + 1, last + 1
            if end < length and (haystack[end].isalnum() or haystack[end] == "_"):  # a word goes on: not whole
                continue
            word_start = start
            while word_start > 0 and (haystack[word_start - 1].isalnum() or haystack[word_start - 1] == "_"):
                word_start -= 1
                if start - word_start > 4:
                    break
            prefix = haystack[word_start:start]
            for target in targets:
                if not self._prefix_allowed(prefix, haystack, start, target):
                    continue
                # The span is the written word, particles included (بالموصل), so highlights cover it.
                original_start, original_end = normalized.to_original(word_start if prefix else start, end)
                if target.alias.case_sensitive and not self._exact(text, original_start, original_end, target.alias):
                    continue
                candidates.append((original_start, original_end, target))
                break
        return [WatchlistMatch(start, end, target.entity, target.alias)
                for start, end, target in longest_first(candidates)]

    @staticmethod
    def _prefix_allowed(prefix: str, haystack: str, start: int, target: _Target) -> bool:
        if not prefix:
            return not target.needs_article
        if not target.arabic_start or not all(_is_arabic(char) for char in prefix):
            return False
        if prefix in _ARTICLE_PREFIXES:
            return True
        return prefix in CONJUNCTIONS and not target.needs_article

    @staticmethod
    def _exact(text: str, start: int, end: int, alias: Alias) -> bool:
        """The exact capitalisation, and not inside capitals written for emphasis ("SACRIFICE IS EASY")."""
        if text[start:end] != alias.text:
            return False
        before = _LATIN_WORD_BEFORE.search(text, max(0, start - 40), start)
        after = _LATIN_WORD_AFTER.match(text, end, min(len(text), end + 40))
        if any(word is not None and word.group(1).isupper() for word in (before, after)):
            return False
        line_start = text.rfind("\n", 0, start) + 1
        line_end = text.find("\n", end)
        return not is_shouting(text[line_start:line_end if line_end >= 0 else len(text)])


def _character_class(codes: list[int]) -> re.Pattern[str]:
    ranges: list[list[int]] = []
    for code in codes:
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1][1] = code
        else:
            ranges.append([code, code])
    return re.compile("[" + "".join(f"\\u{first:04x}-\\u{last:04x}" for first, last in ranges) + "]")


@lru_cache(maxsize=1)
def _cased_letters() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """(upper-case, other cased) letters of the Basic Multilingual Plane, as regex classes counted in C."""
    upper, lower = [], []
    for code in range(0x10000):
        char = chr(code)
        if char.isalpha() and char.lower() != char.upper():
            (upper if char.isupper() else lower).append(code)
    return _character_class(upper), _character_class(lower)


_NOT_ASCII_UPPER = bytes(code for code in range(256) if not 65 <= code <= 90)
_NOT_ASCII_LOWER = bytes(code for code in range(256) if not 97 <= code <= 122)


def is_shouting(line: str) -> bool:
    """Whether a line is written mostly in capitals (emphasis, where capitals say nothing about names)."""
    if line.isascii():  # the cased ASCII letters are A-Z and a-z: counted by deleting the other bytes
        data = line.encode("ascii")
        upper = len(data.translate(None, _NOT_ASCII_UPPER))
        if upper < _CAPS_LINE_RATIO * _CAPS_LINE_MIN_LETTERS:
            return False
        cased = upper + len(data.translate(None, _NOT_ASCII_LOWER))
        return cased >= _CAPS_LINE_MIN_LETTERS and upper >= _CAPS_LINE_RATIO * cased
    upper_letters, lower_letters = _cased_letters()
    upper = len(upper_letters.findall(line))
    if upper < _CAPS_LINE_RATIO * _CAPS_LINE_MIN_LETTERS:
        return False  # too few capitals to be shouting, whatever the rest (the common case, decided cheaply)
    cased = upper + len(lower_letters.findall(line))
    return cased >= _CAPS_LINE_MIN_LETTERS and upper >= _CAPS_LINE_RATIO * cased


def longest_first(candidates: list[tuple[int, int, Any]]) -> list[tuple[int, int, Any]]:
    """Non-overlapping candidates, preferring the longest (then the earliest); in text order."""
    if not candidates:
        return []
    covered = bytearray(max(candidate[1] for candidate in candidates))
    chosen: list[tuple[int, int, Any]] = []
    for candidate in sorted(candidates, key=lambda item: (item[0] - item[1], item[0])):
        start, end = candidate[0], candidate[1]
        if any(covered[start:end]):
            continue
        chosen.append(candidate)
        covered[start:end] = b"\x01" * (end - start)
    return sorted(chosen, key=lambda item: item[0])
