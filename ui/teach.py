"""The crystal check's results and its teaching, on the page: the results table with a column for
the user's labels, photos sorted beforehand, the adapted model beside the shipped one, and its zip.

Everything lives in the visitor's ``st.session_state``: labelled photos (their pooled features, never
their pixels), the base model they teach and the adapted model. Another visitor, and the shipped
model, never see them. The re-fit itself is :func:`crystal.model.adapt.adapt`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import streamlit as st

from crystal.labels import LABEL_TEXT, LABELS
from crystal.model import card as cards
from crystal.model.adapt import LocalPhoto, adapt, changed_verdicts, split
from crystal.model.predict import CrystalModel, Prediction, Verdict
from crystal.model.store import ModelData, ModelFileError, model_zip, read_model
from crystal.model.verdict import SURE_WORDS, results_csv
from crystal.numbers import chance_text
from crystal.vision.images import EXTENSIONS, photo_id
from ui import crystal_check
from ui.image_input import NamedImage, decode
from ui.server import heavy_work

EXPLAINED = (
    "Every lab's imager, plates and idea of a crystal differ, so the model can learn from yours. Label a few of "
    "your photos in the results table (or upload photos you have already sorted, just below) and press *Adapt to "
    "my photos*: the model is re-fitted in seconds on its own training photos plus yours, and tells you how often "
    "it is right on your photos. The adapted model lives in this browser tab only: download it to carry on another "
    "day, and upload it here again."
)
NO_LABEL = "not labelled"
LABEL_CHOICES = [NO_LABEL, *(LABEL_TEXT[label] for label in LABELS)]
LABEL_BY_TEXT = {LABEL_TEXT[label]: label for label in LABELS}
PANEL_KEY = "crystal_teach_open"
"""The teaching panel's expander: its open state, which the 'Teach it your lab' button sets."""


@dataclass
class Teaching:
    """One visitor's teaching: the model taught (shipped, or the base of an uploaded one), their
    labelled photos by file hash, and the model in use when it is not the shipped one."""

    base: ModelData
    photos: dict[str, LocalPhoto] = field(default_factory=dict)
    model: CrystalModel | None = None
    loaded_zip: str | None = None


@dataclass(frozen=True)
class Checked:
    """One photo in the results: its names, file hash, and what a head needs to judge it."""

    name: str
    file_name: str
    sha: str
    pooled: np.ndarray
    appearance: np.ndarray
    drop_found: bool

    @classmethod
    def of(cls, image: NamedImage, prediction: Prediction) -> Checked:
        return cls(
            image.name, image.file_name, image.digest, prediction.pooled, prediction.appearance, prediction.drop.found
        )

    @classmethod
    def taught(cls, photo: LocalPhoto) -> Checked:
        return cls(photo.name, photo.name, photo.sha256, photo.rows.prediction_rows(0), photo.appearance, True)

    def judged_by(self, model: CrystalModel) -> Verdict:
        return model.judge(self.pooled, self.appearance, self.drop_found)


def teaching(shipped: CrystalModel) -> Teaching:
    """This visitor's teaching state, started from the shipped model on first use."""
    if "teaching" not in st.session_state:
        st.session_state.teaching = Teaching(shipped.data)
    return st.session_state.teaching


def open_the_panel() -> None:
    """A callback: open the teaching panel (on the next run)."""
    st.session_state[PANEL_KEY] = True


def with_taught_photos(state: Teaching, checked: list[Checked]) -> list[Checked]:
    """The checked photos, then the photos the visitor sorted beforehand that are not among them."""
    shown = {photo.sha for photo in checked}
    return [*checked, *(Checked.taught(p) for sha, p in state.photos.items() if sha not in shown)]


