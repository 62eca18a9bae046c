"""A split of the Propaganda Techniques Corpus as our training code reads it.

The corpus folder is the one the organisers distribute (`<split>-articles/`,
`<split>-task-flc-tc.labels`, `<split>-task-si.labels`).  It is research-only
data: it is read from where the user keeps it and never copied into the package.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from frameline.ptc.formats import Annotation, PtcFormatError, check_offsets, read_annotations, read_articles


@dataclass(frozen=True)
class Split:
    name: str
    articles: dict[str, str]
    techniques: list[Annotation]  # TC/FLC gold: one line per (span, technique)
    spans: list[Annotation]  # SI gold

    def subset(self, count: int) -> Split:
        """The first `count` articles (by id) and their annotations: small, quick, for tests and trials."""
        keep = set(sorted(self.articles)[:count])
        return Split(self.name, {a: t for a, t in self.articles.items() if a in keep},
                     [a for a in self.techniques if a.article in keep], [a for a in self.spans if a.article in keep])


def load_split(corpus: Path | str, name: str) -> Split:
    """The articles and both gold files of split `name` ("train", "dev")."""
    corpus = Path(corpus)
    articles = read_articles(corpus / f"{name}-articles")
    tc_path, si_path = corpus / f"{name}-task-flc-tc.labels", corpus / f"{name}-task-si.labels"
    techniques = read_annotations(tc_path, "tc")
    check_offsets(techniques, articles, tc_path)
    spans = read_annotations(si_path, "si") if si_path.exists() else [
        Annotation(a.article, a.start, a.end) for a in techniques]
    check_offsets(spans, articles, si_path)
    if not techniques:
        raise PtcFormatError(tc_path, None, "no annotations")
    return Split(name, articles, techniques, spans)
