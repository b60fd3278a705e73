"""One way for every page to take an image: a shipped sample or an upload, as named bytes.

Pages decode the bytes with :func:`crystal.vision.images.load_rgb` through :func:`decode`, so an
upload and a sample follow the same path and fail with the same clear messages. Decoded photos are
kept server-wide by the file's digest, in a memory bounded in bytes (:data:`DECODED_BYTES`), so a
class on the same sample decodes it once and thirty large uploads cannot fill the server.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import streamlit as st

from crystal.memory import Recent
from crystal.vision.images import EXTENSIONS, MAX_PIXELS, SUPPORTED, ImageError, ImageWarning, load_rgb, photo_id
from crystal.vision.samples import Sample

# The crystal page puts an image here and switches page; the feature-map page shows it first,
# opened on the (layer, channel) under FOCUS_KEY when there is one.
HANDOFF_KEY = "image_for_feature_maps"
FOCUS_KEY = "focus_for_feature_maps"
DECODED_PHOTOS, DECODED_BYTES = 64, 1024 * 2**20
"""The decoded photos a server keeps for its visitors: at most 64, and at most 1 GB together."""
UPLOAD_HELP = f"{SUPPORTED}; 8 or 16 bit, colour or greyscale, up to {MAX_PIXELS // 1_000_000} megapixels."


@dataclass(frozen=True)
class NamedImage:
    """An image's bytes, the name a page shows, and its file name (what a CSV calls it)."""

    name: str
    data: bytes
    file_name: str = ""

    def __post_init__(self):
        if not self.file_name:
            object.__setattr__(self, "file_name", self.name)

    @cached_property
    def digest(self) -> str:
        """The bytes' id, hashed once: uploads run to tens of megabytes and a run asks several times."""
        return photo_id(self.data)


@dataclass(frozen=True)
class Decoded:
    """A decoded image (``rgb``), or why it could not be (``problem``), with anything worth saying
    about it (``notes``: a few pixels that are not numbers, say)."""

    rgb: np.ndarray | None
    problem: str | None = None
    notes: list[str] = field(default_factory=list)


@st.cache_resource
def _decoded() -> Recent[Decoded]:
    return Recent(DECODED_PHOTOS, max_bytes=DECODED_BYTES)


def decode(image: NamedImage) -> Decoded:
    """The image decoded, from the server's memory when a visitor has opened the same bytes before."""
    key = (image.digest, image.name)
    kept = _decoded().get(key)
    if kept is None:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ImageWarning)
            try:
                kept = Decoded(load_rgb(image.data, name=image.name))
            except ImageError as err:
                kept = Decoded(None, str(err))
        notes = [str(w.message) for w in caught if issubclass(w.category, ImageWarning)]
        kept = Decoded(kept.rgb, kept.problem, notes)
        _decoded().put(key, kept)
    return kept


def choose_images(
    samples: list[Sample], *, key: str, multiple: bool = False, default: int = 0, camera: bool = False
) -> list[NamedImage]:
    """Radio between samples, upload and (with ``camera``) a camera; returns the chosen images
    (empty when nothing is chosen yet)."""
    sources = ["Sample image", "Upload", *(["Camera"] if camera else [])]
    source = st.radio("Image source", sources, horizontal=True, key=f"{key}_source")
    if source == "Camera":
        shot = st.camera_input("Take a photo of the drop (a phone, or a camera on the microscope)", key=f"{key}_camera")
        if shot is None:
            return []
        return [NamedImage(f"camera photo {photo_id(shot.getvalue())[:6]}.jpg", shot.getvalue())]
    if source == "Upload":
        files = st.file_uploader(
            "Upload " + ("images" if multiple else "an image"),
            type=list(EXTENSIONS),
            accept_multiple_files=multiple,
            key=f"{key}_upload",
            help=UPLOAD_HELP,
        )
        files = files if multiple else [files]
        return [NamedImage(f.name, f.getvalue()) for f in files if f is not None]
    names = [s.name for s in samples]
    if multiple:
        st.session_state.setdefault(f"{key}_samples", names[default : default + 1])
        chosen = st.multiselect("Sample images", names, key=f"{key}_samples")
    else:
        st.session_state.setdefault(f"{key}_sample", names[default])
        chosen = [st.selectbox("Sample image", names, key=f"{key}_sample")]
    by_name = {s.name: s for s in samples}
    return [NamedImage(name, by_name[name].path.read_bytes(), by_name[name].path.name) for name in chosen]
