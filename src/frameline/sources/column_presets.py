"""Named column presets: what is known about a published layout of tweets or posts.

A preset (a YAML file in `presets/`) is a column mapping plus what the data
leaves unsaid: its date formats, the time zone its naive times were written
in, which columns are account metadata, and which header (CSV) or keys (JSONL)
identify it, so that a researcher who drops in a well-known Kaggle release or
an X API dump need not type a mapping.  The files ship with the package and
are checked when first loaded, because a broken preset is a packaging bug that
should fail loudly rather than import wrong fields.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from pathlib import Path

import yaml

from frameline.sources.base import ImportOptions, ImportRejected

# Our fields, the left-hand side of every mapping.
FIELDS = ("text", "native_id", "author", "author_id", "published", "title", "url", "language", "reply_to",
          "forwarded_from", "source")
# The reshaping steps the JSONL importer implements (`tabular.LAYOUTS`); a preset may name only these.
LAYOUT_NAMES = ("twitter-v2",)


class UnknownPreset(KeyError):
    def __str__(self) -> str:
        return f"no preset named {self.args[0]!r}; available: {', '.join(sorted(available_presets()))}"


class PresetInvalid(ValueError):
    """A preset file that does not say what a preset must (a packaging bug, not a user error)."""


@dataclass(frozen=True)
class Preset:
    """A known published layout: where our fields are, and what the data leaves unsaid."""

    name: str
    description: str
    format: str  # "csv" or "jsonl"
    mapping: dict[str, str]
    source_kind: str | None = None
    layout: str | None = None  # a reshaping step for nested records, e.g. "twitter-v2"
    detect: tuple[frozenset[str], ...] = ()
    metadata_keys: tuple[str, ...] | None = None  # None: every unmapped column
    date_formats: tuple[str, ...] = ()
    timezone: str | None = None
    assumption: str | None = None

    @classmethod
    def from_yaml(cls, text: str, origin: str) -> Preset:
        data = yaml.safe_load(text) or {}
        try:
            dates = data.get("dates") or {}
            preset = cls(
                name=data["name"], description=data.get("description", ""), format=data["format"],
                mapping={str(k): str(v) for k, v in data["mapping"].items()}, source_kind=data.get("source_kind"),
                layout=data.get("layout"), detect=tuple(frozenset(keys) for keys in data.get("detect") or ()),
                metadata_keys=tuple(data["metadata"]) if "metadata" in data else None,
                date_formats=tuple(dates.get("formats") or ()), timezone=dates.get("timezone"),
                assumption=dates.get("assumption"),
            )
        except (KeyError, TypeError, AttributeError) as error:
            raise PresetInvalid(f"preset {origin} lacks or misshapes {error}") from error
        problems = [f"unknown field {key!r}" for key in preset.mapping if key not in FIELDS]
        problems += [] if preset.format in ("csv", "jsonl") else [f"format {preset.format!r}"]
        problems += [] if preset.layout in (None, *LAYOUT_NAMES) else [f"layout {preset.layout!r}"]
        problems += [] if "text" in preset.mapping else ["no text mapping"]
        if problems:
            raise PresetInvalid(f"preset {origin}: {', '.join(problems)}")
        return preset

    def matches(self, columns: Iterable[str], exact: bool) -> bool:
        found = set(columns)
        return any((keys == found) if exact else (keys <= found) for keys in self.detect)


@cache
def available_presets() -> dict[str, Preset]:
    presets = {}
    for entry in files("frameline.sources").joinpath("presets").iterdir():
        if entry.name.endswith(".yaml"):
            preset = Preset.from_yaml(entry.read_text(encoding="utf-8"), entry.name)
            presets[preset.name] = preset
    return presets


def load_preset(name: str) -> Preset:
    presets = available_presets()
    if name not in presets:
        raise UnknownPreset(name)
    return presets[name]


def detect_preset(format: str, columns: Iterable[str]) -> Preset | None:
    """The preset whose signature the header (CSV: exactly) or first record (JSONL: at least) has.

    A CSV header is the whole layout, so it must match exactly; a JSON record
    may carry optional keys, so its signature need only be present.
    """
    columns = list(columns)
    for preset in available_presets().values():
        if preset.format == format and preset.matches(columns, exact=format == "csv"):
            return preset
    return None


def choose_preset(options: ImportOptions, path: Path, format: str, columns: list[str]) -> tuple[Preset | None, bool]:
    """The preset the user named, else (when no mapping is given either) one the columns match.

    Also says whether it was detected, so that the Source can record that the
    mapping was a guess from the column names rather than the user's word.
    """
    try:
        if options.preset:
            return load_preset(options.preset), False
    except UnknownPreset as error:
        raise ImportRejected(path, None, str(error)) from error
    if options.mapping:
        return None, False
    preset = detect_preset(format, columns)
    return preset, preset is not None
