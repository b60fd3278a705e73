"""Crystals and look-alikes drawn into training photos: what makes a crystal, taught by example.

The 16 labelled photos show one kind of crystal: a large, thick, square block in a drop full of
skin. A head fitted on them alone learns that block and that skin, and calls the small prismatic
crystals in another imager's clear drops "no crystal, very sure". What makes a crystal a crystal
to a crystallographer is its shape: flat faces meeting in straight edges and sharp corners, at any
size and angle. So training also sees every photo

- with **crystals drawn in**: boxes of random proportions, size (3-30 % of the drop) and 3-D
  orientation, projected onto the photo, their faces a little darker or lighter than the drop and
  their outline dark, as transmitted light shows them; sometimes one, sometimes a cluster.
  Labelled *crystal*;
- with **look-alikes drawn in**: air bubbles (dark rings with bright centres) and fibres (long thin
  lines). They keep the photo's own label, so the head learns what sets a crystal apart rather than
  "something dark was added".

Both are drawn as transmitted light would show them, by multiplying the photo's brightness, into
the middle of the crop around the drop (:mod:`crystal.model.drop`), where drops and crystals are.

>>> rng = np.random.default_rng(0)
>>> drop = np.full((120, 160, 3), 200, np.uint8)
>>> with_crystals, with_bubbles = draw_crystals(drop, rng), draw_lookalikes(drop, rng)
>>> with_crystals.shape, with_crystals.dtype, bool(with_crystals.min() < 150), bool(with_crystals.max() <= 220)
((120, 160, 3), dtype('uint8'), True, True)
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw
from scipy import ndimage

SUPERSAMPLING = 3
"""Shapes are drawn at this many times the photo's resolution, then averaged down: smooth edges."""
CRYSTAL_SIZES = (0.04, 0.3)
CLUSTER_SIZES = (0.03, 0.08)
"""Sizes of a drawn crystal, as shares of the crop's long side (log-uniform); a cluster's are smaller."""
BUBBLE_RADII = (0.015, 0.12)
FIBRE_LENGTHS = (0.3, 0.9)
SPREAD = 0.35
"""Shapes are centred within this share of the crop's width and height around its middle."""
_BOX_FACES = ((0, 1, 3, 2), (4, 5, 7, 6), (0, 1, 5, 4), (2, 3, 7, 6), (0, 2, 6, 4), (1, 3, 7, 5))
_BOX_CORNERS = np.array([[x, y, z] for x in (-1, 1) for y in (-1, 1) for z in (-1, 1)], dtype=np.float64)