def results_table(state: Teaching, shipped: CrystalModel, photos: list[Checked]) -> None:
    """Every photo's verdict (the adapted model's beside the shipped one's, when there is one), a
    column for the user's own label, and the CSV of it all. The first five columns are the ones a
    phone shows without scrolling."""
    in_use = [photo.judged_by(state.model or shipped) for photo in photos]
    table = pd.DataFrame(
        {
            "Photo": [photo.name for photo in photos],
            "Verdict": [LABEL_TEXT[v.label] for v in in_use],
            "Chance": [chance_text(v.p_crystal) for v in in_use],
            "Unfamiliar": ["⚠️ yes" if v.unfamiliar else "no" for v in in_use],
            "Your label": [label_text(state, photo.sha) for photo in photos],
            "How sure": [SURE_WORDS[v.sure] for v in in_use],
        }
    )
    shipped_said = [photo.judged_by(shipped) for photo in photos] if state.model else []
    if shipped_said:
        table["Shipped model said"] = [f"{LABEL_TEXT[v.label]} ({chance_text(v.p_crystal)})" for v in shipped_said]
    key = "labels_" + photo_id(
        "\n".join([*(p.sha for p in photos), crystal_check.model_id(state.model or shipped)]).encode()
    )
    edited = st.data_editor(
        table,
        key=key[:20],
        hide_index=True,
        disabled=[c for c in table.columns if c != "Your label"],
        column_config={
            "Photo": st.column_config.TextColumn(width=64, help="The photo's name (its file name in the CSV)"),
            "Verdict": st.column_config.TextColumn(width=70),
            "Chance": st.column_config.TextColumn(width=54, help="Chance of a crystal, calibrated"),
            "Unfamiliar": st.column_config.TextColumn(width=76, help="Looks unlike the photos the model learned from"),
            "Your label": st.column_config.SelectboxColumn(
                width=92, options=LABEL_CHOICES, help="What you see in the photo: the model can learn from it (below)"
            ),
        },
    )
    for photo, text in zip(photos, edited["Your label"]):
        record_label(state, photo, LABEL_BY_TEXT.get(text or NO_LABEL))
    model_name = "adapted" if state.model else "shipped"
    rows = [
        (p.file_name, v.label, v.p_crystal, v.unfamiliar, v.sure, model_name, label_name(state, p.sha))
        for p, v in zip(photos, in_use)
    ]
    rows += [
        (p.file_name, v.label, v.p_crystal, v.unfamiliar, v.sure, "shipped", label_name(state, p.sha))
        for p, v in zip(photos, shipped_said)
    ]
    st.download_button(
        "Download results (CSV)", results_csv(rows), file_name="crystal_check.csv", mime="text/csv", icon="⬇️"
    )


def record_label(state: Teaching, photo: Checked, label: str | None) -> None:
    """Remember (or, with ``label`` None, forget) the user's label for a photo."""
    if label is None:
        state.photos.pop(photo.sha, None)
    elif photo.sha not in state.photos or state.photos[photo.sha].label != label:
        state.photos[photo.sha] = LocalPhoto.checked(photo.file_name, photo.sha, label, photo.pooled, photo.appearance)


def label_name(state: Teaching, sha: str) -> str:
    """The user's label of a photo (by file hash) as the CSV writes it ('' when not labelled)."""
    photo = state.photos.get(sha)
    return photo.label if photo else ""


def label_text(state: Teaching, sha: str) -> str:
    """The user's label of a photo (by file hash) as the table shows it (:data:`NO_LABEL` when not labelled)."""
    photo = state.photos.get(sha)
    return LABEL_TEXT[photo.label] if photo else NO_LABEL


def sorted_uploads(state: Teaching, shipped: CrystalModel) -> None:
    """Two upload boxes for photos already sorted into crystal / no crystal; each new photo is
    checked once (with progress), labelled by the box it came in, and shown in the results."""
    added = False
    for column, label in zip(st.columns(2), LABELS):
        files = column.file_uploader(
            f"Photos you have sorted as **{LABEL_TEXT[label].lower()}**",
            type=list(EXTENSIONS),
            accept_multiple_files=True,
            key=f"teach_{label}",
        )
        new = [NamedImage(f.name, f.getvalue()) for f in files or []]
        new = [image for image in new if label_name(state, image.digest) != label]
        if not new:
            continue
        bar = column.progress(0.0, text="Checking your photos ...")
        for done, image in enumerate(new, start=1):
            decoded = decode(image)
            if decoded.problem:
                column.error(decoded.problem, icon="🚫")
            else:
                prediction = crystal_check.predict(image, decoded.rgb, shipped)
                record_label(state, Checked.of(image, prediction), label)
                added = True
            bar.progress(done / len(new), text=f"Checked {done} of {len(new)} of your photos")
        bar.empty()
    if added:
        st.rerun()  # the results table above shows them


