"""Teaching the crystal check a lab's own photos, on the page: the results table with a column for
the user's labels, the adapted model, and its zip.

Everything lives in the visitor's ``st.session_state``: labelled photos (their pooled features, never
their pixels), the base model they teach and the adapted model. Another visitor, and the shipped
model, never see them. The re-fit itself is :func:`crystal.model.adapt.adapt`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import pandas as pd
import streamlit as st

from crystal.model.adapt import LocalPhoto, adapt, split
from crystal.model.card import figure
from crystal.model.dataset import LABELS
from crystal.model.predict import CrystalModel, Prediction
from crystal.model.store import ModelData, ModelFileError, model_zip, read_model
from crystal.model.verdict import VERDICT_TEXT, confidence_words, results_csv
from crystal.vision.images import EXTENSIONS
from ui import crystal_check
from ui.image_input import NamedImage, decode
from ui.server import heavy_work

EXPLAINED = (
    "Every lab's imager, plates and idea of a crystal differ, so the model can learn from yours. "
    "Label a few of your photos in the table (or upload photos you have already sorted) and press "
    "*Adapt to my photos*: the model is re-fitted in seconds on its own training photos plus yours, "
    "and tells you how often it is right on your photos. The adapted model lives in this browser tab "
    "only; download it to carry on another day, or to use it with `python -m crystal predict --model`."
)
NO_LABEL = "not labelled"
LABEL_CHOICES = [NO_LABEL, *(VERDICT_TEXT[label] for label in LABELS)]
LABEL_BY_TEXT = {VERDICT_TEXT[label]: label for label in LABELS}


@dataclass
class Teaching:
    """One visitor's teaching: the model taught (shipped, or the base of an uploaded one), their
    labelled photos by file hash, and the model in use when it is not the shipped one."""

    base: ModelData
    photos: dict[str, LocalPhoto] = field(default_factory=dict)
    model: CrystalModel | None = None
    loaded_zip: str | None = None


def teaching(shipped: CrystalModel) -> Teaching:
    """This visitor's teaching state, started from the shipped model on first use."""
    if "teaching" not in st.session_state:
        st.session_state.teaching = Teaching(shipped.data)
    return st.session_state.teaching


