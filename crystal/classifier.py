"""Does this drop hold a crystal? Prediction, the maps that explain it, and the model card.

The pipeline, top-down:

1. :func:`crystal.normalise.normalise` turns any RGB image into the same kind of grey picture
   (fixed long side, local contrast), so another lab's camera looks like ours; this is done at
   each of :data:`crystal.drop_features.LONG_SIDES`;
2. the frozen HED VGG16 up to ``block4_conv3`` turns each into a grid of 512-feature cells;
3. :class:`crystal.head.CrystalHead` takes each feature's strongest responses anywhere in the frame
   and turns those 512 numbers into crystal log-odds, averaged over four flipped/turned copies of
   the image at each size; applied cell by cell at the first size, it gives the tile map;
4. Grad-CAM (keras.io recipe) shows which parts of ``block4_conv3`` pushed that probability up.

The head and the model card are read from ``models/``; the backbone comes with the package.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np
from PIL import Image

from crystal.augment import SHAPE_KEEPING, dihedral
from crystal.drop_features import (CELL, LONG_SIDES, build_extractor, cell_features, conv_maps, pool_cells,
                                   prediction_pooled, shape_keeping_copies)
from crystal.head import TOP_K, CrystalHead, top_k_pool
from crystal.normalise import normalise

DEFAULT_MODEL_DIR = Path(__file__).resolve().parents[1] / "models"
HEAD_FILE = "crystal_head.npz"
CARD_FILE = "model_card.json"
LABELS = ("crystal", "no_crystal")
TRAIN_HINT = "Train one with: python -m crystal.train samples/drops --out models/"


@dataclass(frozen=True)
class Prediction:
    p_crystal: float
    label: str
    gradcam: np.ndarray | None
    tile_scores: np.ndarray
    region: tuple[int, int, int, int]  # (top, left, bottom, right) input pixels the tile grid covers


class CrystalClassifier:
    """The shipped head on the frozen backbone; build one with :func:`load_classifier`."""

    def __init__(self, head: CrystalHead, card: dict, threshold: float | None = None):
        self.head = head
        self.card = card
        self.threshold = float(card.get("threshold", 0.5) if threshold is None else threshold)
        self.long_sides = tuple(int(side) for side in card.get("input", {}).get("long_sides", LONG_SIDES))
        self._extractor = build_extractor()

    def predict(self, rgb: np.ndarray, *, explain: bool = True) -> Prediction:
        """Score one RGB uint8 image; ``explain`` adds Grad-CAM (gradients of the head only: cheap).

        The verdict averages four copies of the image (as is, half-turned, mirrored, upside down) at
        each long side the head was trained on, so it does not hinge on which way round the plate
        sat in the imager, and less on how tightly it was framed. The maps come from the first,
        finest size.
        """
        grey = normalise(rgb, self.long_sides[0])
        copies = shape_keeping_copies(grey)
        if explain:
            maps, gradients = self._maps_and_gradients(copies)
            cells, gradcam = pool_cells(maps), _to_input_size(grad_cam(maps, gradients), grey.shape, rgb.shape[:2])
        else:
            cells, gradcam = cell_features(self._extractor, copies), None
        pooled = np.concatenate([top_k_pool(cells), prediction_pooled(self._extractor, rgb, self.long_sides[1:])])
        p = self.head.pooled_probability(pooled)
        return Prediction(
            p_crystal=p,
            label=LABELS[0] if p >= self.threshold else LABELS[1],
            gradcam=gradcam,
            tile_scores=self.head.cell_scores(cells[0]),  # the upright copy: its cells line up with the input
            region=covered_region(cells.shape[1:3], grey.shape, rgb.shape[:2]),
        )

    def predict_many(self, images: Sequence[np.ndarray], *, explain: bool = False) -> list[Prediction]:
        """Score several images with the one loaded backbone."""
        return [self.predict(rgb, explain=explain) for rgb in images]

    def _maps_and_gradients(self, copies: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """block4_conv3 maps of the copies and the gradient of the image's crystal log-odds (the mean
        over copies) with respect to them: both (copies, h, w, 512).

        The log-odds depend on the maps only through the head, so the tape watches the finished maps
        instead of recording the network: the same gradients as keras.io's recipe, at almost no cost.
        The other sizes' copies add log-odds that do not depend on these maps; leaving them out
        only scales the gradients, which Grad-CAM's normalisation removes.
        """
        import tensorflow as tf

        maps = tf.constant(conv_maps(self._extractor, copies))
        with tf.GradientTape() as tape:
            tape.watch(maps)
            cells = tf.nn.max_pool2d(maps, ksize=2, strides=2, padding="VALID")  # as pool_cells
            flat = tf.transpose(tf.reshape(cells, (len(copies), -1, cells.shape[-1])), (0, 2, 1))
            pooled = tf.reduce_mean(tf.math.top_k(flat, k=min(TOP_K, flat.shape[-1])).values, axis=-1)
            logit = tf.reduce_mean(tf.tensordot((pooled - self.head.mean) / self.head.scale, self.head.weights, 1))
        return maps.numpy(), tape.gradient(logit, maps).numpy()


def covered_region(cells: tuple[int, int], working: tuple[int, int], size: tuple[int, int]) -> tuple[int, int, int, int]:
    """(top, left, bottom, right) of the input that a grid of ``cells`` covers.

    VGG's poolings drop an odd last row or column, so when a working side is no multiple of
    :data:`CELL` the grid stops short of the bottom or right edge; drawing it over the whole
    image would stretch every tile and misplace the map by up to a cell.

    >>> covered_region((29, 40), (470, 640), (735, 1000))  # 29 cells cover 464 of 470 working rows
    (0, 0, 726, 1000)
    """
    return 0, 0, round(cells[0] * CELL * size[0] / working[0]), round(cells[1] * CELL * size[1] / working[1])


def grad_cam(maps: np.ndarray, gradients: np.ndarray) -> np.ndarray:
    """keras.io's Grad-CAM over the shape-keeping copies of one image: per copy, weight each channel
    by its mean gradient and sum; turn each copy's map back (these turns are their own inverses),
    average, ReLU, scale to [0, 1]. Where a side is no multiple of 8 pixels, copies may sit up to
    one map value apart."""
    weights = gradients.mean(axis=(1, 2))  # (copies, channels)
    heat = np.mean([dihedral(m @ w, k) for m, w, k in zip(maps, weights, SHAPE_KEEPING)], axis=0)
    heat = np.maximum(heat, 0.0)
    return (heat / heat.max() if heat.max() > 0 else heat).astype(np.float32)


def _to_input_size(heat: np.ndarray, working: tuple[int, int], size: tuple[int, int]) -> np.ndarray:
    """Stretch a conv-grid map over the working pixels it covers, then over the input image."""
    step = CELL // 2  # block4_conv3 is 8 working pixels per value
    covered = Image.fromarray(heat, mode="F").resize((heat.shape[1] * step, heat.shape[0] * step),
                                                      Image.Resampling.BILINEAR)  # fmt: skip
    full = np.zeros(working, np.float32)
    full[: covered.height, : covered.width] = np.asarray(covered)[: working[0], : working[1]]
    stretched = Image.fromarray(full, mode="F").resize((size[1], size[0]), Image.Resampling.BILINEAR)
    return np.clip(np.asarray(stretched, dtype=np.float32), 0.0, 1.0)


def load_classifier(model_dir: Path = DEFAULT_MODEL_DIR) -> CrystalClassifier:
    """The trained head and its card from ``model_dir``; a clear error says how to train one."""
    model_dir = Path(model_dir)
    head_path, card_path = model_dir / HEAD_FILE, model_dir / CARD_FILE
    for path in (head_path, card_path):
        if not path.is_file():
            raise FileNotFoundError(f"No trained crystal model: {path} is missing. {TRAIN_HINT}")
    try:
        card = json.loads(card_path.read_text(encoding="utf-8"))
        head = CrystalHead.load(head_path)
    except (OSError, ValueError, KeyError) as err:
        raise ValueError(f"The crystal model in {model_dir} is damaged ({err}). {TRAIN_HINT}") from None
    if not isinstance(card, dict) or head.weights.ndim != 1 or head.weights.shape != head.mean.shape:
        raise ValueError(f"The crystal model in {model_dir} is damaged (unexpected contents). {TRAIN_HINT}")
    return CrystalClassifier(head, card)


def describe_card(card: dict) -> str:
    """The model card in plain words, as markdown, for someone who is not an ML specialist."""
    data, loo = card.get("data", {}), card.get("evaluation", {})
    counts = data.get("counts", {})
    lines = [
        f"**How it was trained.** {card.get('method', {}).get('summary', '')}",
        "",
        f"**On what.** {sum(counts.values())} labelled photos of drops ({counts.get('crystal', 0)} with crystals, "
        f"{counts.get('no_crystal', 0)} without), all from {data.get('source', 'one lab')}.",
    ]
    if loo:
        confusion = loo["confusion"]["matrix"]
        lines += [
            "",
            "**How it was tested.** Leave-one-out: each photo was judged by a model trained on the other "
            f"{loo['n'] - 1}, which never saw it. It judged **{loo['correct']} of {loo['n']}** correctly: "
            f"{confusion[0][0]} of {sum(confusion[0])} drops with crystals were found "
            f"(recall {loo['recall']['crystal']:.0%}), and {confusion[1][1]} of {sum(confusion[1])} drops without "
            f"crystals were called clear (recall {loo['recall']['no_crystal']:.0%}).",
        ]
    robustness = card.get("robustness")
    if robustness:
        worst = max(robustness["changes"], key=lambda row: row["flips"])
        lowest = min(robustness["changes"], key=lambda row: row["correct"])
        lines += [
            "",
            f"**Other cameras.** To guess how it copes with other labs' images, each photo was altered in "
            f"{len(robustness['changes'])} ways (smaller resolution, colour casts, blur, JPEG, rotation, cropping, "
            f"a rainbow tint...). At worst, {worst['flips']} of {robustness['n']} verdicts changed "
            f"({worst['change']}); the lowest leave-one-out score under a change was {lowest['correct']} of "
            f"{robustness['n']} ({lowest['change']}).",
            "",
            "| change | verdicts changed | correct (leave-one-out) |",
            "|---|---|---|",
            *(f"| {row['change']} | {row['flips']} of {robustness['n']} | {row['correct']} of {robustness['n']} |"
              for row in robustness["changes"]),
        ]  # fmt: skip
    limits = card.get("limits", [])
    if limits:
        lines += ["", "**Limits.**", *(f"- {limit}" for limit in limits)]
    return "\n".join(lines)
