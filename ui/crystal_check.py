"""Streamlit-side caching for the crystal-check page: one model per server, one prediction per image.

The model is shared by every session (``st.cache_resource``); predictions are cached by the image
bytes, so changing the view, or another user checking the same sample, costs no new pass.
"""
from __future__ import annotations

import dataclasses
import hashlib
import io

import numpy as np
import streamlit as st
from PIL import Image

from crystal.classifier import CrystalClassifier, Prediction, load_classifier

DISPLAY_WIDTH = 900
"""Widest image sent to the browser: the page column is narrower, so more pixels are wasted bytes."""


@st.cache_resource(show_spinner="Loading the crystal model (once per server) ...")
def classifier() -> CrystalClassifier | str:
    """The shipped model, or the message to show when it is missing or broken."""
    try:
        return load_classifier()
    except (FileNotFoundError, ValueError) as err:
        return str(err)


@st.cache_data(max_entries=64, show_spinner=False)
def predict(data: bytes, _rgb: np.ndarray, model_id: str) -> Prediction:
    """Prediction with Grad-CAM for one image, keyed by its bytes (``_rgb`` is the decoded copy, not hashed).

    Grad-CAM costs almost nothing on top of the verdict, so every image gets one and looking
    closer at any checked image needs no second pass. The map comes back at display size: at the
    upload's full size a 40-megapixel image would keep 160 MB per cache entry for a picture the
    browser shows 900 pixels wide (at display size, 2.4 MB for a 4:3 photo).
    """
    prediction = classifier().predict(_rgb, explain=True)  # type: ignore[union-attr]
    small = Image.fromarray(prediction.gradcam.astype(np.float32)).resize(display_size(_rgb.shape), Image.Resampling.BILINEAR)
    return dataclasses.replace(prediction, gradcam=np.asarray(small))


def model_id(model: CrystalClassifier) -> str:
    """A short fingerprint of the model card, so a retrained model never reuses old predictions."""
    return hashlib.sha256(repr(sorted(model.card.items())).encode()).hexdigest()[:16]


def display_size(shape: tuple[int, ...]) -> tuple[int, int]:
    """(width, height) of the copy the browser gets: at most ``DISPLAY_WIDTH`` wide, same aspect."""
    height, width = shape[:2]
    factor = min(1.0, DISPLAY_WIDTH / width)
    return max(1, round(width * factor)), max(1, round(height * factor))


def display_copy(rgb: np.ndarray) -> tuple[np.ndarray, float]:
    """The image shrunk to ``display_size``, and the factor it was shrunk by."""
    size = display_size(rgb.shape)
    if size[0] == rgb.shape[1]:
        return rgb, 1.0
    small = Image.fromarray(rgb).resize(size, Image.Resampling.LANCZOS)
    return np.asarray(small), size[0] / rgb.shape[1]


def jpeg(rgb: np.ndarray) -> bytes:
    """JPEG bytes for ``st.image``: a tenth of the size of the PNG Streamlit would send for a photo."""
    out = io.BytesIO()
    Image.fromarray(rgb).save(out, format="JPEG", quality=88)
    return out.getvalue()
