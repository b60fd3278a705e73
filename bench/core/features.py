"""Speed of the feature-map page: what one image and one layer view cost, against naive ways to do them.

Baselines, measured in the same run: 18 truncated VGG16 models each doing its own pass (instead of
one multi-output pass); pickling all maps on every rerun, as ``st.cache_data`` would (instead of
the in-memory cache); one plotly heatmap per channel (instead of one server-side mosaic).
Targets on a 2-core machine: all layers < 1 s warm, one grid < 150 ms, < 1 MB per layer view.
"""

from __future__ import annotations

import pickle
from collections.abc import Iterator

import numpy as np

from bench.core.timing import Measurement, median_seconds
from crystal.vision.backbone import build_vgg16, preprocess
from crystal.vision.images import load_rgb
from crystal.vision.layer_maps import LAYERS, FeatureExtractor, network_input, strongest_channels
from crystal.vision.render import layer_grid
from crystal.vision.samples import list_samples

GRID_LAYERS = ("block1_conv2", "block4_conv3", "block5_conv3")  # biggest maps, most channels, deepest


def run(repeats: int) -> Iterator[Measurement]:
    import keras

    rgb = load_rgb(list_samples("drop")[0].path)

    def cold_load() -> None:
        keras.backend.clear_session()  # else every build adds layers to one growing graph
        FeatureExtractor("hed")

    yield Measurement(
        "cold load: VGG16 + HED kernels", median_seconds(cold_load, repeats), "s", note="after TensorFlow's import"
    )

    extractor = FeatureExtractor("hed")
    x = preprocess(network_input(rgb), extractor.source)[None]
    vgg = build_vgg16(extractor.source)
    truncated = [keras.Model(vgg.input, vgg.get_layer(name).output) for name in LAYERS]

    def fresh_pass() -> None:
        extractor.cache_clear()
        extractor.maps(rgb)

    def naive_passes() -> None:
        for model in truncated:
            np.asarray(model(x, training=False))

    yield Measurement(
        "all 18 layers, one forward pass",
        median_seconds(fresh_pass, repeats),
        "s",
        baseline=median_seconds(naive_passes, repeats),
        note="baseline: 18 truncated models",
    )

    maps = extractor.maps(rgb)
    size = sum(array.nbytes for array in maps.values())
    cached = median_seconds(lambda: extractor.maps(rgb), repeats)
    pickled = median_seconds(lambda: pickle.loads(pickle.dumps(maps, protocol=5)), repeats)
    yield Measurement(
        "layer switch: maps from the in-memory cache",
        cached,
        "s",
        baseline=pickled,
        note=f"baseline: st.cache_data-style pickle round trip of {size / 2**20:.0f} MB",
    )

    for name in GRID_LAYERS:
        layer, order = maps[name], strongest_channels(maps[name])
        grid, fmt = layer_grid(layer, order)
        figures_time, figures_bytes = _plotly_per_channel(layer, repeats)
        yield Measurement(
            f"{name}: render the grid ({layer.shape[2]} maps, {fmt})",
            median_seconds(lambda: layer_grid(layer, order), repeats),
            "s",
            baseline=figures_time,
            note="baseline: one plotly heatmap figure's JSON per channel",
        )
        yield Measurement(
            f"{name}: bytes sent for the grid",
            len(grid),
            "bytes",
            baseline=figures_bytes,
            note="baseline: the same plotly JSON",
        )


def _plotly_per_channel(layer: np.ndarray, repeats: int) -> tuple[float, int]:
    """Time and size of the naive view: every channel as its own interactive heatmap."""
    import plotly.graph_objects as go

    def figures() -> list[str]:
        return [go.Figure(go.Heatmap(z=layer[..., c], colorscale="Viridis")).to_json() for c in range(layer.shape[2])]

    return median_seconds(figures, max(1, repeats // 3), warmup=0), sum(len(text) for text in figures())
