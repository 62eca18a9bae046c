"""Importers and collectors, registered by name.

Built-in importers and third-party ones are found the same way: through the
`frameline.sources` entry-point group (see pyproject.toml), so adding a format
is one module plus one line of packaging.
"""

from __future__ import annotations

from importlib.metadata import entry_points

from frameline.sources.base import Importer, ImportOptions, ImportRejected

ENTRY_POINT_GROUP = "frameline.sources"


class UnknownImporter(KeyError):
    def __str__(self) -> str:
        return f"no importer named {self.args[0]!r}; available: {', '.join(sorted(_entry_points()))}"


class BrokenImporter(RuntimeError):
    """An installed importer plugin that fails to load; the others still work."""


def _entry_points() -> dict[str, object]:
    return {entry_point.name: entry_point for entry_point in entry_points(group=ENTRY_POINT_GROUP)}


def available_importers() -> dict[str, type[Importer]]:
    """Every importer that loads; a plugin that fails to import is left out, not fatal."""
    found: dict[str, type[Importer]] = {}
    for name in _entry_points():
        try:
            found[name] = get_importer(name)
        except BrokenImporter:
            continue
    return found


def get_importer(name: str) -> type[Importer]:
    entry_point = _entry_points().get(name)
    if entry_point is None:
        raise UnknownImporter(name)
    try:
        return entry_point.load()
    except Exception as error:  # a third-party plugin can fail in any way
        raise BrokenImporter(f"the importer {name!r} ({entry_point.value}) cannot be loaded: {error}") from error


__all__ = ["BrokenImporter", "ImportOptions", "ImportRejected", "Importer", "UnknownImporter", "available_importers", "get_importer"]
