"""Streamlit-side caching for the crystal-check page: one model per server, one prediction per photo.

The model is shared by every session (``st.cache_resource``); predictions are cached in memory by
the photo's bytes (``st.cache_data``), so changing the view, or another visitor checking the same
sample, costs no new pass. Nothing a visitor uploads is written to disk.
"""
from __future__ import annotations

import hashlib

import numpy as np
import streamlit as st
from PIL import Image

from crystal.model.predict import CrystalModel, Prediction, load_model
from crystal.model.store import ModelFileError

DISPLAY_WIDTH = 900
"""Widest image sent to the browser: the page column is narrower, so more pixels are wasted bytes."""


@st.cache_resource(show_spinner="Loading the crystal model (once per server) ...")
def model() -> CrystalModel | str:
    """The shipped model, or the message to show when it is missing or broken."""
    try:
        return load_model()
    except ModelFileError as err:
        return str(err)


def predict(data: bytes, rgb: np.ndarray, crystal_model: CrystalModel) -> Prediction:
    """Verdict, tile map and Grad-CAM for one photo by ``crystal_model``, cached by the photo's bytes
    and the model's :func:`model_id`."""
    return _predict(data, rgb, crystal_model, model_id(crystal_model))


@st.cache_data(max_entries=256, show_spinner=False)
def _predict(data: bytes, _rgb: np.ndarray, _model: CrystalModel, model_id: str) -> Prediction:
    """``_rgb`` is the decoded copy and ``_model`` the model ``model_id`` names: neither is hashed.
    Grad-CAM costs almost nothing on top of the verdict, so every photo gets one and looking closer
    at any checked photo needs no second pass; its maps are the model's own small grids, a few
    kilobytes per photo."""
    return _model.predict(_rgb, explain=True)


def model_id(crystal_model: CrystalModel) -> str:
    """A short fingerprint of the model's weights, so a retrained model never reuses old predictions."""
    return hashlib.sha256(crystal_model.weights.kernel.tobytes() + repr(crystal_model.weights.bias).encode()).hexdigest()[:16]


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

