"""Which actors appear together: entity pairs per document, per group or event, as a network.

Entities are the DocLabels in layer "entity" (label = entity id, with the
canonical name in the attributes), one per entity per document, so a pair
counts documents that mention both.  Beside the raw count each pair has its
Jaccard index (documents with both / documents with either), which keeps the
network from being just "the most mentioned actors", and the pointwise mutual
information log2(P(a,b) / (P(a)·P(b))) over the selected documents that
mention any entity.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import asdict, dataclass
from itertools import combinations, groupby
from operator import itemgetter
from typing import Any

from frameline.insights.selection import Selection
from frameline.store import aggregates
from frameline.store.sql import SqlStore

ENTITY_LAYER = "entity"


@dataclass
class EntityCount:
    entity: str
    name: str
    documents: int


@dataclass
class Pair:
    a: str
    b: str
    name_a: str
    name_b: str
    documents: int
    jaccard: float
    pmi: float


@dataclass
class Cooccurrence:
    selection: str
    documents: int  # selected documents mentioning at least one entity
    entities: list[EntityCount]
    pairs: list[Pair]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def rows(self) -> list[dict[str, Any]]:
        return [asdict(pair) | {"selection": self.selection} for pair in self.pairs]

    def graph(self):  # noqa: ANN201 - networkx.Graph
        import networkx as nx

        graph = nx.Graph()
        for entity in self.entities:
            graph.add_node(entity.entity, label=entity.name, documents=entity.documents)
        for pair in self.pairs:
            graph.add_edge(pair.a, pair.b, weight=pair.documents, jaccard=pair.jaccard, pmi=pair.pmi)
        return graph


def entity_cooccurrence(store: SqlStore, selection: Selection, min_documents: int = 2, top: int = 200) -> Cooccurrence:
    """Pairs of entities mentioned together in at least `min_documents` selected documents (largest first)."""
    singles: Counter[str] = Counter()
    pairs: Counter[tuple[str, str]] = Counter()
    documents = 0
    rows = aggregates.labels_of_selected(store, selection, ENTITY_LAYER)
    for _document_id, labels in groupby(rows, key=itemgetter(0)):
        entities = sorted({label for _id, label in labels})
        documents += 1
        singles.update(entities)
        pairs.update(combinations(entities, 2))
    kept = sorted(((pair, count) for pair, count in pairs.items() if count >= min_documents),
                  key=lambda item: (-item[1], item[0]))[:top]
    involved = sorted({entity for (a, b), _count in kept for entity in (a, b)} | set(
        entity for entity, _count in singles.most_common(top)))
    attributes = aggregates.label_attributes(store, ENTITY_LAYER, involved)
    names = {entity: str(attributes.get(entity, {}).get("name") or entity) for entity in involved}
    found = [Pair(a, b, names[a], names[b], count, count / (singles[a] + singles[b] - count),
                  math.log2(count * documents / (singles[a] * singles[b]))) for (a, b), count in kept]
    entities = [EntityCount(entity, names[entity], singles[entity]) for entity in involved]
    entities.sort(key=lambda entity: (-entity.documents, entity.entity))
    return Cooccurrence(selection.label, documents, entities, found)
