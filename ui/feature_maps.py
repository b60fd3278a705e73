"""Streamlit-side helpers for the feature-map page: a cached VGG16 per weights source, and the pictures.

The model is built once per server and weights source (``st.cache_resource``); the maps of the last
few images live inside it (see :class:`crystal.vision.layer_maps.FeatureExtractor`) rather than in
``st.cache_data``, which would pickle 60 MB per image on every rerun. What goes to the browser
is shrunk first, so a layer view stays well under a megabyte.

The pictures made from an image and its maps are kept server-wide in ``st.cache_data``, keyed by
the image's digest (``digest``: the SHA-256 of its file) and the view's settings, so a class looking
at the same sample draws each view once, and a layer switch costs the server little. The arrays
they are made from are passed as ``_``-parameters, which Streamlit does not hash: the digest and
the weights source already name them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from crystal.vision import render
from crystal.vision.layer_maps import FeatureExtractor, network_input, strongest_channels, where_it_responds
from ui.server import heavy_work
from ui.server.light_reruns import freeze_what_is_loaded

HEATMAP_SIDE = 112
"""Largest map side sent as interactive heatmap: 224×224 hover values would be ~1 MB of JSON."""
PREVIEW_WIDTH = 448


@st.cache_resource(show_spinner="Loading VGG16 (once per server) ...")
def extractor(source_key: str) -> FeatureExtractor:
    built = FeatureExtractor(source_key)
    freeze_what_is_loaded()
    return built


def maps_of(source_key: str, seen: np.ndarray) -> dict[str, np.ndarray]:
    """Every layer's maps of the network input ``seen``: from the extractor's memory when it has
    them, otherwise from one backbone pass through the server's heavy-work queue (its place shows
    in an element made every run: see :func:`ui.server.heavy_work.slot`)."""
    vgg16, queue_status = extractor(source_key), st.empty()
    if vgg16.has(seen):
        return vgg16.maps(seen)
    spinner = st.spinner("Running VGG16 through all 18 layers (once per image) ...")
    with spinner, heavy_work.slot("VGG16's feature maps", queue_status):
        return vgg16.maps(seen)


@st.cache_data(max_entries=32, show_spinner=False)
def shown_image(digest: str, _rgb: np.ndarray) -> tuple[bytes, np.ndarray]:
    """``(preview JPEG, the 224×224 network input)`` of the image whose file has this digest."""
    return preview(_rgb), network_input(_rgb)


@st.cache_data(max_entries=32, show_spinner=False)
def layer_summaries(source_key: str, digest: str, _maps: dict[str, np.ndarray]) -> tuple[list[bytes], list[str]]:
    """:func:`crystal.vision.render.layer_summaries` of the image's maps, as PNGs, and what each shows
    in words (its text alternative)."""
    pictures = [render.to_png_bytes(picture) for picture in render.layer_summaries(_maps)]
    words = [
        f"{layer}, the average of its {maps.shape[2]} feature maps ({maps.shape[0]}×{maps.shape[1]}): "
        + where_it_responds(maps.mean(axis=2))
        for layer, maps in _maps.items()
    ]
    return pictures, words


@dataclass(frozen=True)
class LayerView:
    """One layer's grid as the page shows it, and the channels' standing on this image."""

    order: list[int]  # the channels in the grid's order (strongest first, or by number)
    strongest: list[int]  # the channels from the highest average response down (ties by number)
    means: list[float]  # each channel's average response over the whole picture, by channel number
    grid: bytes  # the numbered mosaic of the first ``shown`` channels of ``order``
    grid_format: str  # "PNG" or "JPEG"


@st.cache_data(max_entries=128, show_spinner=False)
def layer_view(
    source_key: str,
    digest: str,
    layer: str,
    strongest_first: bool,
    shown: int,
    shared_scale: bool,
    _layer_maps: np.ndarray,
) -> LayerView:
    """The :class:`LayerView` of ``shown`` channels of a layer's maps, in the chosen order."""
    strongest = [int(c) for c in strongest_channels(_layer_maps)]
    order = strongest if strongest_first else list(range(_layer_maps.shape[2]))
    means = [float(m) for m in _layer_maps.mean(axis=(0, 1), dtype=np.float64)]
    grid, grid_format = render.layer_grid(_layer_maps, order[:shown], shared_scale)
    return LayerView(order, strongest, means, grid, grid_format)


@st.cache_data(max_entries=128, show_spinner=False)
def channel_overlay_jpeg(
    source_key: str, digest: str, layer: str, channel: int, _seen: np.ndarray, _channel_map: np.ndarray
) -> bytes:
    """The channel laid over the 224×224 network input (:func:`crystal.vision.render.overlay_peak`), as a JPEG."""
    return render.to_jpeg_bytes(render.overlay_peak(_seen, _channel_map))


def heatmap_figure(channel: np.ndarray, title: str) -> go.Figure:
    """One channel as a plotly heatmap with hover values, in the mosaic's colours.

    Maps wider than :data:`HEATMAP_SIDE` are averaged over 2×2 (or larger) blocks; the axes keep
    the layer's own pixel numbers so hover positions still match the layer.
    """
    factor = -(-channel.shape[0] // HEATMAP_SIDE)  # ceiling division
    shown = render.resize_maps(channel[None], HEATMAP_SIDE)[0] if factor > 1 else channel
    steps = np.arange(shown.shape[0]) * factor
    figure = go.Figure(
        go.Heatmap(
            z=np.round(shown, 2),
            x=steps,
            y=steps,
            colorscale="Viridis",
            colorbar={"title": {"text": "response"}},
            hovertemplate="row %{y}, column %{x}<br>response %{z:.2f}<extra></extra>",
        )
    )
    figure.update_layout(title=title, height=430, margin={"l": 10, "r": 10, "t": 40, "b": 10})
    figure.update_yaxes(autorange="reversed", scaleanchor="x", constrain="domain")
    figure.update_xaxes(constrain="domain")
    return figure


def preview(rgb: np.ndarray) -> bytes:
    """A JPEG small enough to send: a 40-megapixel upload is shown, never shipped, at full size."""
    return render.to_jpeg_bytes(render.shrink_to_width(rgb, PREVIEW_WIDTH))
