"""Every VGG16 layer's feature maps for one image, from one forward pass, plus facts about each layer.

A page that lets people flick through 18 layers must not run the network 18 times, nor even once
per click: :class:`FeatureExtractor` wraps VGG16 in a single Keras model with all 13 convolution
and 5 pooling outputs, and keeps the last few images' results keyed by a hash of the pixels the
network saw. :func:`layer_facts` answers "how big, how many weights, how much of the picture does
one value see" by arithmetic on VGG16's published architecture, so it needs no model at all.

>>> facts = layer_facts("block2_conv1")
>>> facts.output_shape, facts.params, facts.receptive_field
((112, 112, 128), 73856, 10)
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
from PIL import Image

from crystal.memory import MemoryInfo, Recent
from crystal.vision.backbone import CONV_LAYERS, WeightsSource, build_vgg16, preprocess, source_by_key

INPUT_SIZE = 224  # the size VGG16 was trained at; its receptive fields are tuned to it
_BLOCK_FILTERS = (64, 128, 256, 512, 512)
LAYERS: tuple[str, ...] = tuple(
    name
    for block in range(1, 6)
    for name in (*(c for c in CONV_LAYERS if c.startswith(f"block{block}_")), f"block{block}_pool")
)

_BLOCK_NOTES = {
    1: "Filters this shallow look at a few pixels at a time: they light up on edges at one angle, on one "
    "colour against another, or on fine grain.",
    2: "Built from the edges of block 1: corners, short curves, stripes and simple textures.",
    3: "Textures and small motifs: grids, dots, speckle, the rim of a drop or the border of a crystal.",
    4: "Larger shapes made of those textures; on photos, parts of objects such as an eye or a handle.",
    5: "Each value now sees most of the picture: whole shapes and outlines, where in the image the big "
    "structures are rather than what the small details look like.",
}
_POOL_NOTE = (
    "Pooling learns nothing: it keeps the strongest value in each 2×2 window, so the maps get half as wide "
    "and half as tall, keep their channels, and stop caring about a shift of a pixel or two."
)


@dataclass(frozen=True)
class LayerFacts:
    """What a page shows next to a layer's maps; sizes assume the 224×224 network input."""

    name: str
    kind: str  # "convolution" or "max pooling"
    output_shape: tuple[int, int, int]
    params: int
    receptive_field: int  # side in input pixels of the square one output value depends on
    jump: int  # input pixels between neighbouring output values (the layer's total stride)
    note: str


def layer_facts(name: str, input_size: int = INPUT_SIZE) -> LayerFacts:
    """Shape, parameter count and receptive field of ``name``, walked layer by layer from the input.

    Every conv is 3×3 with stride 1 and 'same' padding; every pool is 2×2 with stride 2. A 3×3 conv
    widens the receptive field by 2 steps of the current jump, a 2×2 pool by 1 step, then doubles
    the jump: the standard recurrence r += (k - 1)·j, j *= s.
    """
    if name not in LAYERS:
        raise ValueError(f"VGG16 has no layer {name!r}; choose one of {', '.join(LAYERS)}.")
    size, channels, field, jump = input_size, 3, 1, 1
    for layer in LAYERS:
        block = int(layer[5])
        if layer.endswith("_pool"):
            kind, params = "max pooling", 0
            field, jump, size = field + jump, jump * 2, size // 2
        else:
            filters = _BLOCK_FILTERS[block - 1]
            kind, params = "convolution", 3 * 3 * channels * filters + filters
            field, channels = field + 2 * jump, filters
        if layer == name:
            note = _BLOCK_NOTES[block] if params else f"{_POOL_NOTE} It passes on block {block}: {_BLOCK_NOTES[block]}"
            return LayerFacts(name, kind, (size, size, channels), params, field, jump, note)
    raise AssertionError("unreachable: name is in LAYERS")


def network_input(rgb: np.ndarray, size: int = INPUT_SIZE) -> np.ndarray:
    """Centre-crop to a square, then resize to ``size``×``size``: the pixels VGG16 actually sees.

    Cropping keeps shapes undistorted (a round drop stays round, which matters for filters that
    learned real-world proportions) at the price of the borders of wide or tall pictures; squashing
    the whole image instead would keep the borders but bend every shape.
    """
    rgb = np.asarray(rgb)
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
        raise ValueError(f"Expected an RGB uint8 image of shape (H, W, 3), got {rgb.dtype} {rgb.shape}.")
    height, width = rgb.shape[:2]
    side = min(height, width)
    top, left = (height - side) // 2, (width - side) // 2
    square = rgb[top : top + side, left : left + side]
    if side == size:
        return np.ascontiguousarray(square)
    return np.asarray(Image.fromarray(square).resize((size, size), Image.Resampling.LANCZOS, reducing_gap=3.0))


