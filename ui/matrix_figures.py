"""Annotated heatmaps for the playground: every cell coloured and labelled with its value, as HTML.

One builder serves every grid on the page (input, kernel, output, pooling, the flattened list and
the dense weights), so they all read the same way: row 1 on top, square cells, blank cells for
numbers not computed yet, and a red/blue diverging scale with white at 0 whenever a grid holds both
signs, so a negative weight never looks like "a little ink". Hovering a cell names it.

The grids are small HTML tables (``st.html``), not charts: a table of a few dozen cells costs the
server microseconds and the browser a few milliseconds, where a chart library costs both orders of
magnitude more per grid, and the playground redraws a dozen grids after every change. A grid fills
the width of its column, its cells square and at most :data:`MAX_CELL_PX` wide, and its numbers as
large as a cell holds them, up to :data:`MAX_FONT_PX` (CSS container units): readable from the back
of a room on a projector, and still whole on a phone.
"""

from __future__ import annotations

import html

import numpy as np

from crystal.numbers import format_number, grid_texts
from crystal.vision.render import colorize

Window = tuple[slice, slice]

WINDOW_COLOUR = "#ff7f0e"
OUTLINE_STYLE = "2px dashed #777"
WINDOW_STYLE = f"3px solid {WINDOW_COLOUR}"
MAX_CELL_PX = 48
MAX_FONT_PX = 16
LABEL_PX = 110
INK_PER_CHARACTER = 0.62
"""A digit of the grids' font is about this share of its size wide."""


def heatmap(
    values: np.ndarray,
    *,
    title: str = "",
    window: Window | None = None,
    outline: Window | None = None,
    value_range: tuple[float, float] | None = None,
    row_names: list[str] | None = None,
    column_names: list[str] | None = None,
    greyed: np.ndarray | None = None,
) -> str:
    """An HTML heatmap of ``values``; NaN cells stay blank.

    ``window`` frames cells in orange (the kernel or pooling window of the current step, or the
    cell a flattened entry came from); ``outline`` frames them dashed grey (where the original input
    sits inside its padding). ``value_range`` fixes the colour scale, so an output that is still
    filling in keeps the colours it will have when complete. ``row_names``/``column_names`` label
    the rows and columns (and hovering names the cell by them); ``greyed`` cells are shown faded.

    >>> "<td" in heatmap(np.eye(2), title="Kernel 2×2")
    True
    """
    grid = np.asarray(values, dtype=float)
    if grid.ndim == 1:
        grid = grid[None]
    rows, cols = grid.shape
    faded = np.zeros(grid.shape, bool) if greyed is None else np.asarray(greyed, bool).reshape(grid.shape)
    decimals = 1 if max(rows, cols) > 12 else 3
    texts = grid_texts(grid, lambda value: format_number(value, decimals=decimals))
    longest = max(2, *(len(text) for row in texts for text in row))
    width = f"min(100cqw - {LABEL_PX if row_names else 0}px, {cols * MAX_CELL_PX}px)"  # the cells' share
    cell = f"calc(({width}) / {cols})"
    font = f"clamp(8px, calc({cell} / {longest * INK_PER_CHARACTER:.2f}), {MAX_FONT_PX}px)"
    colours = _cell_styles(grid, faded, value_range)
    outline_borders, window_borders = _borders(outline, OUTLINE_STYLE), _borders(window, WINDOW_STYLE)
    framed = _cells(window)
    row_labels = [html.escape(n) for n in row_names] if row_names else [f"row {r + 1}" for r in range(rows)]
    column_labels = [html.escape(n) for n in column_names] if column_names else [f"column {c + 1}" for c in range(cols)]
    label = 'style="font-weight:normal;font-size:13px;padding:0 4px;text-align:right"'
    header = f'style="font-weight:normal;font-size:min(13px, {font})"'
    label_column = f'<col style="width:{LABEL_PX}px">' if row_names else ""
    lines = [f"<colgroup>{label_column}{'<col>' * cols}</colgroup>"]
    if column_names:
        lines.append(
            f"<tr>{'<th></th>' if row_names else ''}{''.join(f'<th {header}>{n}</th>' for n in column_labels)}</tr>"
        )
    for r in range(rows):
        cells = [f"<th {label}>{row_labels[r]}</th>"] if row_names else []
        for c in range(cols):
            text, marked = texts[r][c], ' class="in-window"' if (r, c) in framed else ""
            edges = outline_borders.get((r, c), "") + window_borders.get((r, c), "")
            cells.append(
                f'<td{marked} style="{colours[r][c]};{edges}" '
                f'title="{row_labels[r]}, {column_labels[c]}: {text}">{text}</td>'
            )
        lines.append(f'<tr style="height:{cell}">{"".join(cells)}</tr>')
    heading = f'<div style="font-weight:600;font-size:16px;margin:0 0 4px">{html.escape(title)}</div>' if title else ""
    table = (
        f'<table style="border-collapse:separate;border-spacing:1px;table-layout:fixed;margin:0;'
        f'width:calc({width} + {LABEL_PX if row_names else 0}px);text-align:center;font-size:{font}">'
        f"{''.join(lines)}</table>"
    )
    return f'<div class="grid" style="container-type:inline-size;margin-bottom:8px">{heading}{table}</div>'


def _cell_styles(grid: np.ndarray, faded: np.ndarray, value_range: tuple[float, float] | None) -> list[list[str]]:
    """Each cell's background and ink: light grey for faded or blank cells, else its colour with
    white ink on dark backgrounds."""
    background = _colours(grid, value_range)
    dark = (background @ np.array([0.299, 0.587, 0.114]) < 140).tolist()
    codes = (background.astype(int) @ np.array([1 << 16, 1 << 8, 1])).tolist()
    grey = (faded | np.isnan(grid)).tolist()
    return [
        [
            "background:#e6e6e6;color:#aaa" if g else f"background:#{code:06x};color:{'#fff' if d else '#222'}"
            for code, d, g in zip(*row)
        ]
        for row in zip(codes, dark, grey)
    ]


def _colours(grid: np.ndarray, value_range: tuple[float, float] | None) -> np.ndarray:
    """Each cell's (r, g, b): blues for one sign, red-white-blue centred on 0 for both."""
    finite = grid[np.isfinite(grid)]
    low, high = (
        value_range
        if value_range is not None
        else ((float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0))
    )
    if low < 0 < high:
        reach = max(-low, high)
        return colorize(grid, "rdbu", -reach, reach)
    return colorize(grid, "blues", low, high if high > low else low + 1)


def _cells(frame: Window | None) -> set[tuple[int, int]]:
    """The (row, column) of every cell inside ``frame``."""
    if frame is None:
        return set()
    return {(r, c) for r in range(frame[0].start, frame[0].stop) for c in range(frame[1].start, frame[1].stop)}


def _borders(frame: Window | None, style: str) -> dict[tuple[int, int], str]:
    """The borders of each cell on the edge of ``frame``, e.g. ``"border-top:…;border-left:…;"``."""
    borders = {}
    for r, c in _cells(frame):
        edges = [
            ("top", r == frame[0].start),
            ("bottom", r == frame[0].stop - 1),
            ("left", c == frame[1].start),
            ("right", c == frame[1].stop - 1),
        ]
        sides = "".join(f"border-{side}:{style};" for side, on in edges if on)
        if sides:
            borders[(r, c)] = sides
    return borders
