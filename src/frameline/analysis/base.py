"""The contract every analyser meets, so the runner can schedule, resume and scale it.

An analyser is a small class registered by name (the `frameline.analysers`
entry-point group).  It declares up front what it reads and writes:

- `name` and `version`: stored with every result; bumping `version` makes
  every document stale for this analyser, so `frameline analyze` recomputes it.
- `requires`: names of analysers whose output it reads.  They run first, and
  their spans and labels arrive in each `DocumentInput`.  A change of a required
  analyser's version or configuration makes this analyser's results stale too
  (the runner folds them into the configuration version it records).
- `layers`: the span/label layers it writes; writing any other is an error.
- `config_version()`: the version of whatever configuration shapes its output
  (e.g. the codebook version); "" when there is none.
- `sets_language`: whether `AnalysisOutput.language` should also be stored as
  the document's language (the column search filters and `status` use).
- `reads_text`: False for an analyser that works from what other analysers
  stored (e.g. signatures, in a main-process `consolidate` step) and never
  looks at the document; the runner then loads nothing for it, its
  inputs carry only the id (empty text, no spans or labels), and its
  batches run in the main process (no local pool is started for it).
- `reads_labels`: False for an analyser that reads only the spans of what it
  requires (quotes reads entity mentions, not the per-document entity labels);
  the runner then loads no labels for it and its inputs' `labels` are empty.
- `needs_requirements(text)`: False for a document whose analysis cannot use
  the output of `requires` (quotes links speakers to entity mentions, and a
  text without a quotation mark has no quote); the runner then reads nothing
  back for it, and its input's `spans` and `labels` are empty.

`analyse(batch)` gets a list of light, picklable `DocumentInput`s and returns
`{document_id: AnalysisOutput}`; a document it leaves out is stored as
"analysed, nothing found".  It runs in worker processes (or on a Dask cluster),
so an instance must pickle small: configuration is data on the instance, and
models are loaded by `setup()`, which the runner calls once per process before
the first batch, and left out of the pickled state.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar

from frameline.records import DocLabel, Span, SpanDraft
from frameline.text.normalize import NormalizedText, normalize_with_offsets

if TYPE_CHECKING:
    from frameline.workspace import Workspace


@dataclass(frozen=True)
class DocumentInput:
    """What an analyser sees of a document: no raw record, nothing it cannot pickle cheaply.

    `spans` and `labels` hold the output of the analysers named in `requires`
    (and nothing else), so a component reads exactly what it declared.
    """

    id: int
    text: str
    title: str | None = None
    language: str | None = None
    published_at: datetime | None = None
    source_id: int | None = None
    spans: tuple[Span, ...] = ()
    labels: tuple[DocLabel, ...] = ()

    @cached_property
    def normalized(self) -> NormalizedText:
        """The text as the `normalize` stage gives it, with the map back to `text`; computed once per document.

        Every detector in a process that matches on normalised text reads this
        one copy, and reports spans through `normalized.to_original`.  It is
        computed where the analyser runs (in the worker), never shipped.
        """
        return normalize_with_offsets(self.text or "")

    def __getstate__(self) -> dict[str, Any]:
        return {key: value for key, value in self.__dict__.items() if key != "normalized"}


@dataclass
class LabelDraft:
    """A document-level label before storage: the DocLabel twin of `SpanDraft`."""

    layer: str
    label: str
    score: float | None = None
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass
class AnalysisOutput:
    """One document's result: its spans (offsets into `DocumentInput.text`) and labels."""

    spans: list[SpanDraft] = field(default_factory=list)
    labels: list[LabelDraft] = field(default_factory=list)
    language: str | None = None  # stored as the document language when the analyser `sets_language`


class Analyser:
    """Base class of every analyser; see the module docstring for the contract."""

    name: ClassVar[str] = ""
    version: ClassVar[str] = "1"
    requires: ClassVar[tuple[str, ...]] = ()
    layers: ClassVar[tuple[str, ...]] = ()
    sets_language: ClassVar[bool] = False
    reads_text: ClassVar[bool] = True
    reads_labels: ClassVar[bool] = True

    @classmethod
    def from_workspace(cls, workspace: Workspace | None) -> Analyser:
        """Build the analyser with the workspace's configuration (codebooks, settings) read as data."""
        return cls()

    def config_version(self) -> str:
        return ""

    def setup(self) -> None:
        """Load models and other per-process resources; called once per process before `analyse`."""

    def needs_requirements(self, text: str) -> bool:
        """Whether a document with this text can use what `requires` produced (see the module docstring).

        Called by the runner in the process that reads the store, before `setup()` has run
        there: it must look at the text alone, cheaply.
        """
        return True

    def analyse(self, batch: list[DocumentInput]) -> dict[int, AnalysisOutput]:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name} v{self.version}>"
