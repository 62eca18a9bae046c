"""Near-duplicate and re-post clusters: which documents are the same communique, posted again.

Re-posters change the header line ("Amaq Agency:"), add a hashtag or a link,
fix a word, cut the end; a cluster gathers those copies so an analyst sees how
far one communique spread: how many sources, over what time, who had it first.

The work is split in two because clusters are corpus-level:

1. `analyse` (worker processes, per batch, like every analyser) computes each
   document's signatures from its canonical text (see `signatures`): an exact
   SHA-256 and a MinHash over character 5-grams.
2. `consolidate` (the main process, called by the runner on each finished
   batch, in document-id order within it) matches the batch against every
   document seen before, through indexes rebuilt from the `document_signatures`
   table once per process and then topped up with only the rows added since.
   It stores signatures and memberships, and returns the "cluster" labels.

Rules, chosen so that cluster ids are stable and nothing merges behind the
analyst's back:

- A document joins the cluster of its best earlier match: an exact match
  first, else the highest estimated Jaccard at or above `threshold`.  A match
  that belongs to no cluster yet founds one, whose id is its document id.
- Clusters never merge.  A document similar to members of two clusters joins
  the better one; the other cluster is left as it is (no transitive chains).
- A document already in a cluster keeps it when it is analysed again.
- Documents that match nothing get no cluster; cluster sizes start at 2.

Each member gets a DocLabel in layer "cluster": label = cluster id, score =
similarity to the member it matched, attributes = {"method": founder | exact
| minhash}.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from frameline.analysis.base import Analyser, AnalysisOutput, DocumentInput, LabelDraft
from frameline.analysis.signatures import ExactHash, MinHashShingles, SignatureIndex, canonical_text

if TYPE_CHECKING:
    from collections.abc import Mapping

    from frameline.store import SqlStore
    from frameline.store.base import ClusterMember
    from frameline.workspace import Workspace

LAYER = "cluster"


@dataclass
class SignedOutput(AnalysisOutput):
    """A worker's result: no labels yet, the document's signatures by kind."""

    signatures: dict[str, bytes] = field(default_factory=dict)


@dataclass
class _Indexes:
    """The main process's in-memory indexes for one database, and the last signature row each has read.

    `added` holds the documents this process indexed itself since it last read the table: their
    rows, which it stored, are not read back (indexing a document again changes nothing).
    """

    url: str
    by_kind: dict[str, SignatureIndex]
    read_up_to: dict[str, int]
    added: dict[str, set[int]] = field(default_factory=dict)


class DuplicateAnalyser(Analyser):
    name: ClassVar[str] = "duplicates"
    version: ClassVar[str] = "2"  # 2: a candidate sharing one crowded band only is not verified
    requires: ClassVar[tuple[str, ...]] = ("normalize",)  # signatures hash the normalised words
    layers: ClassVar[tuple[str, ...]] = (LAYER,)

    def __init__(self, threshold: float = 0.5, shingle: int = 5) -> None:
        self.exact = ExactHash()
        self.minhash = MinHashShingles(threshold=threshold, shingle=shingle)
        self._indexes: _Indexes | None = None

    @classmethod
    def from_workspace(cls, workspace: Workspace | None) -> DuplicateAnalyser:
        return cls()

    @property
    def kinds(self) -> dict[str, Any]:
        """Signature kinds as stored: a change of parameters makes older rows invisible, not wrong."""
        return {
            f"{self.exact.name}/{self.exact.version}": self.exact,
            f"{self.minhash.name}/{self.minhash.version}/{self.minhash.shingle}x{self.minhash.num_perm}": self.minhash,
        }

    def config_version(self) -> str:
        return f"t{self.minhash.threshold:g}/" + ",".join(self.kinds)

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_indexes"] = None  # main-process only; never shipped to workers
        return state

    # -- workers --------------------------------------------------------------

    def analyse(self, batch: list[DocumentInput]) -> dict[int, AnalysisOutput]:
        texts = [canonical_text(document.text if not document.title else f"{document.title}\n{document.text}")
                 for document in batch]
        exact_kind, minhash_kind = self.kinds
        digests = self.minhash.compute_many(texts)
        outputs: dict[int, AnalysisOutput] = {}
        for document, text, digest in zip(batch, texts, digests):
            signatures = {}
            exact = self.exact.compute(text)
            if exact is not None:
                signatures[exact_kind] = exact
            if digest is not None:
                signatures[minhash_kind] = digest
            outputs[document.id] = SignedOutput(signatures=signatures)
        return outputs

    # -- main process ---------------------------------------------------------

    def _caught_up(self, store: SqlStore) -> _Indexes:
        if self._indexes is None or self._indexes.url != store.url:
            self._indexes = _Indexes(store.url, {kind: signature.new_index() for kind, signature in self.kinds.items()},
                                     {kind: 0 for kind in self.kinds}, {kind: set() for kind in self.kinds})
        indexes = self._indexes
        for kind, index in indexes.by_kind.items():
            added = indexes.added[kind]
            if not added:
                rows = store.signatures_after(kind, indexes.read_up_to[kind])
            else:  # which rows are new first, then the values of those another process stored
                new = store.signatures_after(kind, indexes.read_up_to[kind], values=False)
                rows = store.signatures_by_row([row_id for row_id, document_id in new if document_id not in added])
                if new:
                    indexes.read_up_to[kind] = new[-1][0]
                added.clear()
            for row_id, document_id, value in rows:
                index.add(document_id, value)
                indexes.read_up_to[kind] = max(indexes.read_up_to[kind], row_id)
        return indexes

    def best_match(self, indexes: _Indexes, document_id: int, signatures: Mapping[str, bytes]) -> tuple[int, float, str] | None:
        """(matched document, similarity, method) of a document's best earlier match, or None."""
        exact_kind, minhash_kind = self.kinds
        if exact_kind in signatures:
            for match, similarity in indexes.by_kind[exact_kind].query(signatures[exact_kind]):
                if match != document_id:
                    return match, similarity, "exact"
        if minhash_kind in signatures:
            for match, similarity in indexes.by_kind[minhash_kind].query(signatures[minhash_kind]):
                if match != document_id:
                    return match, similarity, "minhash"
        return None

    def consolidate(self, store: SqlStore, inputs: list[DocumentInput],
                    outputs: Mapping[int, AnalysisOutput]) -> dict[int, AnalysisOutput]:
        """Cluster one finished batch against everything stored; see the module docstring."""
        # Imported here, in the main process: the workers that compute signatures would otherwise
        # import the storage package and SQLAlchemy with this module, for nothing.
        from frameline.store.base import ClusterMember

        indexes = self._caught_up(store)
        order = sorted(document.id for document in inputs)
        signed = {document_id: getattr(outputs.get(document_id), "signatures", {}) for document_id in order}
        matches: dict[int, tuple[int, float, str]] = {}
        for document_id in order:
            found = self.best_match(indexes, document_id, signed[document_id])
            if found is not None:
                matches[document_id] = found
            for kind, value in signed[document_id].items():
                indexes.by_kind[kind].add(document_id, value)
                indexes.added[kind].add(document_id)
        known = store.cluster_ids(set(order) | {match for match, _, _ in matches.values()})
        members: dict[int, ClusterMember] = {}
        for document_id in order:
            if document_id in known or document_id not in matches:
                continue  # already clustered (kept), or unique so far
            match, similarity, method = matches[document_id]
            cluster_id = known.get(match)
            if cluster_id is None:  # the match founds a cluster
                cluster_id = known[match] = match
                members[match] = ClusterMember(match, match, 1.0, "founder", None)
            known[document_id] = cluster_id
            members[document_id] = ClusterMember(document_id, cluster_id, round(similarity, 4), method, match)
        store.record_clusters(
            [(document_id, kind, value) for document_id in order for kind, value in signed[document_id].items()],
            list(members.values()), self.name, self.version,
            label_outside=[document_id for document_id in members if document_id not in signed],
        )
        kept = {member.document_id: member for member in _stored_members(store, [d for d in order if d in known
                                                                                 and d not in members])}
        result: dict[int, AnalysisOutput] = {}
        for document_id in order:
            member = members.get(document_id) or kept.get(document_id)
            labels = [] if member is None else [LabelDraft(LAYER, str(member.cluster_id), member.similarity,
                                                           {"method": member.method})]
            result[document_id] = AnalysisOutput(labels=labels)
        return result


def _stored_members(store: SqlStore, document_ids: list[int]) -> list[ClusterMember]:
    """The stored memberships of documents analysed again (few: only re-runs)."""
    found = []
    for cluster_id in set(store.cluster_ids(document_ids).values()):
        found += [member for member in store.cluster_members(cluster_id) if member.document_id in document_ids]
    return found
