"""The analyst's brief: one self-contained HTML (or Markdown) file about an event and two or more groups.

`frameline report --event mosul-2017 --groups extremist,mainstream --out brief.html`
gathers what the insights compute (frame contrast of the first two groups with
evidence quoted from both, timelines with change points for every group, the
largest re-post clusters, distinctive words) and renders it through Jinja2
templates with autoescaping.  Charts are plotly figures drawn by the plotly.js
that ships inside the installed `plotly` package, inlined once, so the file
opens on an air-gapped laptop; the figures travel as JSON in
`<script type="application/json">` blocks, never as markup.  Quotes link back
to the document view of `frameline serve` by absolute URL (`--base-url`,
by default the address `frameline serve` listens on), so the links work from
a file opened anywhere, and each quote names its document id and source in
plain text, so a printed brief still says where every sentence came from.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from frameline.insights.contrast import Contrast, contrast_groups
from frameline.insights.selection import SelectionError, event_named, parse_selection
from frameline.insights.timelines import Timeline, frame_timeline
from frameline.store.base import ClusterSummary, Event
from frameline.store.sql import SqlStore

FORMATS = ("html", "md")
DEFAULT_BASE_URL = "http://127.0.0.1:8000"  # where `frameline serve` listens by default
PALETTE = ("#b2182b", "#2166ac", "#1b7837", "#762a83", "#e08214", "#4d4d4d")


@dataclass
class ClusterRow:
    id: int
    size: int
    sources: int
    first_source: str
    first_seen: str | None
    first_document_id: int
    excerpt: str
    link: str


@dataclass
class Brief:
    title: str
    generated_at: str
    event: Event | None
    groups: list[str]
    contrast: Contrast | None
    timeline: Timeline
    clusters: list[ClusterRow]
    charts: dict[str, Any] = field(default_factory=dict)  # name -> plotly figure dict
    base_url: str = DEFAULT_BASE_URL

    def url(self, path: str) -> str:
        """A link of the UI (`/documents/12`) as an absolute URL under the brief's base URL."""
        return self.base_url.rstrip("/") + path

    @property
    def evidence_frames(self) -> list:
        """The frames quoted: those that differ significantly, else the three closest to it."""
        if self.contrast is None:
            return []
        return [f for f in self.contrast.frames if f.significant] or self.contrast.frames[:3]


def _clusters(store: SqlStore, event: Event | None, limit: int) -> list[ClusterRow]:
    """The largest re-post clusters first seen inside the event window (all of them without an event)."""
    found: list[ClusterSummary] = []
    for cluster in store.list_clusters(limit=max(limit * 20, 200)):
        seen = cluster.first_seen_at
        if event is not None and seen is not None and (
                (event.starts_at and seen < event.starts_at) or (event.ends_at and seen >= event.ends_at)):
            continue
        found.append(cluster)
        if len(found) >= limit:
            break
    documents = store.get_documents([cluster.first_document_id for cluster in found])
    sources = {source.id: source.name for source in store.list_sources()}
    rows = []
    for cluster in found:
        document = documents.get(cluster.first_document_id)
        text = " ".join((document.text if document else "").split())
        rows.append(ClusterRow(cluster.id, cluster.size, cluster.sources, sources.get(cluster.first_source_id, ""),
                               cluster.first_seen_at.isoformat() if cluster.first_seen_at else None,
                               cluster.first_document_id, text[:280] + ("…" if len(text) > 280 else ""),
                               f"/documents/{cluster.first_document_id}"))
    return rows


def _contrast_chart(contrast: Contrast) -> dict[str, Any]:
    import plotly.graph_objects as go

    frames = list(reversed(contrast.frames))
    figure = go.Figure()
    for index, (label, side) in enumerate(((contrast.a, "a"), (contrast.b, "b"))):
        shares = [getattr(f, side) for f in frames]
        figure.add_trace(go.Scatter(
            x=[s.share for s in shares], y=[f.name + (" *" if f.significant else "") for f in frames],
            mode="markers", name=label, marker={"size": 10, "color": PALETTE[index]},
            error_x={"type": "data", "symmetric": False, "array": [s.ci_high - s.share for s in shares],
                     "arrayminus": [s.share - s.ci_low for s in shares]},
        ))
    figure.update_layout(template="plotly_white", height=120 + 34 * len(frames), margin={"l": 10, "r": 10, "t": 60},
                         xaxis={"title": "share of documents (95% Wilson interval)", "tickformat": ".0%"},
                         legend={"orientation": "h", "x": 1, "xanchor": "right", "y": 1.02, "yanchor": "bottom"},
                         title="Frames: share of documents per side")
    return json.loads(figure.to_json())


