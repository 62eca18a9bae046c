"""How a piece of propaganda travelled: one re-post cluster's spread, and who forwards whom.

`cluster_spread` answers "which sources carried this, and when": for each
source, when it first and last posted a member and how long after the first
sighting; and the spread curve (cumulative documents and sources over time).
`repost_network` builds the source-to-source graph an analyst opens in Gephi:
an edge A → B when B forwarded a message of A (Document.forwarded_from, matched
to a known source by name or handle) or re-posted a cluster A posted first.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from frameline.insights.selection import Selection
from frameline.records import Source, utc
from frameline.store import aggregates
from frameline.store.base import StoreError
from frameline.store.sql import SqlStore


@dataclass
class SourceSpread:
    source_id: int
    source: str
    groups: list[str]
    documents: int
    first_document_id: int
    first_seen: str
    last_seen: str
    hours_after_first: float


@dataclass
class SpreadPoint:
    at: str
    document_id: int
    source: str
    documents: int  # cumulative
    sources: int  # cumulative distinct


@dataclass
class ClusterSpread:
    cluster_id: int
    size: int
    first_seen: str | None
    last_seen: str | None
    sources: list[SourceSpread]
    curve: list[SpreadPoint]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def rows(self) -> list[dict[str, Any]]:
        return [asdict(source) | {"cluster_id": self.cluster_id} for source in self.sources]


def cluster_spread(store: SqlStore, cluster_id: int) -> ClusterSpread:
    summary = store.get_cluster(cluster_id)
    if summary is None:
        raise StoreError(f"no re-post cluster {cluster_id}; see the largest with `frameline propagation --list`")
    sources = {source.id: source for source in store.list_sources()}
    members = sorted(((utc(published or collected), document_id, source_id)
                      for document_id, source_id, published, collected in aggregates.cluster_documents(store, cluster_id)))
    if not members:
        return ClusterSpread(cluster_id, 0, None, None, [], [])
    start = members[0][0]
    per_source: dict[int, list[tuple[datetime, int]]] = {}
    curve, seen_sources = [], set()
    for count, (moment, document_id, source_id) in enumerate(members, 1):
        per_source.setdefault(source_id, []).append((moment, document_id))
        seen_sources.add(source_id)
        curve.append(SpreadPoint(moment.isoformat(), document_id, _name(sources, source_id), count, len(seen_sources)))
    spread = [
        SourceSpread(source_id, _name(sources, source_id), list(sources[source_id].groups) if source_id in sources else [],
                     len(posts), posts[0][1], posts[0][0].isoformat(), posts[-1][0].isoformat(),
                     round((posts[0][0] - start).total_seconds() / 3600, 3))
        for source_id, posts in sorted(per_source.items(), key=lambda item: (item[1][0], item[0]))
    ]
    return ClusterSpread(cluster_id, len(members), start.isoformat(), members[-1][0].isoformat(), spread, curve)


def _name(sources: dict[int, Source], source_id: int) -> str:
    return sources[source_id].name if source_id in sources else f"source {source_id}"


def _source_keys(source: Source) -> set[str]:
    keys = {source.name, source.handle or ""}
    return {key.strip().lstrip("@").casefold() for key in keys if key and key.strip()}


def repost_network(store: SqlStore, selection: Selection | None = None):  # noqa: ANN201 - networkx.DiGraph
    """Source → source graph of forwards and cluster re-posts among the selected documents.

    Node ids are "source:<id>" for known sources and "external:<name>" for forwarded
    channels the workspace does not hold; edges carry `forwards`, `reposts` and
    `weight` (their sum), so Gephi sizes them directly.
    """
    import networkx as nx

    chosen = selection or Selection("all")
    sources = store.list_sources()
    by_key = {key: source for source in sources for key in _source_keys(source)}
    graph = nx.DiGraph()
    for source in sources:
        graph.add_node(f"source:{source.id}", label=source.name, kind=source.kind, groups=";".join(source.groups),
                       external=False)

    def add(origin: str, target: str, kind: str, amount: int = 1) -> None:
        if not graph.has_edge(origin, target):
            graph.add_edge(origin, target, forwards=0, reposts=0, weight=0)
        graph.edges[origin, target][kind] += amount
        graph.edges[origin, target]["weight"] += amount

    for _document_id, source_id, forwarded_from in aggregates.forwarded_documents(store, chosen):
        name = forwarded_from.strip()
        origin_source = by_key.get(name.lstrip("@").casefold())
        if origin_source is not None:
            origin = f"source:{origin_source.id}"
        else:
            origin = f"external:{name}"
            if origin not in graph:
                graph.add_node(origin, label=name, kind="external", groups="", external=True)
        if origin != f"source:{source_id}":
            add(origin, f"source:{source_id}", "forwards")
    for founder, member, count in aggregates.cluster_edges(store, chosen):
        if founder != member:
            add(f"source:{founder}", f"source:{member}", "reposts", count)
    return graph


def write_gexf(graph, path: Path) -> None:  # noqa: ANN001
    import networkx as nx

    nx.write_gexf(graph, path)


def network_rows(graph) -> list[dict[str, Any]]:  # noqa: ANN001
    """The graph's edges as rows (CSV/JSONL/Parquet), with both ends' labels."""
    return [{"source": origin, "source_label": graph.nodes[origin].get("label"), "target": target,
             "target_label": graph.nodes[target].get("label"), **data}
            for origin, target, data in sorted(graph.edges(data=True))]
