"""Flag documents that match a hash list another team shared (see `frameline.analysis.hashlists`).

Trust-and-safety teams and monitoring groups exchange lists of known
propaganda (a communique, a claim, a nasheed transcript) as signatures.  This
analyser checks every document against every list imported into the
workspace: an exact match of the canonical-text hash, or a MinHash estimate at
or above the duplicates analyser's threshold, so a copy with a new header, an
added hashtag or a few words changed is still found.

It reads the signatures the duplicates analyser stored (it `requires`
duplicates and works in its main-process `consolidate` step, where the store
is at hand) and writes a DocLabel in layer "known-list" per matching list
entry label: label = the entry's label, score = similarity, attributes = the
list's name, the entry's source, the method (exact or minhash) and the kind.
The lists are configuration: importing, replacing or removing one changes
`config_version()`, so the next `frameline analyze` checks every document
again against the lists as they are, and nothing else is recomputed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from frameline.analysis.base import Analyser, AnalysisOutput, DocumentInput, LabelDraft
from frameline.analysis.duplicates import DuplicateAnalyser
from frameline.analysis.hashlists import HashLine, lists_digest, workspace_lists

if TYPE_CHECKING:
    from collections.abc import Mapping

    from frameline.store import SqlStore
    from frameline.workspace import Workspace

LAYER = "known-list"


@dataclass(frozen=True)
class ListEntry:
    list_name: str
    line: HashLine


class KnownListIndex:
    """Every listed signature of a kind this workspace computes, indexed as the duplicates analyser indexes its own."""

    def __init__(self, lists: Mapping[str, list[HashLine]], duplicates: DuplicateAnalyser) -> None:
        self.types = duplicates.kinds
        self.indexes = {kind: signature.new_index() for kind, signature in self.types.items()}
        self.entries: list[list[ListEntry]] = []  # per distinct (kind, value): every list line that has it
        numbers: dict[tuple[str, bytes], int] = {}
        self.skipped: dict[str, int] = {}  # kinds this workspace does not compute, with their line counts
        for list_name, lines in sorted(lists.items()):
            for line in lines:
                if line.kind not in self.indexes:
                    self.skipped[line.kind] = self.skipped.get(line.kind, 0) + 1
                    continue
                key = (line.kind, line.value)
                if key not in numbers:
                    numbers[key] = len(self.entries)
                    self.entries.append([])
                    self.indexes[line.kind].add(numbers[key], line.value)
                self.entries[numbers[key]].append(ListEntry(list_name, line))

    def matches(self, signatures: Mapping[str, bytes]) -> list[tuple[ListEntry, float, str]]:
        """(entry, similarity, kind) of every listed signature this document's signatures match, best first."""
        found: dict[tuple[str, str], tuple[ListEntry, float, str]] = {}
        for kind, value in sorted(signatures.items()):  # "exact" before "minhash": a tie is reported as exact
            index = self.indexes.get(kind)
            if index is None:
                continue
            for number, similarity in index.query(value):
                for entry in self.entries[number]:
                    key = (entry.list_name, entry.line.label)
                    if key not in found or similarity > found[key][1]:
                        found[key] = (entry, similarity, kind)
        return sorted(found.values(), key=lambda item: (-item[1], item[0].list_name, item[0].line.label))


class KnownListAnalyser(Analyser):
    name: ClassVar[str] = "known-lists"
    version: ClassVar[str] = "1"
    requires: ClassVar[tuple[str, ...]] = ("duplicates",)  # its stored signatures are what is matched
    layers: ClassVar[tuple[str, ...]] = (LAYER,)
    reads_text: ClassVar[bool] = False  # labels only, from stored signatures

    def __init__(self, lists: Mapping[str, list[HashLine]] | None = None) -> None:
        self.lists = dict(lists or {})
        self._index: KnownListIndex | None = None

    @classmethod
    def from_workspace(cls, workspace: Workspace | None) -> KnownListAnalyser:
        return cls(workspace_lists(workspace))

    def config_version(self) -> str:
        return lists_digest(self.lists)

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_index": None}

    def index(self) -> KnownListIndex:
        if self._index is None:
            self._index = KnownListIndex(self.lists, DuplicateAnalyser())
        return self._index

    def analyse(self, batch: list[DocumentInput]) -> dict[int, AnalysisOutput]:
        return {}  # the matching needs the stored signatures: see `consolidate`

    def consolidate(self, store: SqlStore, inputs: list[DocumentInput],
                    outputs: Mapping[int, AnalysisOutput]) -> dict[int, AnalysisOutput]:
        """Match one batch's stored signatures against the lists (main process, called by the runner)."""
        if not self.lists:
            return {}
        index = self.index()
        result: dict[int, AnalysisOutput] = {}
        for document_id, signatures in store.signatures_of([document.id for document in inputs]).items():
            found = index.matches(signatures)
            if found:
                result[document_id] = AnalysisOutput(labels=[
                    LabelDraft(LAYER, entry.line.label, round(similarity, 4), {
                        "list": entry.list_name, "source": entry.line.source, "kind": kind,
                        "method": kind.split("/", 1)[0]})
                    for entry, similarity, kind in found])
        return result
