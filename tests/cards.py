"""A small model card for tests that need one but test something else."""

from dataclasses import replace

from crystal.model.calibration import Scores
from crystal.model.card import (
    Backbone,
    CalibrationEntry,
    Data,
    FamiliarityEntry,
    Method,
    ModelCard,
    Settings,
    TrainingPhoto,
    evaluate,
)


def a_card(photos: int = 4, c: float = 1.0, **fields) -> ModelCard:
    """A card for ``photos`` training photos (half of them crystal), with ``fields`` replaced."""
    labels = ["crystal"] * (photos // 2) + ["no_crystal"] * (photos - photos // 2)
    card = ModelCard(
        created="2026-12-05",
        threshold=0.5,
        settings=Settings(Backbone("VGG16 kernels from HED", "hed.h5", "block4_conv3"), 10, 448, ["upright"], c, [c]),
        method=Method("It looks.", "views", "a fit", "Picked on these photos.", 1.0),
        data=Data(
            ["samples/drops"],
            "one lab",
            {"crystal": photos // 2, "no_crystal": photos - photos // 2},
            [TrainingPhoto(f"p{i}.jpg", "samples/drops", label, f"{i:064x}") for i, label in enumerate(labels)],
        ),
        evaluation=evaluate(
            [1.0] * (photos // 2) + [0.0] * (photos - photos // 2), [1] * (photos // 2) + [0] * (photos - photos // 2)
        ),
        calibration=CalibrationEntry("Platt scaling.", 1.0, 0.0, Scores(photos, 0.1, 0.3), Scores(photos, 0.12, 0.35)),
        unfamiliar=FamiliarityEntry("nearest neighbour", 1.0, photos, 0),
        limits=["Few photos."],
    )
    return replace(card, **fields)