def adapt_button(state: Teaching) -> None:
    """'Adapt to my photos', what adapting changed on the user's photos, the download, and going back."""
    counts = {label: sum(p.label == label for p in state.photos.values()) for label in LABELS}
    st.markdown(f"**Your labelled photos:** {cards.with_and_without(counts)}.")
    left, right = st.columns(2)
    if left.button("Adapt to my photos", icon="🎓", disabled=not state.photos, type="primary"):
        spinner = st.spinner(f"Re-fitting the model with your {len(state.photos)} photos, and testing it on each ...")
        with heavy_work.slot("re-fitting the model"), spinner:
            state.model = CrystalModel(adapt(state.base, list(state.photos.values())).model)
        st.rerun()  # the table above shows the new verdicts
    if state.model is not None and right.button("Go back to the shipped model", icon="↩️"):
        del st.session_state.teaching
        st.rerun()
    if state.model is not None and state.model.card.adapted is not None:
        what_adapting_changed(state.model)
    if state.model is not None:
        st.download_button(
            "Download your adapted model (zip)",
            model_zip(state.model.data),
            file_name="crystal-model-adapted.zip",
            mime="application/zip",
            icon="⬇️",
        )


def what_adapting_changed(model: CrystalModel) -> None:
    """The adapted model's leave-one-out on the user's photos against the shipped model's verdicts
    on the same photos, as counts, and the photos whose verdict changed."""
    adapted = model.card.adapted
    mine, base = adapted.leave_one_out, adapted.base_model_on_the_same_photos
    st.markdown(
        f"**What adapting changed, on your {mine.n} photos.** The shipped model got **{base.correct} of {base.n}** "
        f"right. Each of your photos judged by a model adapted *without it* (so it cannot simply remember it): "
        f"**{mine.words()}** right. _A few photos give only a rough figure: the more you label, the surer._"
    )
    changed = changed_verdicts(adapted, model.threshold)
    if not changed:
        st.caption("No verdict on your photos changed: the adapted model agrees with the shipped one on each of them.")
        return
    st.markdown(f"**{len(changed)} verdict{'s' * (len(changed) != 1)} changed:**")
    st.dataframe(
        pd.DataFrame(
            {
                "Photo": [photo.photo for photo in changed],
                "Your label": [LABEL_TEXT[photo.label] for photo in changed],
                "Shipped model": [_verdict_text(photo.p_crystal_base, model) for photo in changed],
                "Adapted, without it": [_verdict_text(photo.p_crystal_held_out, model) for photo in changed],
            }
        ),
        hide_index=True,
    )


def _verdict_text(p_crystal: float, model: CrystalModel) -> str:
    return f"{LABEL_TEXT[model.label(p_crystal)]} ({chance_text(p_crystal)})"


def continue_from_zip(state: Teaching) -> None:
    """Upload a model downloaded earlier: the page continues from it; a bad file is refused and the
    model in use stays."""
    upload = st.file_uploader("Continue from a model you downloaded (zip)", type=["zip"], key="teach_zip")
    if upload is None or photo_id(upload.getvalue()) == state.loaded_zip:
        return
    try:
        model = read_model(upload.getvalue())
    except ModelFileError as err:
        st.error(f"{upload.name}: {err} The model in use stays.", icon="🚫")
        return
    base, local = split(model)
    st.session_state.teaching = Teaching(
        base, {photo.sha256: photo for photo in local}, CrystalModel(model), photo_id(upload.getvalue())
    )
    st.rerun()
