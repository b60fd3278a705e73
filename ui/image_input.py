"""One way for every page to take an image: a shipped sample or an upload, as named bytes.

Pages decode the bytes with :func:`crystal.vision.images.load_rgb` (through :func:`decode`, cached per
content), so an upload and a sample follow the same path and fail with the same clear messages.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import streamlit as st

from crystal.vision.images import EXTENSIONS, ImageError, load_rgb
from crystal.vision.samples import Sample

# The crystal page puts an image here and switches page; the feature-map page shows it first,
# opened on the (layer, channel) under FOCUS_KEY when there is one.
HANDOFF_KEY = "image_for_feature_maps"
FOCUS_KEY = "focus_for_feature_maps"


@dataclass(frozen=True)
class NamedImage:
    name: str
    data: bytes


@st.cache_data(max_entries=64, show_spinner=False)
def decode(data: bytes, name: str) -> np.ndarray | str:
    """RGB array, or the error message to show: a cached error is as cheap as a cached image."""
    try:
        return load_rgb(data, name=name)
    except ImageError as err:
        return str(err)


def choose_images(
    samples: list[Sample], *, key: str, multiple: bool = False, default: int = 0, camera: bool = False
) -> list[NamedImage]:
    """Radio between samples, upload and (with ``camera``) a camera; returns the chosen images
    (empty when nothing is chosen yet)."""
    sources = ["Sample image", "Upload", *(["Camera"] if camera else [])]
    source = st.radio("Image source", sources, horizontal=True, key=f"{key}_source")
    if source == "Camera":
        shot = st.camera_input("Take a photo of the drop (a phone, or a camera on the microscope)", key=f"{key}_camera")
        return (
            []
            if shot is None
            else [NamedImage(f"camera photo {hashlib.sha256(shot.getvalue()).hexdigest()[:6]}.jpg", shot.getvalue())]
        )
    if source == "Upload":
        files = st.file_uploader(
            "Upload " + ("images" if multiple else "an image"),
            type=list(EXTENSIONS),
            accept_multiple_files=multiple,
            key=f"{key}_upload",
            help="JPEG, PNG, BMP or TIFF; 8 or 16 bit, colour or greyscale, up to 40 megapixels.",
        )
        files = files if multiple else [files]
        return [NamedImage(f.name, f.getvalue()) for f in files if f is not None]
    names = [s.name for s in samples]
    if multiple:
        chosen = st.multiselect("Sample images", names, default=names[default : default + 1], key=f"{key}_samples")
    else:
        chosen = [st.selectbox("Sample image", names, index=default, key=f"{key}_sample")]
    by_name = {s.name: s for s in samples}
    return [NamedImage(name, by_name[name].path.read_bytes()) for name in chosen]
