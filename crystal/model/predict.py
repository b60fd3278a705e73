"""Does this drop hold a crystal? One verdict, the maps that explain it, from one backbone pass.

The pipeline, top-down:

1. :func:`~crystal.model.drop.find_drop` finds the drop (or keeps the whole frame);
2. :func:`~crystal.model.views.render` turns it into each of the
   :data:`~crystal.model.views.PREDICTION_VIEWS`: grey, normalised, the drop's long side at 448
   pixels, blanked outside the drop, upright and half-turned;
3. the backbone gives each view's ``block4_conv3`` maps, and the head (:mod:`~crystal.model.head`)
   pools them into 512 features, scores each cell and makes Grad-CAM; the half-turned view's maps
   are turned back and averaged with the upright one's;
4. the verdict is the head's arithmetic on the pooled features (:class:`~crystal.model.weights.HeadWeights`:
   the views' log-odds averaged, then calibrated), the sureness its wording rule
   (:func:`~crystal.model.verdict.sureness`).

The maps are kept at the model's own resolution; :meth:`Prediction.gradcam_on` and
:meth:`Prediction.tile_region` place them over the photo at whatever size it is shown.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

from crystal.labels import LABELS
from crystal.model.drop import Drop, find_drop
from crystal.model.familiarity import Familiarity, appearance
from crystal.model.features import CELL, FeatureMaker, shared_backbone
from crystal.model.normalise import working_shape
from crystal.model.store import ModelData
from crystal.model.verdict import sureness
from crystal.model.views import AS_TAKEN, PREDICTION_VIEWS, View, render
from crystal.model.weights import strongest

MAP_STEP = CELL // 2  # working pixels per Grad-CAM value: block4_conv3 comes before the head's pooling
SHOWN_FEATURES = 3
"""How many of the features that pushed a verdict most (each way) keep their maps, for the page."""


@dataclass(frozen=True)
class Prediction:
    """A verdict and where it came from; the maps cover the drop's box as the model saw it."""

    p_crystal: float  # calibrated
    label: str  # "crystal" or "no_crystal"
    sure: str  # "very", "fairly" or "not" (crystal.model.verdict.sureness)
    log_odds: float  # the head's score, before calibration
    pooled: np.ndarray  # (views, 512): the head's inputs for each of PREDICTION_VIEWS
    appearance: np.ndarray  # how the photo looks as taken (crystal.model.familiarity)
    unfamiliar: bool  # it looks unlike every photo the model learned from
    drop: Drop
    working: tuple[int, int]  # (height, width) of the drop's box as the model saw it
    tile_scores: np.ndarray  # (rows, cols) in [0, 1], one per 16x16 working pixels
    gradcam: np.ndarray | None  # (rows, cols) in [0, 1], one per 8x8 working pixels
    view: np.ndarray  # the upright view as the backbone got it: grey uint8, the drop AS_TAKEN.long_side across
    feature_maps: dict[int, np.ndarray]  # block4_conv3 channel -> its map of `view`, for the strongest features

    def covered(self, grid: tuple[int, int], step: int) -> tuple[float, float, float, float]:
        """(top, left, bottom, right) in photo pixels that a grid of ``step`` working pixels a value
        covers: the backbone's poolings drop the odd last row or column, so it stops short of the box."""
        top, left, bottom, right = self.drop.box
        scale_y, scale_x = (bottom - top) / self.working[0], (right - left) / self.working[1]
        return (
            top,
            left,
            top + min(grid[0] * step, self.working[0]) * scale_y,
            left + min(grid[1] * step, self.working[1]) * scale_x,
        )

    def tile_region(self) -> tuple[int, int, int, int]:
        return tuple(round(v) for v in self.covered(self.tile_scores.shape, CELL))  # type: ignore[return-value]

    def gradcam_on(self, shape: tuple[int, int]) -> np.ndarray:
        """Grad-CAM laid smoothly over the part of a (height, width) picture of the photo it covers; 0 elsewhere."""
        if self.gradcam is None:
            raise ValueError("This prediction was made without Grad-CAM (explain=False).")
        return _place(self.gradcam, self.covered(self.gradcam.shape, MAP_STEP), self.drop.frame, shape)


@dataclass(frozen=True)
class Verdict:
    """What a model says about a photo, from its pooled features and appearance alone."""

    p_crystal: float
    label: str
    unfamiliar: bool
    sure: str