def draw_crystals(rgb: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The photo with one to four crystals, or a cluster of three to seven small ones, drawn in."""
    canvas = _Canvas(rgb.shape[:2])
    if rng.uniform() < 0.3:
        centre = canvas.random_point(rng)
        for _ in range(int(rng.integers(3, 8))):
            size = canvas.side * _log_uniform(rng, CLUSTER_SIZES)
            canvas.crystal(centre + rng.normal(size=2) * size, size, rng)
    else:
        for _ in range(int(rng.integers(1, 5))):
            canvas.crystal(canvas.random_point(rng), canvas.side * _log_uniform(rng, CRYSTAL_SIZES), rng)
    return canvas.apply(rgb, rng)


def draw_lookalikes(rgb: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The photo with air bubbles (six times in ten) or fibres drawn in: things that are not crystals."""
    canvas = _Canvas(rgb.shape[:2])
    if rng.uniform() < 0.6:
        for _ in range(int(rng.integers(1, 9))):
            canvas.bubble(canvas.random_point(rng), canvas.side * _log_uniform(rng, BUBBLE_RADII), rng)
    else:
        for _ in range(int(rng.integers(1, 4))):
            canvas.fibre(canvas.random_point(rng), canvas.side * rng.uniform(*FIBRE_LENGTHS), rng)
    return canvas.apply(rgb, rng)


def _log_uniform(rng: np.random.Generator, bounds: tuple[float, float]) -> float:
    return float(np.exp(rng.uniform(np.log(bounds[0]), np.log(bounds[1]))))


class _Canvas:
    """A transmission map (1 = light passes unchanged) drawn at :data:`SUPERSAMPLING` times the photo's size."""

    def __init__(self, shape: tuple[int, int]):
        self.height, self.width = shape
        self.side = max(shape)
        self.image = Image.new("F", (self.width * SUPERSAMPLING, self.height * SUPERSAMPLING), 1.0)
        self.pen = ImageDraw.Draw(self.image)

    def random_point(self, rng: np.random.Generator) -> np.ndarray:
        angle, radius = rng.uniform(0, 2 * np.pi), np.sqrt(rng.uniform()) * SPREAD
        return np.array(
            [
                self.width / 2 + np.cos(angle) * radius * self.width,
                self.height / 2 + np.sin(angle) * radius * self.height,
            ]
        )

    def _scaled(self, points: np.ndarray) -> list[tuple[float, float]]:
        return [(float(x) * SUPERSAMPLING, float(y) * SUPERSAMPLING) for x, y in points]

    def crystal(self, centre: np.ndarray, size: float, rng: np.random.Generator) -> None:
        """A box of random proportions turned at random in 3-D, seen from above: its visible faces
        shaded, their shared edges faint, its outline dark."""
        half_sides = np.array([1.0, rng.uniform(0.5, 1.0), rng.uniform(0.35, 1.0)]) * size / 2
        corners = (_BOX_CORNERS * half_sides) @ _random_rotation(rng).T
        faces = [corners[list(face)] for face in _BOX_FACES if _faces_viewer(corners[list(face)])]
        edge = max(1.0, rng.uniform(0.02, 0.08) * size) * SUPERSAMPLING
        darkness = rng.uniform(0.25, 0.65)
        for face in faces:
            self.pen.polygon(self._scaled(face[:, :2] + centre), fill=float(rng.uniform(0.7, 1.1)))
        for face in faces:
            outline = self._scaled(face[:, :2] + centre)
            shade = darkness + (1 - darkness) * rng.uniform(0.4, 0.9)
            self.pen.line(outline + outline[:1], fill=float(shade), width=max(1, round(edge * 0.4)))
        silhouette = self._scaled(_hull(np.concatenate(faces)[:, :2]) + centre)
        self.pen.line(silhouette + silhouette[:1], fill=float(darkness), width=round(edge), joint="curve")

    def bubble(self, centre: np.ndarray, radius: float, rng: np.random.Generator) -> None:
        """A dark ring of random thickness around a bright centre, as an air bubble refracts light."""
        inner = radius * (1 - rng.uniform(0.15, 0.45))
        for r, shade in ((radius, rng.uniform(0.15, 0.5)), (inner, rng.uniform(0.95, 1.2))):
            box = self._scaled(np.array([centre - r, centre + r]))
            self.pen.ellipse([*box[0], *box[1]], fill=float(shade))

    def fibre(self, centre: np.ndarray, length: float, rng: np.random.Generator) -> None:
        """A long, thin, gently bent dark line."""
        angle, bend = rng.uniform(0, np.pi), rng.normal() * 0.1 * length
        along = np.linspace(-0.5, 0.5, 12)
        direction, normal = np.array([np.cos(angle), np.sin(angle)]), np.array([-np.sin(angle), np.cos(angle)])
        points = centre + np.outer(along * length, direction) + np.outer(bend * (1 - 4 * along**2), normal)
        self.pen.line(
            self._scaled(points),
            fill=float(rng.uniform(0.4, 0.8)),
            width=max(1, round(rng.uniform(1, 4) * SUPERSAMPLING)),
        )

    def apply(self, rgb: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """The photo seen through the drawn shapes, softened by a slight random blur as optics would."""
        transmission = np.asarray(self.image.resize((self.width, self.height), Image.Resampling.BOX))
        transmission = ndimage.gaussian_filter(transmission, rng.uniform(0.3, 1.5))
        return np.clip(rgb.astype(np.float32) * transmission[..., None], 0, 255).astype(np.uint8)


def _random_rotation(rng: np.random.Generator) -> np.ndarray:
    """A rotation matrix drawn uniformly from all 3-D rotations (from a random unit quaternion)."""
    a, b, c, d = (q := rng.normal(size=4)) / np.linalg.norm(q)
    return np.array(
        [
            [a * a + b * b - c * c - d * d, 2 * (b * c - a * d), 2 * (b * d + a * c)],
            [2 * (b * c + a * d), a * a - b * b + c * c - d * d, 2 * (c * d - a * b)],
            [2 * (b * d - a * c), 2 * (c * d + a * b), a * a - b * b - c * c + d * d],
        ]
    )


def _faces_viewer(face: np.ndarray) -> bool:
    """Whether a box face (4 corners, box centred on the origin) is seen from above (+z)."""
    normal = np.cross(face[1] - face[0], face[2] - face[0])
    if np.dot(normal, face.mean(axis=0)) < 0:
        normal = -normal  # outward
    return bool(normal[2] > 0)


def _hull(points: np.ndarray) -> np.ndarray:
    from scipy.spatial import ConvexHull

    return points[ConvexHull(points).vertices]
