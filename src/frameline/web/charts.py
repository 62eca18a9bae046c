"""Plotly figures for the insight pages, as plain dicts that travel as JSON data blocks.

The pages never compute statistics: these functions only lay out what
`frameline.insights` returned.  Figures are built server-side so every label
is cleaned in one place: plotly.js renders a small HTML subset inside chart
text (<b>, <a href>, entities), so names from documents and sources go in
HTML-escaped and with bidi controls removed, and they never enter a
hovertemplate (where `%{…}` is interpreted).  The page embeds a figure with
`figure_json`, which cannot end its <script type="application/json"> block.

Each frame keeps one colour on every chart of a workspace: colours are handed
out over the workspace's frames sorted by id, from a palette of 24 colours
that stay apart from one another (so 20 frames never share one).
"""

from __future__ import annotations

import html
from typing import Any

from frameline.web.hostile_text import strip_bidi

# Kelly's colours of maximum contrast (Kelly 1965), white left out and the near-twins (orange yellow,
# greenish yellow, reddish orange, olive) moved behind a teal, a blue-violet and a mint: the first 20 stay apart.
PALETTE = (
    "#0067a5", "#f38400", "#008856", "#be0032", "#875692", "#f3c300", "#a1caf1", "#c2b280", "#848482", "#e68fac",
    "#882d17", "#8db600", "#604e97", "#f99379", "#00a3a3", "#b3446c", "#3c3cff", "#654522", "#7fd4c1", "#222222",
    "#e25822", "#f6a600", "#dcd300", "#2b3d26",
)
SIDE_COLOURS = ("#b2182b", "#2166ac")  # side A, side B (as in the brief)
FONT = {"family": "system-ui, sans-serif", "size": 12}


def label(text: Any) -> str:
    """Text for a plotly label: bidi controls dropped, markup escaped (plotly shows entities as characters)."""
    return html.escape(strip_bidi(str(text if text is not None else "")), quote=False)


def frame_colours(frames: list[str]) -> dict[str, str]:
    """One colour per frame id, stable across pages: assigned over the sorted ids of all the workspace's frames."""
    return {frame: PALETTE[index % len(PALETTE)] for index, frame in enumerate(sorted(set(frames)))}


def _layout(**values: Any) -> dict[str, Any]:
    return {"font": FONT, "paper_bgcolor": "#fff", "plot_bgcolor": "#fff", **values}


def contrast_figure(contrast) -> dict[str, Any]:  # noqa: ANN001 - insights.contrast.Contrast
    """Each side's share per frame with its 95% Wilson interval; significant frames starred."""
    rows = list(reversed(contrast.frames))  # plotly draws the first category at the bottom
    names = [label(row.name) + (" *" if row.significant else "") for row in rows]
    traces = []
    for index, (side_label, side) in enumerate(((contrast.a, "a"), (contrast.b, "b"))):
        shares = [getattr(row, side) for row in rows]
        offset = 0.16 if index == 0 else -0.16  # the two sides of a frame side by side, A above B
        traces.append({
            "type": "scatter", "mode": "markers", "name": label(side_label),
            "y": [position + offset for position in range(len(rows))], "x": [s.share for s in shares],
            "customdata": [[name, s.ci_low, s.ci_high, s.documents] for name, s in zip(names, shares)],
            "hovertemplate": "%{customdata[0]}: %{x:.1%} [%{customdata[1]:.1%}, %{customdata[2]:.1%}], "
                             "%{customdata[3]} documents",
            "marker": {"size": 9, "color": SIDE_COLOURS[index], "symbol": "circle" if index == 0 else "diamond"},
            "error_x": {"type": "data", "symmetric": False, "array": [s.ci_high - s.share for s in shares],
                        "arrayminus": [s.share - s.ci_low for s in shares], "color": SIDE_COLOURS[index],
                        "thickness": 1.5, "width": 3},
        })
    highest = max([row.a.ci_high for row in rows] + [row.b.ci_high for row in rows] + [0.05])
    return {"data": traces, "layout": _layout(
        height=150 + 34 * len(rows), margin={"l": 10, "r": 20, "t": 40, "b": 50}, hovermode="closest",
        xaxis={"title": {"text": "share of the side's documents (95% Wilson interval)"}, "tickformat": ".0%",
               "range": [-0.01, min(1.0, highest) * 1.04 + 0.01], "gridcolor": "#eee", "zeroline": False,
               "side": "bottom", "showline": True, "linecolor": "#ccc", "mirror": True},
        yaxis={"automargin": True, "tickvals": list(range(len(rows))), "ticktext": names,
               "range": [-0.6, len(rows) - 0.4], "gridcolor": "#f3f3f3", "zeroline": False},
        legend={"orientation": "h", "x": 1, "xanchor": "right", "y": 1.0, "yanchor": "bottom"},
    )}