class CrystalModel:
    """A crystal model ready to judge photos: the shared backbone, this model's head, and its
    :class:`~crystal.model.store.ModelData` (card, training features, training photos' appearance)."""

    def __init__(self, data: ModelData):
        from crystal.model.head import Explainer, build_crystal_model

        self.data, self.weights, self.card = data, data.weights, data.card
        self.threshold = data.card.threshold
        self.familiarity = Familiarity.fit(data.appearance)
        self.backbone = shared_backbone()
        self.maps = FeatureMaker(self.backbone).maps
        self.network = build_crystal_model(self.backbone, data.weights)
        self.explain = Explainer(self.network)

    def label(self, p_crystal: float) -> str:
        return LABELS[0] if p_crystal >= self.threshold else LABELS[1]

    def judge(self, pooled: np.ndarray, description: np.ndarray, drop_found: bool = True) -> Verdict:
        """The verdict on a photo another model has checked: its pooled features and appearance
        (a :class:`Prediction`'s) are all the head needs, so no backbone pass is made."""
        p, unfamiliar = self.weights.p_crystal(pooled), self.familiarity.unfamiliar(description)
        return Verdict(p, self.label(p), unfamiliar, self.sureness(p, unfamiliar, drop_found))

    def sureness(self, p_crystal: float, unfamiliar: bool, drop_found: bool) -> str:
        return sureness(p_crystal, self.threshold, unfamiliar=unfamiliar, drop_found=drop_found)

    def predict(self, rgb: np.ndarray, *, explain: bool = True) -> Prediction:
        """Judge one RGB uint8 photo; ``explain`` adds Grad-CAM (the head's gradients only: cheap)."""
        drop = find_drop(rgb)
        views, upright = [], None
        for view in PREDICTION_VIEWS:
            picture = render(rgb, drop, view)
            maps = self.maps(picture)
            if view == AS_TAKEN:  # the view the maps are drawn from
                upright = (picture, maps)
            views.append((view, self.explain(maps, gradcam=explain)))
        pooled = np.stack([explanation.pooled for _, explanation in views])
        towards, away = strongest(self.weights.contributions(pooled), SHOWN_FEATURES)
        log_odds = self.weights.score(pooled)  # the head's arithmetic in NumPy, as every other chance is made
        p = float(self.weights.calibration.chance(log_odds))
        box, description = drop.box, appearance(rgb, drop)
        unfamiliar = self.familiarity.unfamiliar(description)
        return Prediction(
            p_crystal=p,
            label=self.label(p),
            sure=self.sureness(p, unfamiliar, drop.found),
            log_odds=log_odds,
            pooled=pooled,
            appearance=description,
            unfamiliar=unfamiliar,
            drop=drop,
            working=working_shape(box[2] - box[0], box[3] - box[1], AS_TAKEN.long_side),
            tile_scores=_upright_mean([(view, e.cell_scores) for view, e in views]),
            gradcam=_upright_mean([(view, e.gradcam) for view, e in views]) if explain else None,
            view=upright[0],
            feature_maps={c: upright[1][0, :, :, c] for c in towards + away},
        )


def _upright_mean(grids: list[tuple[View, np.ndarray]]) -> np.ndarray:
    """The views' maps turned back upright and averaged (half-turns keep a grid's shape; a map value
    or so may be lost at the far edge where a side is no multiple of a cell)."""
    upright = [turn_back(grid, view) for view, grid in grids]
    rows, cols = min(g.shape[0] for g in upright), min(g.shape[1] for g in upright)
    return np.mean([g[:rows, :cols] for g in upright], axis=0).astype(np.float32)


def turn_back(grid: np.ndarray, view: View) -> np.ndarray:
    """A map of a turned view turned back to the photo's upright frame (quarter turns and mirrors only)."""
    if view.angle % 90:
        raise ValueError(f"{view.name}: only quarter turns can be turned back exactly")
    upright = np.rot90(grid, -int(view.angle // 90) % 4)
    return np.ascontiguousarray(upright[:, ::-1] if view.mirrored else upright)


def _place(
    grid: np.ndarray, covered: tuple[float, float, float, float], frame: tuple[int, int], shape: tuple[int, int]
) -> np.ndarray:
    """A (height, width) picture, 0 outside ``covered`` (photo pixels of a ``frame``-sized photo), with
    ``grid`` stretched bilinearly over it."""
    height, width = shape
    factor_y, factor_x = height / frame[0], width / frame[1]
    top, left = round(covered[0] * factor_y), round(covered[1] * factor_x)
    bottom, right = max(top + 1, round(covered[2] * factor_y)), max(left + 1, round(covered[3] * factor_x))
    placed = np.zeros(shape, np.float32)
    stretched = Image.fromarray(np.asarray(grid, np.float32), mode="F").resize(
        (right - left, bottom - top), Image.Resampling.BILINEAR
    )
    placed[top:bottom, left:right] = np.clip(np.asarray(stretched), 0.0, 1.0)[: height - top, : width - left]
    return placed


def load_model(source=None) -> CrystalModel:
    """The model in a folder, a zip of one, or a zip's bytes (default: the shipped model)."""
    from crystal.model.store import DEFAULT_MODEL_DIR, read_model

    return CrystalModel(read_model(DEFAULT_MODEL_DIR if source is None else source))
