"""Where kernels come from: train a tiny CNN from random kernels and watch them learn."""

import streamlit as st

from crystal.learn.data import CLASSES, a_shape
from crystal.learn.network import BATCH, FILTERS, HELD_OUT, MAX_EPOCHS
from ui import learn, share, site
from ui.conv_steps import PLAY_SECONDS
from ui.navigation import begin
from ui.server import timing

SEED = share.whole_number("seed", "learn_seed", 0, 9999, 0)
SETTINGS = [SEED]  # what a share link carries: the seed (a run is replayed from it, not carried)

run_timing = begin(site.LEARNING)
share.open_shared(site.LEARNING, SETTINGS)
st.title("🌱 Where kernels come from")
st.markdown(
    f"""
Nobody types the kernels of a real network. When training starts they are **random numbers**; then
the network looks at example pictures, checks its answers, and nudges every number a little towards
better answers, again and again. Here a tiny CNN, with **{FILTERS} kernels of 3×3**, ReLU, 2×2 max
pooling, flatten, one dense layer and softmax, learns to tell an **X**, an **O** and a **line**
apart. Train it and watch its kernels turn from noise into stroke and edge detectors.
"""
)

seed_column, reset_column = st.columns([1, 3], vertical_alignment="bottom")
seed = SEED.widget(
    seed_column.number_input,
    "Seed",
    help="The same seed makes the same pictures and the same random start: a run can be replayed.",
)
if reset_column.button("Reset to random kernels", key="learn_reset", icon="🎲"):
    learn.reset()
run = learn.current_run(seed)

st.header("1 · The pictures it learns from")
st.caption(
    "Made by the app: each shape at a random place, size, angle and thickness, with a little noise. "
    f"{HELD_OUT:.0%} of them are held out: the network never trains on those, so they tell how well it really does."
)
learn.examples(run)
with st.expander("Add your own drawing to a class"):
    learn.add_drawing(run)

st.header("2 · Train it")
learn.train_controls(run)


@st.fragment(run_every=PLAY_SECONDS if st.session_state.get(learn.PLAYING_KEY) else None)
def training() -> None:
    if st.session_state.get(learn.PLAYING_KEY):
        run.run_epoch()
        if run.finished:
            st.session_state[learn.PLAYING_KEY] = False
            st.rerun()
    latest, history, kernels = run.now()  # one moment of the run, for everything below
    learn.progress(run, latest, history)
    st.subheader("Its kernels")
    learn.kernels(run, latest, kernels)
    st.subheader("What they see in one picture")
    index = st.slider("Held-out picture", 1, len(run.test[1]), 1, key="learn_example")
    left, right = st.columns([1, 4])
    left.image(
        learn.picture_png(run.test[0][index - 1, ..., 0]),
        caption="The picture",
        width=120,
        alt=f"Held-out picture {index}, made by the app: {a_shape(CLASSES[run.test[1][index - 1]])}",
    )
    with right:
        learn.feature_maps(run, run.test[0][index - 1])


training()
st.caption(
    f"A run stops after {MAX_EPOCHS} epochs. Each step is one batch of {BATCH} pictures; an epoch is every "
    "training picture once."
)

st.header("3 · Draw a shape and ask it")
picture = learn.drawn_picture()
if picture is None:
    st.info("Draw an X, an O or a line in the square with the mouse, and the trained network answers.")
else:
    learn.verdict(run, picture)
share.keep_in_address(share.current(SETTINGS))
share.share_button(site.LEARNING, lambda: share.current(SETTINGS))
timing.page_done(run_timing)