def strongest_channels(maps: np.ndarray) -> np.ndarray:
    """Channel indices of ``maps`` (H, W, C), highest mean activation first; ties keep index order.

    The mean says how much of the picture a filter found its pattern in, and how strongly, which is
    a fair first guess at which filters "care" about this image.
    """
    means = np.asarray(maps, dtype=np.float64).mean(axis=(0, 1))
    return np.argsort(-means, kind="stable")


def filters_of(layer: str) -> str:
    """The convolution layer whose filters make ``layer``'s channels: the layer itself, or for a pooling
    layer the convolution just before it (pooling learns nothing and keeps every channel).

    >>> filters_of("block3_pool"), filters_of("block2_conv1")
    ('block3_conv3', 'block2_conv1')
    """
    if layer not in LAYERS:
        raise ValueError(f"VGG16 has no layer {layer!r}; choose one of {', '.join(LAYERS)}.")
    return layer if "_conv" in layer else LAYERS[LAYERS.index(layer) - 1]


_PLACES = (("top left", "top", "top right"), ("left", "centre", "right"), ("bottom left", "bottom", "bottom right"))


def where_it_responds(channel: np.ndarray) -> str:
    """Where one feature map (H, W) responds, in words a screen reader can say in place of the picture:
    the ninth of the picture holding its strongest value, and how much of the picture responds at
    half that strength or more.

    >>> strip = np.zeros((10, 10), np.float32)
    >>> strip[0, 7:] = 2.0
    >>> where_it_responds(strip)
    'strongest at the top right; at half that or more on 3 % of the picture'
    >>> where_it_responds(np.zeros((4, 4)))
    'no response anywhere'
    """
    channel = np.asarray(channel, dtype=np.float32)
    peak = float(channel.max())
    if not peak > 0:
        return "no response anywhere"
    row, column = np.unravel_index(int(channel.argmax()), channel.shape)
    place = _PLACES[row * 3 // channel.shape[0]][column * 3 // channel.shape[1]]
    percent = 100 * float((channel >= peak / 2).mean())
    share = "under 1" if percent < 1 else f"{percent:.0f}"
    return f"strongest at the {place}; at half that or more on {share} % of the picture"


class FeatureExtractor:
    """VGG16 with one output per conv and pool layer, remembering the last ``cache_size`` images.

    Each image's maps for all 18 layers take about 60 MB as float32, so only a handful are kept;
    they live here, in memory, rather than in ``st.cache_data``, which would pickle and copy them on
    every rerun. Returned arrays are read-only because they are shared between callers.
    """

    def __init__(self, source: WeightsSource | str = "hed", cache_size: int = 3):
        import keras

        self.source = source_by_key(source) if isinstance(source, str) else source
        self.vgg16 = vgg = build_vgg16(self.source)  # the plain model too: crystal.vision.filters climbs its layers
        self._model = keras.Model(vgg.input, [vgg.get_layer(name).output for name in LAYERS], name="vgg16_all_layers")
        self._recent: Recent[dict[str, np.ndarray]] = Recent(cache_size)  # shared by Streamlit's session threads

    def has(self, rgb: np.ndarray) -> bool:
        """Whether this image's maps are remembered (so :meth:`maps` makes no forward pass)."""
        return _key(network_input(rgb)) in self._recent

    def maps(self, rgb: np.ndarray) -> dict[str, np.ndarray]:
        """``{layer name: (H, W, C) float32}`` for all :data:`LAYERS`, in order, from one forward pass."""
        image = network_input(rgb)
        key = _key(image)
        if (kept := self._recent.get(key)) is not None:
            return kept
        outputs = self._model(preprocess(image, self.source)[None], training=False)
        result = {name: np.asarray(output[0]) for name, output in zip(LAYERS, outputs)}
        for array in result.values():
            array.setflags(write=False)
        self._recent.put(key, result)
        return result

    def cache_info(self) -> MemoryInfo:
        """Hits and misses of the maps' memory: misses are forward passes actually run."""
        return self._recent.info()

    def cache_clear(self) -> None:
        self._recent.clear()


def _key(image: np.ndarray) -> str:
    return hashlib.sha256(image.tobytes()).hexdigest()