def photo_id(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def record_label(state: Teaching, name: str, sha: str, prediction: Prediction, label: str | None) -> None:
    """Remember (or, with ``label`` None, forget) the user's label for a checked photo (its file hash ``sha``)."""
    if label is None:
        state.photos.pop(sha, None)
    elif sha not in state.photos or state.photos[sha].label != label:
        state.photos[sha] = LocalPhoto.checked(name, sha, label, prediction.pooled, prediction.appearance)


def results_table(state: Teaching, shipped: CrystalModel, images: list[NamedImage], checked: list[Prediction]) -> None:
    """Every photo's verdict (the adapted model's beside the shipped one's, when there is one), a
    column for the user's own label, and the CSV of it all. ``checked`` are the shipped model's."""
    adapted = [state.model.judge(p.pooled, p.appearance) for p in checked] if state.model else None
    in_use = adapted or checked
    table = pd.DataFrame(
        {
            "Image": [image.name for image in images],
            "Verdict": [VERDICT_TEXT[v.label] for v in in_use],
            "Chance of crystal": [v.p_crystal for v in in_use],
            "How sure": [confidence_words(v.p_crystal, shipped.threshold) for v in in_use],
            "Unfamiliar": ["⚠️ yes" if v.unfamiliar else "" for v in in_use],
        }
    )
    if adapted:
        table["Shipped model said"] = [f"{VERDICT_TEXT[p.label]} ({p.p_crystal:.0%})" for p in checked]
    shas = [photo_id(image.data) for image in images]
    table["Your label"] = [label_text(state, sha) for sha in shas]
    key = "labels_" + photo_id("\n".join([*shas, crystal_check.model_id(state.model or shipped)]).encode())[:12]
    edited = st.data_editor(
        table,
        key=key,
        hide_index=True,
        disabled=[c for c in table.columns if c != "Your label"],
        column_config={
            "Chance of crystal": st.column_config.ProgressColumn(format="percent", min_value=0.0, max_value=1.0),
            "Your label": st.column_config.SelectboxColumn(
                options=LABEL_CHOICES, help="What you see in the photo: the model can learn from it (below)"
            ),
        },
    )
    for image, sha, prediction, text in zip(images, shas, checked, edited["Your label"]):
        record_label(state, image.name, sha, prediction, LABEL_BY_TEXT.get(text or NO_LABEL))
    rows = [
        (image.name, v.label, v.p_crystal, v.unfamiliar, "adapted" if adapted else "shipped", label_name(state, sha))
        for image, sha, v in zip(images, shas, in_use)
    ]
    if adapted:
        rows += [
            (image.name, p.label, p.p_crystal, p.unfamiliar, "shipped", label_name(state, sha))
            for image, sha, p in zip(images, shas, checked)
        ]
    st.download_button(
        "Download results (CSV)", results_csv(rows), file_name="crystal_check.csv", mime="text/csv", icon="⬇️"
    )


def label_name(state: Teaching, sha: str) -> str:
    """The user's label of a photo (by file hash) as the CSV writes it ('' when not labelled)."""
    photo = state.photos.get(sha)
    return photo.label if photo else ""


def label_text(state: Teaching, sha: str) -> str:
    """The user's label of a photo (by file hash) as the table shows it (:data:`NO_LABEL` when not labelled)."""
    photo = state.photos.get(sha)
    return VERDICT_TEXT[photo.label] if photo else NO_LABEL


def sorted_uploads(state: Teaching, shipped: CrystalModel) -> None:
    """Two upload boxes for photos already sorted into crystal / no crystal; each new photo is
    checked once (with progress) and labelled by the box it came in."""
    for column, label in zip(st.columns(2), LABELS):
        files = column.file_uploader(
            f"Photos you have sorted as **{VERDICT_TEXT[label].lower()}**",
            type=list(EXTENSIONS),
            accept_multiple_files=True,
            key=f"teach_{label}",
        )
        new = [(file, sha) for file in files or [] if label_name(state, sha := photo_id(file.getvalue())) != label]
        if not new:
            continue
        bar = column.progress(0.0, text="Checking your photos ...")
        for done, (file, sha) in enumerate(new, start=1):
            data = file.getvalue()
            rgb = decode(data, file.name)
            if isinstance(rgb, str):
                column.error(rgb, icon="🚫")
            else:
                record_label(state, file.name, sha, crystal_check.predict(data, rgb, shipped), label)
            bar.progress(done / len(new), text=f"Checked {done} of {len(new)} of your photos")
        bar.empty()


def adapt_button(state: Teaching) -> None:
    """'Adapt to my photos', the leave-one-out figures in words, the download, and going back."""
    counts = {label: sum(p.label == label for p in state.photos.values()) for label in LABELS}
    st.markdown(f"**Your labelled photos:** {counts[LABELS[0]]} with crystals, {counts[LABELS[1]]} without.")
    left, right = st.columns(2)
    if left.button("Adapt to my photos", icon="🎓", disabled=not state.photos, type="primary"):
        with (
            heavy_work.slot("re-fitting the model"),
            st.spinner(f"Re-fitting the model with your {len(state.photos)} photos, and testing it on each ..."),
        ):
            state.model = CrystalModel(adapt(state.base, list(state.photos.values())).model)
        st.rerun()  # the table above shows the new verdicts
    if state.model is not None and right.button("Go back to the shipped model", icon="↩️"):
        del st.session_state.teaching
        st.rerun()
    if state.model is not None and "adapted" in state.model.card:
        st.markdown(how_good_words(state.model.card))
    if state.model is not None:
        st.download_button(
            "Download your adapted model (zip)",
            model_zip(state.model.data),
            file_name="crystal-model-adapted.zip",
            mime="application/zip",
            icon="⬇️",
        )


def how_good_words(card: dict) -> str:
    """The adapted model's leave-one-out on the user's photos, next to the shipped model's, in words."""
    adapted = card["adapted"]
    mine, base = adapted["leave_one_out"], adapted["base_model_on_the_same_photos"]
    return (
        f"**How good is it now, on your photos?** Each of your {mine['n']} photos was judged by a model adapted "
        f"without it: **{figure(mine['correct'], mine['n'], mine['interval'])}** right. The shipped model got "
        f"**{figure(base['correct'], base['n'], base['interval'])}** right on the same photos. "
        "_A few photos give only a rough figure: the more you label, the surer it gets._"
    )


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