def _timeline_chart(timeline: Timeline, frame: str) -> dict[str, Any]:
    import plotly.graph_objects as go

    figure = go.Figure()
    name = frame
    for index, group in enumerate(timeline.groups):
        series = next((s for s in group.frames if s.frame == frame), None)
        if series is None:
            continue
        name = series.name
        color = PALETTE[index % len(PALETTE)]
        figure.add_trace(go.Scatter(x=timeline.buckets, y=series.share, mode="lines+markers", name=group.label,
                                    line={"color": color}, connectgaps=False,
                                    customdata=series.volume, hovertemplate="%{x}: %{y:.0%} (%{customdata} documents)"))
        for point in series.change_points:
            figure.add_vline(x=point.bucket, line={"color": color, "dash": "dash", "width": 1})
            figure.add_annotation(x=point.bucket, y=1.0, yref="paper", showarrow=False, font={"color": color, "size": 10},
                                  text=f"{point.before:.0%}→{point.after:.0%}")
    figure.update_layout(template="plotly_white", height=300, margin={"l": 10, "r": 10, "t": 40},
                         yaxis={"tickformat": ".0%", "rangemode": "tozero"}, title=f"{name}: share per {timeline.interval}",
                         legend={"orientation": "h", "y": -0.2})
    return json.loads(figure.to_json())


def build_brief(
    store: SqlStore, groups: list[str], event: str | None = None, interval: str | None = None, top_frames: int = 6,
    evidence: int = 3, clusters: int = 10, charts: bool = True, base_url: str = DEFAULT_BASE_URL,
) -> Brief:
    found = event_named(store, event)
    if not groups:
        groups = sorted({group for source in store.list_sources() for group in source.groups})
    if not groups:
        raise SelectionError("no source group to report on; label sources with `frameline sources groups`")
    # The brief names each side by its group alone.
    sides = [replace(parse_selection(store, f"group:{group}").restricted_to(found), label=group) for group in groups]
    contrast = None
    if len(sides) >= 2:
        contrast = contrast_groups(store, sides[0], sides[1], event_name=found.name if found else None,
                                   evidence_per_side=evidence)
    if interval is None:
        span_days = (found.ends_at - found.starts_at).days if found and found.starts_at and found.ends_at else 999
        interval = "day" if span_days <= 120 else "week"
    timeline = frame_timeline(store, sides, interval=interval, top_frames=top_frames)
    title = f"Brief: {found.name}" if found else "Brief: " + " vs ".join(groups)
    if not base_url.startswith(("http://", "https://")):
        raise SelectionError(f"--base-url must start with http:// or https://, not {base_url!r}")
    brief = Brief(title, datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), found, groups, contrast, timeline,
                  _clusters(store, found, clusters), base_url=base_url)
    if charts:
        if contrast is not None and contrast.frames:
            brief.charts["contrast"] = _contrast_chart(contrast)
        for series in (timeline.groups[0].frames if timeline.groups and timeline.buckets else []):
            brief.charts[f"timeline:{series.frame}"] = _timeline_chart(timeline, series.frame)
    return brief


def _environment() -> Environment:
    environment = Environment(loader=PackageLoader("frameline.reports", "templates"),
                              autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
                              trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    environment.filters["pct"] = lambda value: "" if value is None else f"{value:.1%}"
    environment.filters["md"] = markdown_cell
    environment.filters["figure_json"] = figure_json
    return environment


def markdown_cell(value: Any) -> str:
    """Text safe inside a Markdown table cell or line: no pipes, no line breaks, no raw HTML."""
    text = " ".join(str(value if value is not None else "").split())
    for char in ("\\", "|", "<", ">", "*", "_", "`", "[", "]"):
        text = text.replace(char, "\\" + char)
    return text


def figure_json(figure: dict[str, Any]) -> str:
    """A figure as JSON that cannot end its <script> block: '<', '>' and '&' written as \\u escapes."""
    text = json.dumps(figure, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def render_html(brief: Brief) -> str:
    from markupsafe import Markup
    from plotly.offline import get_plotlyjs

    plotly_js = Markup(get_plotlyjs().replace("</script", "<\\/script")) if brief.charts else ""
    charts = {name: Markup(figure_json(figure)) for name, figure in brief.charts.items()}
    return _environment().get_template("brief.html").render(brief=brief, charts=charts, plotly_js=plotly_js,
                                                            default_base_url=DEFAULT_BASE_URL)


def render_markdown(brief: Brief) -> str:
    return _environment().get_template("brief.md").render(brief=brief)


def write_brief(brief: Brief, out: Path, format: str | None = None) -> str:
    """Render to `out` as html or md (default: from the suffix); returns the format written."""
    format = format or ("md" if out.suffix.lower() in (".md", ".markdown") else "html")
    if format not in FORMATS:
        raise SelectionError(f"a brief is html or md, not {format!r}")
    out.write_text(render_html(brief) if format == "html" else render_markdown(brief), encoding="utf-8")
    return format
