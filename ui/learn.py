"""Streamlit side of the kernel-learning page: the visitor's training run, its controls and pictures.

The run (:class:`crystal.learn.network.Run`) lives in the visitor's ``st.session_state``; it is
small (about 2,000 weights and 600 tiny pictures), and a training step takes milliseconds, so it
runs in the visitor's own session and never waits for the crystal check's heavy work.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st
from PIL import Image

from crystal.learn.data import CLASSES, SIDE, a_shape
from crystal.learn.describe import describe
from crystal.learn.network import BATCH, MAX_EPOCHS, Point, Run
from crystal.numbers import dims, share_text
from crystal.playground import classify
from crystal.vision.render import colorize, to_png_bytes
from ui import site
from ui.conv_inputs import KERNEL, LEARNED_KEY
from ui.drawing_pad import drawn_grid
from ui.matrix_figures import heatmap

RUN_KEY, PLAYING_KEY, SHOWN_KEY = "learn_run", "learn_playing", "learn_shown"


def current_run(seed: int) -> Run:
    """The visitor's run for ``seed``; a new seed starts a new run from random kernels."""
    run = st.session_state.get(RUN_KEY)
    if run is None or run.seed != seed:
        with st.spinner("Making the pictures and a network with random kernels ..."):
            run = st.session_state[RUN_KEY] = Run(seed)
        st.session_state[PLAYING_KEY] = False
        st.session_state.pop(SHOWN_KEY, None)
    return run


def reset() -> None:
    """Forget the run: the next :func:`current_run` starts again from random kernels."""
    for key in (RUN_KEY, SHOWN_KEY):
        st.session_state.pop(key, None)
    st.session_state[PLAYING_KEY] = False


def examples(run: Run, per_class: int = 12) -> None:
    """A dozen training pictures of each class, side by side."""
    pictures, labels = run.train
    for label, name in enumerate(CLASSES):
        chosen = pictures[labels == label][:per_class, ..., 0]
        strip = np.concatenate([np.pad(1 - p, 1, constant_values=1) for p in chosen], axis=1)
        st.image(
            to_png_bytes(_grey(strip, scale=3)),
            caption=f"{name}: {int((labels == label).sum())} pictures to learn from",
            alt=f"{len(chosen)} training pictures of {a_shape(name)}, side by side",
        )


def add_drawing(run: Run) -> None:
    """The drawing pad: the learner's own picture joined to a class of their choice."""
    left, right = st.columns([1, 1])
    with left:
        grid = drawn_grid("learn_add_canvas", SIDE)
    with right:
        label = st.radio("This drawing is", CLASSES, horizontal=True, key="learn_add_label")
        if st.button("Add it to the training pictures", key="learn_add", disabled=grid is None):
            run.add(grid, CLASSES.index(label))
            st.success(f"Added to the {label} pictures: the network learns from it at its next epochs.")


def train_controls(run: Run) -> None:
    """One step, one epoch, Play/Pause; Play trains an epoch per tick until paused or done."""
    playing = st.session_state.get(PLAYING_KEY, False)
    columns = st.columns(4)
    if columns[0].button("One step", key="learn_step", disabled=run.finished, help=f"One batch of {BATCH} pictures"):
        run.step()
    if columns[1].button("One epoch", key="learn_epoch", disabled=run.finished, help="Every training picture once"):
        run.run_epoch()
    if playing:
        columns[2].button("⏸ Pause", key="learn_pause", on_click=_set_playing, args=(False,))
    else:
        columns[2].button(
            "▶ Play",
            key="learn_play",
            on_click=_set_playing,
            args=(True,),
            disabled=run.finished,
            help=f"Train epoch after epoch, up to {MAX_EPOCHS}",
        )


def _set_playing(on: bool) -> None:
    st.session_state[PLAYING_KEY] = on


