"""Streamlit-side caching for the crystal-check page: one model per server, one prediction per photo.

The model is shared by every session (``st.cache_resource``); predictions are kept in one
server-wide memory, by the photo's bytes and the model, so changing the view, or another visitor
checking the same sample, costs no new pass. A prediction that has to be made goes through the
server's heavy-work queue (:mod:`ui.server.heavy_work`). Nothing a visitor uploads is written to disk.
"""

from __future__ import annotations

import hashlib

import numpy as np
import streamlit as st
from PIL import Image

from crystal.memory import Recent
from crystal.model.predict import CrystalModel, Prediction, load_model
from crystal.model.store import ModelFileError
from ui.server import heavy_work
from ui.server.light_reruns import freeze_what_is_loaded

DISPLAY_WIDTH = 900
"""Widest image sent to the browser: the page column is narrower, so more pixels are wasted bytes."""
MAX_PHOTOS_PER_CHECK = 24
"""Photos one check takes at a time, so that one visitor's plate cannot hold the queue for minutes."""
KEPT_PREDICTIONS = 128
"""Predictions kept in memory (about 0.2 MB each: small maps, and the drop as the model saw it)."""


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
    return Recent(KEPT_PREDICTIONS)


def predict(data: bytes, rgb: np.ndarray, crystal_model: CrystalModel) -> Prediction:
    """Verdict, tile map and Grad-CAM for one photo by ``crystal_model``: from memory when this
    model has judged these bytes before, otherwise made in turn through the heavy-work queue.
    Grad-CAM costs almost nothing on top of the verdict, so every photo gets one and looking closer
    at any checked photo needs no second pass."""
    key, status = (model_id(crystal_model), hashlib.sha256(data).hexdigest()), st.empty()
    kept = predictions().get(key)
    if kept is None:
        with heavy_work.slot("a crystal check", status):
            kept = crystal_model.predict(rgb, explain=True)
        predictions().put(key, kept)
    return kept


def model_id(crystal_model: CrystalModel) -> str:
    """A short fingerprint of the model's weights, so a retrained model never reuses old predictions."""
    return hashlib.sha256(
        crystal_model.weights.kernel.tobytes() + repr(crystal_model.weights.bias).encode()
    ).hexdigest()[:16]


def display_size(shape: tuple[int, ...]) -> tuple[int, int]:
    """(width, height) of the copy the browser gets: at most ``DISPLAY_WIDTH`` wide, same aspect."""
    height, width = shape[:2]
    factor = min(1.0, DISPLAY_WIDTH / width)
    return max(1, round(width * factor)), max(1, round(height * factor))


def display_copy(rgb: np.ndarray) -> tuple[np.ndarray, float]:
    """The photo shrunk to ``display_size``, and the factor it was shrunk by."""
    size = display_size(rgb.shape)
    if size[0] == rgb.shape[1]:
        return rgb, 1.0
    small = Image.fromarray(rgb).resize(size, Image.Resampling.LANCZOS)
    return np.asarray(small), size[0] / rgb.shape[1]
