"""Crystal check: drop photos in; crystal / no crystal, how sure, and where the model looked."""

import streamlit as st

from crystal.model.card import describe_card
from crystal.vision.samples import list_samples
from ui import crystal_check, share, site, teach, verdict_sum
from ui.image_input import HANDOFF_KEY, UPLOAD_HELP, choose_images
from ui.navigation import begin
from ui.server import timing

run_timing = begin(site.CRYSTAL_CHECK)
share.open_shared(site.CRYSTAL_CHECK, crystal_check.SETTINGS)
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

images = crystal_check.at_most_a_check(choose_images(list_samples("drop"), key="crystal", multiple=True, camera=True))
readable = crystal_check.readable(images)
checked = crystal_check.check_all(readable, shipped)  # the shipped model's: what an adapted one learns from
photos = teach.with_taught_photos(state, [teach.Checked.of(image, p) for (image, _), p in zip(readable, checked)])
if photos:
    st.subheader("Results")
    teach.results_table(state, shipped, photos)

panel = st.expander("🎓 Teach it your lab: adapt the model to your own photos", expanded=state.model is not None,
                    key=teach.PANEL_KEY, on_change="rerun")  # fmt: skip
if panel.open:
    with panel:
        st.markdown(teach.EXPLAINED)
        teach.sorted_uploads(state, shipped)
        teach.adapt_button(state)
        teach.continue_from_zip(state)

if not readable:
    st.info(f"Choose one or more sample drops, upload your own photos ({UPLOAD_HELP}), or take one with a camera.")
    st.stop()

chosen = crystal_check.look_closer(readable)
image, rgb = readable[chosen]
with st.spinner("Looking for crystals, and working out where the model looked ..."):  # cached if checked above
    detail = crystal_check.predict(image, rgb, model)
st.subheader(image.name)
picture, words = st.columns([3, 2], gap="large")
with words:
    crystal_check.verdict(detail, model, checked[chosen] if state.model else None, teach.open_the_panel)
    if st.button("See what VGG16's layers see in this image", icon="🧠"):
        st.session_state[HANDOFF_KEY] = image
        st.switch_page(site.FEATURE_MAPS.path)
with picture:
    crystal_check.where_it_looked(detail, rgb, image.name)

sum_panel = st.expander(
    "🧮 How this verdict was added up, from VGG16's features to the chance of a crystal",
    key="crystal_how_it_added_up",
    on_change="rerun",
)  # drawn only while open
if sum_panel.open:
    with sum_panel:
        verdict_sum.how_it_added_up(detail, model, image.name)
share.keep_in_address(share.current(crystal_check.SETTINGS))
share.share_button(site.CRYSTAL_CHECK, lambda: share.current(crystal_check.SETTINGS))
timing.page_done(run_timing)