def progress(run: Run, latest: Point, history: list[Point]) -> None:
    """Where the run stands, and the loss and held-out accuracy so far, all at one moment of it
    (``history`` starts with the untrained network)."""
    st.markdown(
        f"**Epoch {latest.epoch:.1f}** ({latest.steps} steps): loss {latest.loss:.3f}, right on "
        f"**{100 * latest.accuracy:.0f} %** of the {len(run.test[1])} held-out pictures "
        f"(chance: {100 / len(CLASSES):.0f} %)."
    )
    if len(history) < 2:
        st.info(
            "The chart of the loss and the accuracy starts with the first training step: press One step, One "
            "epoch or Play.",
            icon="📈",
        )
        return
    chart = pd.DataFrame(
        {
            "epoch": [p.epoch for p in history],
            "loss (training pictures)": [p.loss for p in history],
            "right on held-out pictures": [p.accuracy for p in history],
        }
    ).set_index("epoch")
    st.line_chart(
        chart,
        height=220,
        x_label="epoch",
        y_label="loss / share right",
        alt=f"Chart of the loss falling from {history[0].loss:.2f} to {latest.loss:.2f} and the share of "
        f"held-out pictures right going from {history[0].accuracy:.0%} to {latest.accuracy:.0%} over "
        f"{latest.epoch:.1f} epochs",
    )


def kernels(run: Run, latest: Point, learned: np.ndarray) -> None:
    """The kernels as grids of numbers, what each responds to, and a way into the playground. A
    kernel sent there is the one on the visitor's screen when they clicked, named with its epoch,
    even if Play has trained on since."""
    seen = st.session_state.get(SHOWN_KEY, (latest.epoch, learned))
    for index, (column, kernel) in enumerate(zip(st.columns(len(learned)), learned), start=1):
        with column:
            st.html(heatmap(kernel, title=f"Kernel {index}"))
            st.caption(
                f"Responds to {describe(kernel)}." if latest.steps else "Random numbers: it has learned nothing yet."
            )
            if st.button("Use in the playground", key=f"learn_use_{index}"):
                epoch, shown = seen
                name = f"Learned kernel {index} (tiny CNN, seed {run.seed}, epoch {epoch:.1f})"
                st.session_state.setdefault(LEARNED_KEY, {})[name] = shown[index - 1].copy()
                st.session_state[KERNEL.key] = name
                st.switch_page(site.PLAYGROUND.path)
    st.session_state[SHOWN_KEY] = (latest.epoch, learned)


def feature_maps(run: Run, picture: np.ndarray) -> None:
    """What each kernel makes of one picture (after ReLU), as pictures."""
    _row_of_maps(
        run.look(picture).maps,
        caption="Kernel {}'s map",
        alt="Kernel {}'s feature map of the picture: bright where it responds",
    )


def _row_of_maps(maps: np.ndarray, caption: str, alt: str) -> None:
    """One picture per kernel's map, side by side; ``caption`` and ``alt`` get the kernel's number."""
    for index, (column, grid) in enumerate(zip(st.columns(len(maps)), maps), start=1):
        column.image(to_png_bytes(_heat(grid)), caption=caption.format(index), width="stretch", alt=alt.format(index))


def verdict(run: Run, picture: np.ndarray) -> None:
    """The trained network's answer for a picture, step by step to softmax."""
    look = run.look(picture)
    size = dims(look.pooled.shape[1:])
    _row_of_maps(
        look.pooled,
        caption=f"Kernel {{}}, pooled {size}",
        alt=f"Kernel {{}}'s map of your drawing after 2×2 max pooling, {size} values",
    )
    st.markdown(
        f"The {look.pooled.size} pooled numbers are flattened and weighed by the dense layer into one score "
        "per shape; softmax turns the scores into chances:"
    )
    st.code("\n".join(classify.softmax_equations(look.scores, list(CLASSES))), language=None)
    for name, chance in zip(CLASSES, look.chances):
        st.progress(float(chance), text=f"**{name}**: {share_text(chance)}")


def drawn_picture() -> np.ndarray | None:
    """A picture the learner draws to test the network (28x28, 1 is ink), or None before they draw."""
    return drawn_grid("learn_test_canvas", SIDE)


def picture_png(ink: np.ndarray) -> bytes:
    """A 28x28 picture (1 is ink) as a PNG, black ink on white, enlarged with sharp pixels."""
    return to_png_bytes(_grey(1 - ink, scale=4))


def _grey(ink: np.ndarray, scale: int) -> np.ndarray:
    """A [0, 1] picture (1 is white here) as RGB, enlarged ``scale`` times with sharp pixels."""
    grey = np.round(np.clip(ink, 0, 1) * 255).astype(np.uint8)
    big = Image.fromarray(grey).resize((grey.shape[1] * scale, grey.shape[0] * scale), Image.Resampling.NEAREST)
    return np.asarray(big.convert("RGB"))


def _heat(values: np.ndarray, size: int = 156) -> np.ndarray:
    coloured = colorize(values, "viridis")
    return np.asarray(Image.fromarray(coloured).resize((size, size), Image.Resampling.NEAREST))
