"""Annotated heatmaps for the convolution playground: every cell coloured and labelled with its value.

One builder serves every grid on the page (input, kernel, output, pooling), so they all read the
same way: row 1 on top, square cells, blank cells for numbers not computed yet, and a red/blue
diverging scale with white at 0 whenever a grid holds both signs, so a negative weight never looks
like "a little ink".
"""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.colors import diverging, sequential

from crystal.ops import format_number

Window = tuple[slice, slice]

WINDOW_COLOUR = "#ff7f0e"
_SEQUENTIAL = sequential.Blues
_DIVERGING = diverging.RdBu
_MAX_CELL_PX = 44


def heatmap(
    values: np.ndarray,
    *,
    title: str = "",
    window: Window | None = None,
    outline: Window | None = None,
    value_range: tuple[float, float] | None = None,
) -> go.Figure:
    """A labelled heatmap of ``values``; NaN cells stay blank.

    ``window`` draws a thick orange frame (the kernel or pooling window of the current step);
    ``outline`` a dashed grey one (where the original input sits inside its padding).
    ``value_range`` fixes the colour scale, so an output that is still filling in keeps the
    colours it will have when complete.
    """
    grid = np.asarray(values, dtype=float)
    rows, cols = grid.shape
    low, high = value_range if value_range is not None else _finite_range(grid)
    signed = low < 0 < high
    if signed:
        reach = max(-low, high)
        low, high = -reach, reach
    elif low == high:  # a flat grid: any colour will do, but plotly needs a span
        high = low + 1
    big = max(rows, cols) > 12
    decimals = 1 if big else 3
    text = [[format_number(v, decimals=decimals) for v in row] for row in grid]
    figure = go.Figure(
        go.Heatmap(
            z=grid,
            x=np.arange(1, cols + 1),
            y=np.arange(1, rows + 1),
            text=text,
            texttemplate="%{text}",
            textfont={"size": 9} if big else {},
            colorscale=_DIVERGING if signed else _SEQUENTIAL,
            zmin=low,
            zmax=high,
            showscale=False,
            xgap=1,
            ygap=1,
            hovertemplate="row %{y}, column %{x}: %{text}<extra></extra>",
        )
    )
    frames = ((outline, {"color": "#777", "width": 2, "dash": "dash"}), (window, {"color": WINDOW_COLOUR, "width": 4}))
    for frame, style in frames:
        if frame is not None:
            figure.add_shape(
                type="rect",
                x0=frame[1].start + 0.5,
                x1=frame[1].stop + 0.5,
                y0=frame[0].start + 0.5,
                y1=frame[0].stop + 0.5,
                line=style,
            )
    cell = min(_MAX_CELL_PX, 560 // max(rows, cols))
    figure.update_layout(
        title={"text": title, "font": {"size": 14}, "x": 0, "xanchor": "left"},
        height=rows * cell + (70 if title else 40),
        margin={"l": 5, "r": 5, "t": 35 if title else 5, "b": 5},
        plot_bgcolor="rgba(0,0,0,0)",
        xaxis={"visible": False, "constrain": "domain"},
        yaxis={"visible": False, "autorange": "reversed", "scaleanchor": "x", "constrain": "domain"},
    )
    return figure


def _finite_range(grid: np.ndarray) -> tuple[float, float]:
    finite = grid[np.isfinite(grid)]
    return (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