def timeline_figure(timeline, group, measure: str, colours: dict[str, str],  # noqa: ANN001
                    events: list[tuple[str, str, str]] = ()) -> dict[str, Any]:
    """One group's frames over time: stacked volumes or share lines, and its change points.

    Change points sit in a strip above the plot, one triangle per change in the
    frame's colour at the height of the shift (up: the share rose), so twenty
    frames' changes stay readable; on the share lines they are also diamonds.
    `events` are (name, first day, last day), drawn as shaded bands.
    """
    share = measure == "share"
    traces, shapes, annotations = [], [], []
    for series in group.frames:
        colour = colours.get(series.frame, PALETTE[-1])
        values = series.share if share else series.volume
        traces.append({
            "type": "scatter" if share else "bar", "name": label(series.name), "legendgroup": series.frame,
            "x": timeline.buckets, "y": values, "marker": {"color": colour},
            **({"mode": "lines+markers", "line": {"color": colour, "width": 2}, "connectgaps": False,
                "hovertemplate": "%{x}: %{y:.0%}"} if share else {"hovertemplate": "%{x}: %{y} documents"}),
        })
        points = series.change_points
        if not points:
            continue
        hover = "change from %{x}: share %{customdata[0]:.0%} → %{customdata[1]:.0%}"
        customdata = [[point.before, point.after] for point in points]
        traces.append({
            "type": "scatter", "mode": "markers", "name": label(series.name) + " · change points",
            "legendgroup": series.frame, "showlegend": False, "yaxis": "y2", "x": [point.bucket for point in points],
            "y": [point.after - point.before for point in points], "customdata": customdata, "hovertemplate": hover,
            "marker": {"symbol": ["triangle-up" if point.after >= point.before else "triangle-down" for point in points],
                       "size": 11, "color": colour, "line": {"color": "#222", "width": 0.5}},
        })
        if share:
            traces.append({
                "type": "scatter", "mode": "markers", "name": label(series.name) + " · change points",
                "legendgroup": series.frame, "showlegend": False, "x": [point.bucket for point in points],
                "y": [series.share[point.index] for point in points], "customdata": customdata,
                "hovertemplate": hover, "marker": {"symbol": "diamond", "size": 11, "color": colour,
                                                   "line": {"color": "#222", "width": 1}},
            })
    for name, first, last in events:
        shapes.append({"type": "rect", "xref": "x", "yref": "paper", "x0": first, "x1": last, "y0": 0, "y1": 1,
                       "fillcolor": "#8da0cb", "opacity": 0.15, "line": {"width": 0}, "layer": "below"})
        annotations.append({"x": first, "y": 1, "xref": "x", "yref": "paper", "text": label(name), "showarrow": False,
                            "xanchor": "left", "yanchor": "bottom", "font": {"size": 10, "color": "#4a5a85"}})
    title = label(group.label) + (" · share of documents" if share else " · documents carrying each frame")
    strip = any(trace.get("yaxis") == "y2" for trace in traces)
    return {"data": traces, "layout": _layout(
        title={"text": title, "font": {"size": 14}, "x": 0, "xanchor": "left"}, barmode="stack", height=420,
        margin={"l": 60, "r": 10, "t": 60, "b": 40}, shapes=shapes, annotations=annotations, hovermode="closest",
        xaxis={"type": "date", "gridcolor": "#eee"},
        yaxis={"tickformat": ".0%" if share else ",", "rangemode": "tozero", "gridcolor": "#eee",
               "domain": [0, 0.76] if strip else [0, 1]},
        yaxis2={"domain": [0.8, 1], "range": [-1.3, 1.3], "tickvals": [-1, 0, 1], "ticktext": ["−100%", "0", "+100%"],
                "zeroline": True, "zerolinecolor": "#bbb", "showgrid": False, "tickfont": {"size": 9},
                "title": {"text": "change", "font": {"size": 10}}},
        legend={"orientation": "v", "x": 1.01, "y": 1, "font": {"size": 11}},
    )}


def spread_figure(spread) -> dict[str, Any]:  # noqa: ANN001 - insights.propagation.ClusterSpread
    """The spread curve: cumulative documents and distinct sources over time, as steps."""
    times = [point.at for point in spread.curve]
    traces = [
        {"type": "scatter", "mode": "lines+markers", "line": {"shape": "hv", "color": SIDE_COLOURS[1], "width": 2},
         "name": "documents", "x": times, "y": [point.documents for point in spread.curve],
         "customdata": [[point.document_id] for point in spread.curve],
         "hovertemplate": "%{x}: %{y} documents (#%{customdata[0]})"},
        {"type": "scatter", "mode": "lines+markers", "line": {"shape": "hv", "color": SIDE_COLOURS[0], "width": 2},
         "name": "sources", "x": times, "y": [point.sources for point in spread.curve],
         "hovertemplate": "%{x}: %{y} sources", "yaxis": "y"},
    ]
    return {"data": traces, "layout": _layout(
        height=320, margin={"l": 50, "r": 10, "t": 20, "b": 40}, hovermode="closest",
        xaxis={"type": "date", "gridcolor": "#eee"},
        yaxis={"title": {"text": "cumulative"}, "rangemode": "tozero", "gridcolor": "#eee", "dtick": None},
        legend={"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"},
    )}
