"""The backbone and the features it gives each view of a photo: the expensive part, done once.

The backbone is Keras' VGG16 with the HED kernels (:mod:`crystal.vision.backbone`), frozen, up to
:data:`LAYER`: its last convolution before the fourth pooling sees about 100 pixels around each
cell, enough to take in a crystal's corner and edges, and the edge-tuned kernels are still general
there. A view's features are the head's own pooling of those maps (:func:`crystal.model.head.build_pooling`):
512 numbers, whatever the picture's size, which is all a head needs to be fitted, re-fitted or
judged again. :class:`FeatureCache` keeps them on disk by the photo file's hash.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from crystal.model.drop import Drop, find_drop
from crystal.model.views import View, render
from crystal.vision.backbone import build_vgg16, preprocess, source_by_key

SOURCE = "hed"
LAYER = "block4_conv3"
CELL = 16
"""Input pixels per feature cell: three poolings before :data:`LAYER` and the head's own."""
DEFAULT_CACHE_DIR = Path(__file__).resolve().parents[2] / ".cache" / "features"
_BACKBONE_LOCK = threading.Lock()
_backbone = None


def shared_backbone():
    """The frozen backbone, built once per process and shared by every model that uses it."""
    global _backbone
    with _BACKBONE_LOCK:
        if _backbone is None:
            import keras

            vgg = build_vgg16(SOURCE)
            _backbone = keras.Model(vgg.input, vgg.get_layer(LAYER).output, name="backbone")
        return _backbone


def network_input(grey: np.ndarray) -> np.ndarray:
    """A rendered view (grey uint8) -> (1, h, w, 3) float32, as VGG16 expects (grey in all 3 channels)."""
    rgb = np.repeat(np.asarray(grey)[..., None], 3, axis=2)
    return preprocess(rgb, source_by_key(SOURCE))[None]


class FeatureMaker:
    """Pooled features of any views of a photo, one backbone pass per view."""

    def __init__(self, backbone=None):
        from crystal.model.head import build_pooling

        self.backbone = backbone or shared_backbone()
        self.pooling = build_pooling()

    def maps(self, grey: np.ndarray) -> np.ndarray:
        """The backbone's (1, h/8, w/8, 512) maps of one rendered view."""
        return np.asarray(self.backbone.predict_on_batch(network_input(grey)), dtype=np.float32)

    def __call__(self, rgb: np.ndarray, views: Sequence[View], seed: str, drop: Drop | None = None) -> np.ndarray:
        """(len(views), 512) pooled features; ``seed`` (the photo's hash) fixes what drawn views draw."""
        drop = drop or find_drop(rgb)
        return np.stack(
            [np.asarray(self.pooling.predict_on_batch(self.maps(render(rgb, drop, view, seed))))[0] for view in views]
        )


def code_fingerprint() -> str:
    """A hash of the code that decides what a view's features are: a cache made by other code is not reused."""
    from crystal.model import drop, head, normalise, synthetic, views
    from crystal.vision import backbone

    digest = hashlib.sha256()
    for module in (backbone, drop, head, normalise, synthetic, views):
        digest.update(Path(module.__file__).read_bytes())
    digest.update(Path(__file__).read_bytes())
    return digest.hexdigest()[:16]


class FeatureCache:
    """Pooled features by photo-file hash and view name, in one ``.npz`` per photo.

    Kept under a folder named after :func:`code_fingerprint`, so changing how features are made
    starts a fresh cache instead of mixing old features with new ones. Only command-line tools
    use it: visitors' uploads are never written to disk.
    """

    def __init__(self, folder: Path | None = None):
        self.folder = Path(folder or DEFAULT_CACHE_DIR) / code_fingerprint()

    def get(self, sha256: str, views: Sequence[View]) -> np.ndarray | None:
        path = self.folder / f"{sha256}.npz"
        if not path.is_file():
            return None
        try:
            with np.load(path, allow_pickle=False) as stored:
                by_name = dict(zip(stored["views"].tolist(), stored["features"]))
        except (OSError, ValueError, KeyError):
            return None  # a damaged cache file is recomputed
        if not all(view.name in by_name for view in views):
            return None
        return np.stack([by_name[view.name] for view in views])

    def put(self, sha256: str, views: Sequence[View], features: np.ndarray) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        partial = self.folder / f"{sha256}.partial.npz"
        np.savez(partial, views=np.array([view.name for view in views]), features=np.asarray(features, np.float32))
        partial.replace(self.folder / f"{sha256}.npz")
