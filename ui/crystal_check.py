"""The crystal-check page's parts: one model per server, one prediction per photo, and the sections
that show a verdict.

The model is shared by every session (``st.cache_resource``); predictions are kept in one
server-wide memory, by the photo's bytes and the model, so changing the view, or another visitor
checking the same sample, costs no new pass. A prediction that has to be made goes through the
server's heavy-work queue (:mod:`ui.server.heavy_work`). Nothing a visitor uploads is written to disk.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import numpy as np
import streamlit as st

from crystal.labels import LABEL_TEXT
from crystal.memory import Recent
from crystal.model.predict import CrystalModel, Prediction, load_model
from crystal.model.store import ModelFileError
from crystal.model.verdict import headline, scale_region, tile_heat
from crystal.numbers import chance_text
from crystal.vision.render import outline, overlay, shrink_to_width, to_jpeg_bytes
from crystal.vision.samples import list_samples
from ui import share
from ui.image_input import NamedImage, decode
from ui.server import heavy_work
from ui.server.light_reruns import freeze_what_is_loaded

DISPLAY_WIDTH = 900
"""Widest image sent to the browser: the page column is narrower, so more pixels are wasted bytes."""
MAX_PHOTOS_PER_CHECK = 24
"""Photos one check takes at a time, so that one visitor's plate cannot hold the queue for minutes."""
KEPT_PREDICTIONS, KEPT_BYTES = 256, 256 * 2**20
"""Predictions kept in memory (about 0.3 MB each: small maps, and the drop as the model saw it)."""
SAMPLES = [sample.name for sample in list_samples("drop")]
VIEWS = {
    "Where it looked": "Grad-CAM: the yellower a part of the drop, the more it pushed the answer towards *crystal*; "
    "parts that did not matter show the photo, dimmed.",
    "Score per tile": "The model scores every small patch of the drop on its own; the yellower a patch, the more it "
    "looks like crystal to it. Outside the drop the photo stays dimmed: the model does not look there.",
    "The drop": "The green box is where the model found the drop: it judges only what lies inside the drop's "
    "outline. When it finds no drop, the box is the whole photo.",
}


SETTINGS = [
    share.several("samples", "crystal_samples", SAMPLES, SAMPLES[:1]),
    share.whole_number("look", "crystal_look", 0, MAX_PHOTOS_PER_CHECK - 1, 0),
    share.choice("view", "crystal_view", list(VIEWS)),
]
"""What a share link carries: the chosen samples, the one looked at closer, and the view of it
(never an upload or a camera photo: a visitor's photos stay theirs)."""


@st.cache_resource(show_spinner="Loading the crystal model (once per server) ...")
def model() -> CrystalModel | str:
    """The shipped model, or the message to show when it is missing or broken."""
    try:
        loaded = load_model()
    except ModelFileError as err:
        return str(err)
    freeze_what_is_loaded()
    return loaded


@st.cache_resource
def predictions() -> Recent[Prediction]:
    """The server's predictions, by (model, photo), shared by every session."""
    return Recent(KEPT_PREDICTIONS, max_bytes=KEPT_BYTES)


def predict(image: NamedImage, rgb: np.ndarray, crystal_model: CrystalModel) -> Prediction:
    """Verdict, tile map and Grad-CAM for one photo by ``crystal_model``: from memory when this
    model has judged these bytes before, otherwise made in turn through the heavy-work queue.
    Grad-CAM costs almost nothing on top of the verdict, so every photo gets one and looking closer
    at any checked photo needs no second pass."""
    key, status = (model_id(crystal_model), image.digest), st.empty()
    kept = predictions().get(key)
    if kept is None:
        with heavy_work.slot("a crystal check", status):
            kept = crystal_model.predict(rgb, explain=True)
        predictions().put(key, kept)
    return kept


def model_id(crystal_model: CrystalModel) -> str:
    """A short fingerprint of the model's numbers, so a retrained model never reuses old predictions."""
    weights = crystal_model.weights
    numbers = repr((weights.bias, weights.calibration)).encode()
    return hashlib.sha256(weights.kernel.tobytes() + numbers).hexdigest()[:16]


# --- the page's sections ------------------------------------------------------------------------------


def at_most_a_check(images: list[NamedImage]) -> list[NamedImage]:
    """The first :data:`MAX_PHOTOS_PER_CHECK` photos, saying so when there were more."""
    if len(images) > MAX_PHOTOS_PER_CHECK:
        st.warning(
            f"Only the first {MAX_PHOTOS_PER_CHECK} of your {len(images)} photos are checked at a time, so that the "
            "server stays quick for everyone: check the rest in another batch.",
            icon="✋",
        )
    return images[:MAX_PHOTOS_PER_CHECK]


