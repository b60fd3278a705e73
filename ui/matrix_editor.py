"""An editable table of numbers that hands back a grid, or the message to show instead.

Cells are text, not numbers, so people can type fractions such as ``1/9`` and see presets the
same way; :func:`crystal.playground.matrix_input.parse_matrix` reads them and names any cell it cannot.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from crystal.playground.matrix_input import MAX_SIDE, parse_matrix, to_cells

COLUMN_WIDTH = 50  # pixels: room for a number such as -1/9 and for the column's header


def matrix_editor(
    values: np.ndarray,
    *,
    key: str,
    what: str,
    help: str,
    row_names: list[str] | None = None,
    column_names: list[str] | None = None,
    column_width: int = COLUMN_WIDTH,
    max_side: int = MAX_SIDE,
) -> np.ndarray | str:
    """Show ``values`` for editing; return the edited grid, or why it is not a grid of numbers.

    Rows and columns are numbered from 1 unless named. Streamlit remembers edits per ``key``: give a
    new key (e.g. built from the preset and size) whenever the starting values change, so the table
    starts again from them.
    """
    columns = column_names or [str(c) for c in range(1, values.shape[1] + 1)]
    table = pd.DataFrame(to_cells(values), columns=columns, index=row_names or range(1, values.shape[0] + 1))
    st.space("small")  # room for the table's toolbar, which would otherwise cover the text above on hover
    edited = st.data_editor(
        table,
        key=key,
        num_rows="fixed",
        width="content",
        column_config={c: st.column_config.TextColumn(c, width=column_width, help=help) for c in columns},
        placeholder="",  # a cleared cell looks blank, not "None"
        alt=f"{what.capitalize()}: an editable table of numbers",
    )
    try:
        return parse_matrix(edited, what=what, max_side=max_side)
    except ValueError as err:
        return str(err)
