"""Crystal check: upload drop images, get crystal / no crystal, how sure, and where the model looked."""
import numpy as np
import pandas as pd
import streamlit as st

from crystal.classifier import Prediction, describe_card
from crystal.render import overlay
from crystal.samples import list_samples
from crystal.verdict import VERDICT_TEXT, confidence_words, results_csv, scale_region, tile_heat
from ui import crystal_check
from ui.image_input import HANDOFF_KEY, NamedImage, choose_images, decode
from ui.navigation import sidebar_navigation

st.set_page_config(page_title="Crystal check", page_icon="💎", layout="wide")
sidebar_navigation()
st.title("💎 Crystal check")
st.markdown(
    """
Upload microscope images of crystallization drops (or pick a sample). A VGG16 network, whose
last step was retrained on labelled drops, says **crystal** or **no crystal**, how sure it is,
and **where in the image it looked**. It is a quick second opinion, not a replacement for your
eyes: read *About this model* for what it was trained on and how well it did on images it had
never seen.
"""
)

model = crystal_check.classifier()
if isinstance(model, str):
    st.error(f"The crystal model could not be loaded. {model}")
    st.stop()

fingerprint = crystal_check.model_id(model)  # keys the cached predictions to this model

with st.expander("About this model: how it was trained and tested, and its limits"):
    st.markdown(describe_card(model.card))

images = choose_images(list_samples("drop"), key="crystal", multiple=True)
if not images:
    st.info("Choose one or more sample drops, or upload your own images (JPEG, PNG, BMP or TIFF).")
    st.stop()

readable: list[tuple[NamedImage, np.ndarray]] = []
refusals: list[str] = []
for image in images:
    decoded = decode(image.data, image.name)
    if isinstance(decoded, str):
        refusals.append(decoded)
    else:
        readable.append((image, decoded))
if refusals:
    st.error("Not checked:\n" + "\n".join(f"- {reason}" for reason in refusals), icon="🚫")
if not readable:
    st.stop()


def check_all(items: list[tuple[NamedImage, np.ndarray]]) -> list[Prediction]:
    """Verdicts for every image, with a progress bar: a batch of drops takes a few seconds each."""
    bar = st.progress(0.0, text="Checking images ...")
    predictions = []
    for done, (image, rgb) in enumerate(items, start=1):
        predictions.append(crystal_check.predict(image.data, rgb, fingerprint))
        bar.progress(done / len(items), text=f"Checked {done} of {len(items)} images")
    bar.empty()
    return predictions


chosen = 0
if len(readable) > 1:
    predictions = check_all(readable)
    st.subheader("Results")
    table = pd.DataFrame(
        {
            "Image": [image.name for image, _ in readable],
            "Verdict": [VERDICT_TEXT[p.label] for p in predictions],
            "Chance of crystal": [p.p_crystal for p in predictions],
            "How sure": [confidence_words(p.p_crystal, model.threshold) for p in predictions],
        }
    )
    st.dataframe(
        table,
        hide_index=True,
        column_config={
            "Chance of crystal": st.column_config.ProgressColumn(format="percent", min_value=0.0, max_value=1.0)
        },
    )
    st.download_button(
        "Download results (CSV)",
        results_csv((image.name, p.label, p.p_crystal) for (image, _), p in zip(readable, predictions)),
        file_name="crystal_check.csv",
        mime="text/csv",
        icon="⬇️",
    )
    chosen = st.selectbox("Look closer at", range(len(readable)), format_func=lambda i: readable[i][0].name)

image, rgb = readable[chosen]
with st.spinner("Looking for crystals, and working out where the model looked ..."):  # cached if checked above
    detail = crystal_check.predict(image.data, rgb, fingerprint)
shown, factor = crystal_check.display_copy(rgb)
st.subheader(image.name)
picture, verdict = st.columns([3, 2], gap="large")

with verdict:
    sure = confidence_words(detail.p_crystal, model.threshold)
    if detail.label == "crystal":
        st.success(f"### 💎 Crystal\nThe model is {sure}.")
    else:
        st.info(f"### 🫧 No crystal\nThe model is {sure}.")
    st.progress(detail.p_crystal, text=f"Chance of crystal: **{detail.p_crystal:.0%}**")
    st.caption(
        f"The model calls an image *crystal* when this chance is at least {model.threshold:.0%}. "
        "The chance comes from the most crystal-like spots in the drop, so one clear crystal is enough. "
        "The model looks at the photo four ways (as is, half-turned, mirrored, both), each at two sizes, "
        "and averages, so the way round the plate sat in the microscope does not change the answer and "
        "how tightly the photo is framed matters less."
    )
    if st.button("See what VGG16's layers see in this image", icon="🧠"):
        st.session_state[HANDOFF_KEY] = image
        st.switch_page("pages/2_Feature_maps.py")

with picture:
    view = st.segmented_control(
        "Show",
        ["Where it looked", "Crystal score per tile", "Image only"],
        default="Where it looked",
        required=True,
        key="crystal_view",
    )
    if view == "Where it looked":
        st.image(crystal_check.jpeg(overlay(shown, detail.gradcam)), width="stretch")
        st.caption(
            "Grad-CAM: the brighter the colour, the more that part of the image pushed the answer "
            "towards *crystal*. Dark means it did not matter for the verdict."
        )
    elif view == "Crystal score per tile":
        heat = tile_heat(detail.tile_scores, scale_region(detail.region, factor), shown.shape[:2])
        st.image(crystal_check.jpeg(overlay(shown, heat)), width="stretch")
        st.caption(
            "The model scores every small patch of the drop on its own; bright patches look like crystal "
            "to it. The verdict follows the brightest patches. Outside the analysed area stays dark."
        )
    else:
        st.image(crystal_check.jpeg(shown), width="stretch")