def readable(images: list[NamedImage]) -> list[tuple[NamedImage, np.ndarray]]:
    """The photos that decode, each with its pixels; one message for those that do not, and any note
    about one that does."""
    out, refusals = [], []
    for image in images:
        decoded = decode(image)
        if decoded.problem:
            refusals.append(decoded.problem)
            continue
        for note in decoded.notes:
            st.warning(note, icon="⚠️")
        out.append((image, decoded.rgb))
    if refusals:
        st.error("Not checked:\n" + "\n".join(f"- {reason}" for reason in refusals), icon="🚫")
    return out


def check_all(items: list[tuple[NamedImage, np.ndarray]], crystal_model: CrystalModel) -> list[Prediction]:
    """Every photo's prediction, with a progress bar: a new photo takes a second or two."""
    bar = st.progress(0.0, text="Checking photos ...")
    out = []
    for done, (image, rgb) in enumerate(items, start=1):
        out.append(predict(image, rgb, crystal_model))
        bar.progress(done / len(items), text=f"Checked {done} of {len(items)} photos")
    bar.empty()
    return out


def verdict(
    detail: Prediction, crystal_model: CrystalModel, shipped_said: Prediction | None, teach: Callable[[], None]
) -> None:
    """The verdict in words a scientist reads first, its calibrated chance, and what it rests on."""
    words = headline(
        detail.label, detail.p_crystal, detail.sure, unfamiliar=detail.unfamiliar, drop_found=detail.drop.found
    )
    box = {"crystal": st.success, "clear": st.info, "caution": st.warning}[words.tone]
    box(f"### {words.title}\n{words.text}")
    st.progress(detail.p_crystal, text=f"Chance of crystal: **{chance_text(detail.p_crystal)}**")
    if words.tone == "caution":
        st.button("Teach it your lab's photos", icon="🎓", on_click=teach, help="Opens the teaching panel below")
    if shipped_said is not None:
        st.caption(
            f"This is your adapted model's verdict. The shipped model said **{LABEL_TEXT[shipped_said.label]}** "
            f"({chance_text(shipped_said.p_crystal)})."
        )
    st.caption(
        f"The model calls a photo *crystal* when this chance is at least {crystal_model.threshold:.0%}. The chance is "
        "calibrated on photos the model never saw, and it comes from the most crystal-like spots in the drop, so one "
        "clear crystal is enough."
        + (" The model found the drop (see *The drop*) and looked at nothing else." if detail.drop.found else "")
    )


def where_it_looked(detail: Prediction, rgb: np.ndarray, name: str) -> None:
    """The photo with Grad-CAM, the tile scores, or the drop's box over it, and a caption for each."""
    shown, factor = display_copy(rgb)
    view = st.segmented_control("Show", list(VIEWS), required=True, key="crystal_view") or list(VIEWS)[0]
    if view == "Where it looked":
        picture = overlay(shown, detail.gradcam_on(shown.shape[:2]))
    elif view == "Score per tile":
        picture = overlay(
            shown, tile_heat(detail.tile_scores, scale_region(detail.tile_region(), factor), shown.shape[:2])
        )
    else:
        picture = outline(shown, scale_region(detail.drop.box, factor))
    alt = (
        f"{name}, {view.lower()}: {VIEWS[view].split(':')[0]}"
        if view != "The drop"
        else f"{name}, with a box around the drop"
    )
    st.image(to_jpeg_bytes(picture), width="stretch", caption=f"{view}: the photo as checked", alt=alt)
    st.caption(VIEWS[view])


def display_copy(rgb: np.ndarray) -> tuple[np.ndarray, float]:
    """The copy the browser gets, at most ``DISPLAY_WIDTH`` wide, and the factor it was shrunk by."""
    small = shrink_to_width(rgb, DISPLAY_WIDTH)
    return small, small.shape[1] / rgb.shape[1]


def look_closer(readable: list[tuple[NamedImage, np.ndarray]]) -> int:
    """Which photo to look at closer (the first when there is one)."""
    if len(readable) < 2:
        return 0
    if st.session_state.crystal_look >= len(readable):
        st.session_state.crystal_look = 0
    return st.selectbox(
        "Look closer at", range(len(readable)), key="crystal_look", format_func=lambda i: readable[i][0].name
    )
