"""Components looked up by name from an entry-point group, the way datasette finds plugins.

Built-in analysers and third-party ones are found the same way (the
`frameline.analysers` group in pyproject.toml), so adding one is a module plus
one line of packaging.  Loading is lazy: listing names imports nothing, and a
plugin that fails to import is reported by name without taking the others down.
"""

from __future__ import annotations

from importlib.metadata import EntryPoint, entry_points
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:
    from frameline.analysis.base import Analyser

T = TypeVar("T")

ANALYSERS_GROUP = "frameline.analysers"


class UnknownComponent(KeyError):
    """No component of that name is installed; the message lists the ones that are."""

    def __init__(self, kind: str, name: str, available: list[str]) -> None:
        super().__init__(name)
        self.kind, self.name, self.available = kind, name, available

    def __str__(self) -> str:
        return f"no {self.kind} named {self.name!r}; available: {', '.join(self.available) or '(none installed)'}"


class BrokenComponent(RuntimeError):
    """An installed plugin that fails to load; the others still work."""


class EntryPointRegistry(Generic[T]):
    """Name -> component, read from one entry-point group each time it is asked (plugins can appear at run time)."""

    def __init__(self, group: str, kind: str) -> None:
        self.group, self.kind = group, kind

    def _entry_points(self) -> dict[str, EntryPoint]:
        return {entry_point.name: entry_point for entry_point in entry_points(group=self.group)}

    def names(self) -> list[str]:
        return sorted(self._entry_points())

    def get(self, name: str) -> T:
        entry_point = self._entry_points().get(name)
        if entry_point is None:
            raise UnknownComponent(self.kind, name, self.names())
        try:
            return entry_point.load()
        except Exception as error:  # a third-party plugin can fail in any way
            raise BrokenComponent(
                f"the {self.kind} {name!r} ({entry_point.value}) cannot be loaded: {error}"
            ) from error

    def available(self) -> dict[str, T]:
        """Every component that loads; one that fails to import is left out, not fatal."""
        found: dict[str, T] = {}
        for name in self.names():
            try:
                found[name] = self.get(name)
            except BrokenComponent:
                continue
        return found

    def broken(self) -> dict[str, str]:
        """Name -> why it cannot be loaded, for `frameline analyze` to warn about."""
        problems: dict[str, str] = {}
        for name in self.names():
            try:
                self.get(name)
            except BrokenComponent as error:
                problems[name] = str(error)
        return problems


analysers: EntryPointRegistry[type[Analyser]] = EntryPointRegistry(ANALYSERS_GROUP, "analyser")


def get_analyser(name: str) -> type[Analyser]:
    return analysers.get(name)


def available_analysers() -> dict[str, type[Analyser]]:
    return analysers.available()
