"""Crystal check: drop photos in; crystal / no crystal, how sure, and where the model looked."""

import numpy as np
import streamlit as st

from crystal.model.card import describe_card
from crystal.model.predict import Prediction
from crystal.model.verdict import UNFAMILIAR_TEXT, VERDICT_TEXT, confidence_words, scale_region, tile_heat
from crystal.vision.render import outline, overlay, to_jpeg_bytes
from crystal.vision.samples import list_samples
from ui import crystal_check, teach, verdict_sum
from ui.image_input import HANDOFF_KEY, NamedImage, choose_images, decode
from ui.navigation import sidebar_navigation
from ui.server import timing

st.set_page_config(page_title="Crystal check", page_icon="💎", layout="wide")
run_timing = timing.page_started("crystal check")
sidebar_navigation()
st.title("💎 Crystal check")
st.markdown(
    """
Upload microscope photos of crystallization drops (or pick a sample). The model finds the drop,
then a VGG16 network, with one trained layer on top, says **crystal** or **no crystal**, how sure
it is, and **where in the drop it looked**. It is a quick second opinion, not a replacement for
your eyes: read *About this model* for what it learned from and how well it did on photos it had
never seen.
"""
)

shipped = crystal_check.model()
if isinstance(shipped, str):
    st.error(f"The crystal model could not be loaded. {shipped}")
    st.stop()
state = teach.teaching(shipped)
model = state.model or shipped  # this visitor's adapted model, once they have taught one

with st.expander("About this model: how it was trained and tested, and its limits"):
    st.markdown(describe_card(model.card))

images = choose_images(list_samples("drop"), key="crystal", multiple=True, camera=True)
if len(images) > crystal_check.MAX_PHOTOS_PER_CHECK:
    st.warning(
        f"Only the first {crystal_check.MAX_PHOTOS_PER_CHECK} of your {len(images)} photos are checked at a "
        "time, so that the server stays quick for everyone: check the rest in another batch, or a whole "
        "folder with `python -m crystal predict FOLDER`.",
        icon="✋",
    )
    images = images[: crystal_check.MAX_PHOTOS_PER_CHECK]
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


def check_all(items: list[tuple[NamedImage, np.ndarray]]) -> list[Prediction]:
    """The shipped model's verdicts for every photo, with a progress bar: each new photo takes a
    second or two. They also give the features an adapted model judges and learns from."""
    bar = st.progress(0.0, text="Checking photos ...")
    predictions = []
    for done, (image, rgb) in enumerate(items, start=1):
        predictions.append(crystal_check.predict(image.data, rgb, shipped))
        bar.progress(done / len(items), text=f"Checked {done} of {len(items)} photos")
    bar.empty()
    return predictions


if readable:
    st.subheader("Results")
    teach.results_table(state, shipped, [image for image, _ in readable], check_all(readable))

with st.expander("🎓 Teach it your lab: adapt the model to your own photos", expanded=state.model is not None):
    st.markdown(teach.EXPLAINED)
    teach.sorted_uploads(state, shipped)
    teach.adapt_button(state)
    teach.continue_from_zip(state)

if not readable:
    st.info(
        "Choose one or more sample drops, upload your own photos (JPEG, PNG, BMP or TIFF), or take one with a camera."
    )
    st.stop()

chosen = 0
if len(readable) > 1:
    chosen = st.selectbox("Look closer at", range(len(readable)), format_func=lambda i: readable[i][0].name)
image, rgb = readable[chosen]
with st.spinner("Looking for crystals, and working out where the model looked ..."):  # cached if checked above
    detail = crystal_check.predict(image.data, rgb, model)
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
    if detail.unfamiliar:
        st.warning(UNFAMILIAR_TEXT, icon="⚠️")
    if state.model is not None:
        said = crystal_check.predict(image.data, rgb, shipped)
        st.caption(
            f"This is your adapted model's verdict. The shipped model said **{VERDICT_TEXT[said.label]}** "
            f"({said.p_crystal:.0%})."
        )
    st.caption(
        f"The model calls a photo *crystal* when this chance is at least {model.threshold:.0%}. "
        "It comes from the most crystal-like spots in the drop, so one clear crystal is enough. "
        + (
            "The model found the drop (the green box under *The drop it judged*) and looked at nothing else."
            if detail.drop.found
            else "It could not find a drop in this photo, so it judged the whole photo, which it was not trained "
            "to do: treat this verdict with extra caution."
        )
    )
    if st.button("See what VGG16's layers see in this image", icon="🧠"):
        st.session_state[HANDOFF_KEY] = image
        st.switch_page("pages/2_Feature_maps.py")

with picture:
    view = st.segmented_control(
        "Show",
        ["Where it looked", "Crystal score per tile", "The drop it judged"],
        default="Where it looked",
        required=True,
        key="crystal_view",
    )
    if view == "Where it looked":
        st.image(to_jpeg_bytes(overlay(shown, detail.gradcam_on(shown.shape[:2]))), width="stretch")
        st.caption(
            "Grad-CAM: the brighter the colour, the more that part of the drop pushed the answer "
            "towards *crystal*. Dark means it did not matter for the verdict."
        )
    elif view == "Crystal score per tile":
        heat = tile_heat(detail.tile_scores, scale_region(detail.tile_region(), factor), shown.shape[:2])
        st.image(to_jpeg_bytes(overlay(shown, heat)), width="stretch")
        st.caption(
            "The model scores every small patch of the drop on its own; bright patches look like crystal "
            "to it. Outside the drop stays dark: the model does not look there."
        )
    else:
        st.image(to_jpeg_bytes(outline(shown, scale_region(detail.drop.box, factor))), width="stretch")
        st.caption(
            "The green box is where the model found the drop: it judges only what lies inside the drop's "
            "outline. When it finds no drop, the box is the whole photo."
        )

sum_panel = st.expander(
    "🧮 How this verdict was added up, from VGG16's features to the chance of a crystal",
    key="crystal_how_it_added_up",
    on_change="rerun",
)  # drawn only while open
if sum_panel.open:
    with sum_panel:
        verdict_sum.how_it_added_up(detail, model, image.name)
timing.page_done(run_timing)
