"""The playground's last steps, after pooling: flatten, dropout, dense and softmax.

Each function draws one step and hands on what the next step needs; the numbers come from
:mod:`crystal.playground.classify`, the starting weights from :data:`crystal.playground.presets.DENSE_PRESETS`.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from crystal.numbers import dims, format_number, share_text
from crystal.playground import classify, presets
from crystal.playground.matrix_input import MAX_SIDE
from ui import share
from ui.matrix_editor import matrix_editor
from ui.matrix_figures import heatmap

SEED_KEY = "dropout_seed"
RATE = share.number("rate", "dropout_rate", 0.0, 0.9, 0.5)
SETTINGS = [
    share.switch("dropout", "dropout_training", False),
    RATE,
    share.whole_number("mask", SEED_KEY, 0, 10**9, 0),
    share.choice("weights", "dense_preset", list(presets.DENSE_PRESETS)),
]
"""What a share link carries of the network's end (not typed weights: a table too large for a link)."""


def flatten_step(pooled: np.ndarray) -> np.ndarray:
    """The pooled grid laid out as one list, and where each entry came from."""
    st.header("4 · Flatten")
    vector = classify.flatten(pooled)
    st.markdown(
        f"The dense layer at the end of a CNN takes a plain list of numbers, not a grid. So the {dims(pooled.shape)} "
        f"pooled grid is read **row by row**, row 1 from left to right, then row 2, and so on, into a list of "
        f"**{vector.size}** numbers (Keras' `Flatten` layer reads a grid the same way). Nothing is computed: "
        "the numbers only change places."
    )
    entry = 1
    if vector.size > 1:
        entry = st.slider(
            "Show where this entry of the list came from", 1, vector.size, 1, key=f"flatten_entry_of_{vector.size}"
        )
    row, col = classify.cell_of(entry - 1, pooled.shape)
    left, right = st.columns([1, 2])
    with left:
        st.html(
            heatmap(
                pooled,
                title=f"Before flattening: {dims(pooled.shape)}",
                window=(slice(row - 1, row), slice(col - 1, col)),
            )
        )
    with right:
        st.html(
            heatmap(
                vector,
                title=f"Flattened: {vector.size} entries",
                column_names=[str(i) for i in range(1, vector.size + 1)],
                window=(slice(0, 1), slice(entry - 1, entry)),
            )
        )
    st.caption(
        f"Entry {entry} of the list is row {row}, column {col} of the grid. Hover over any cell to see its place."
    )
    return vector


def dropout_step(vector: np.ndarray) -> np.ndarray:
    """Dropout shown on the list; returns the list the dense layer gets (dropped out while training only)."""
    st.header("5 · Dropout (only while the network trains)")
    training = st.toggle(
        "Show the network while it trains (dropout on)",
        key="dropout_training",
        help="When the network answers, dropout is off and every entry passes unchanged.",
    )
    if not training:
        st.html(heatmap(vector, title="While answering: every entry passes unchanged", column_names=_numbers(vector)))
        st.markdown(
            "Dropout works only while the network **trains**: then a random share of the entries is switched off "
            "at every step, so the network cannot lean on any one of them. When it **answers** (a verdict on a new "
            "photo), as here, the list passes unchanged. Switch on *Show the network while it trains* to see it."
        )
        return vector
    rate_column, button_column = st.columns([3, 1], vertical_alignment="bottom")
    rate = RATE.widget(rate_column.slider, "Dropout rate: the chance that an entry is switched off", step=0.1)
    if button_column.button("New random mask", key="dropout_new", icon="🎲"):
        st.session_state[SEED_KEY] += 1
    seed = st.session_state[SEED_KEY]
    keep = classify.dropout_mask(vector.size, rate, seed)
    dropped = classify.dropout(vector, keep, rate)
    st.html(heatmap(dropped, title=f"While training, with mask #{seed}", greyed=~keep, column_names=_numbers(vector)))
    st.markdown(
        f"While the network **trains**, each entry is switched off with chance {rate:.0%}: this time "
        f"{int((~keep).sum())} of {vector.size} are (greyed, now 0), and the others are multiplied by "
        f"1 / (1 − {format_number(rate)}) = {format_number(1 / (1 - rate))}, so that the next layer gets on average "
        "what it gets without dropout. A new mask is drawn at every training step, so the network cannot lean on "
        "any one entry. When the network **answers** (a verdict on a new photo), dropout is off."
    )
    st.caption(f"The mask is drawn from seed {seed}, so the same seed always drops the same entries.")
    return dropped


def _numbers(vector: np.ndarray) -> list[str]:
    return [str(i) for i in range(1, vector.size + 1)]


def dense_step(vector: np.ndarray, shape: tuple[int, int]) -> np.ndarray | None:
    """Editable weights from the list to the two answers, and each answer's weighted sum written out."""
    st.header("6 · Dense (fully connected)")
    st.markdown(
        "Every entry of the list gets a **weight** for each answer; an answer's **score** is the sum of "
        "entry × weight over all entries, plus that answer's **bias**. Training a network means finding "
        "weights that give the right answer the highest score. Type your own, or start from a preset."
    )
    name = st.selectbox("Starting weights", list(presets.DENSE_PRESETS), key="dense_preset")
    preset = presets.DENSE_PRESETS[name]
    st.caption(preset.description)
    typed_key = f"dense_typed_{name}"
    typed = st.session_state.get(typed_key)
    weights, bias = presets.carried_weights(preset, shape, typed)
    if typed is not None and len(typed[0]) != vector.size:
        st.info(
            f"The list now has {vector.size} entries instead of {len(typed[0])}: the weights you typed are kept "
            f"for the first {min(vector.size, len(typed[0]))}, and new entries start from the preset's rule."
        )
    names = ["{} (row {}, col {})".format(i + 1, *classify.cell_of(i, shape)) for i in range(vector.size)]
    cells = matrix_editor(
        np.vstack([weights, bias]),
        key=f"dense_cells_{name}_{dims(shape)}_{vector.size}",
        what="weights table",
        help="A weight: negative numbers and fractions like 1/4 are fine.",
        max_side=MAX_SIDE**2,
        row_names=[*names, "bias"],
        column_names=list(presets.ANSWERS),
        column_width=110,
    )
    if isinstance(cells, str):
        st.error(cells)
        return None
    weights, bias = cells[:-1], cells[-1]
    st.session_state[typed_key] = (weights, bias)
    if st.button("Back to the preset's weights", key="dense_reset"):
        del st.session_state[typed_key]
        st.rerun()
    scores = classify.dense(vector, weights, bias)
    for answer, column, _score in zip(presets.ANSWERS, range(2), scores):
        st.markdown(f"Score for **{answer}**: each entry × its weight, plus the bias:")
        st.code(classify.dense_equation(vector, weights[:, column], bias[column]), language=None, wrap_lines=True)
    return scores


def softmax_step(scores: np.ndarray) -> None:
    """The two scores as chances that add up to 100 %."""
    st.header("7 · Softmax")
    chances = classify.softmax(scores)
    st.markdown(
        "Scores can be any numbers; **softmax** turns them into chances that add up to 100 %: take e to the "
        "power of each score (exp), which makes every one positive and the biggest stand out, then divide each "
        "by their sum."
    )
    st.code("\n".join(classify.softmax_equations(scores, list(presets.ANSWERS))), language=None)
    for answer, chance in zip(presets.ANSWERS, chances):
        st.progress(float(chance), text=f"**{answer}**: {share_text(chance)}")
