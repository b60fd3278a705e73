"""Home page: what a convolutional neural network does, in plain words, and the way to the four pages.

Run with ``streamlit run app.py``; the sidebar links to it and to the pages in ``pages/``.
"""

import streamlit as st

from ui import site
from ui.navigation import begin
from ui.server import timing

run_timing = begin(site.HOME)
st.title("🔬 How a convolutional neural network sees")
st.markdown(
    """
A **convolutional neural network** (CNN) turns an image into a decision, such as *"this drop
contains a crystal"*, by passing it through a stack of simple steps. No step is magic: each one is
a little arithmetic you can watch. This app shows them one by one, then uses a real network,
**VGG16**, to look inside and to check microscope photos of protein-crystallization drops.
"""
)

STEPS = [  # (number in the playground or None, icon, name, what it does, page, link text)
    (1, "🧮", "Convolution", "A small grid of numbers, the *kernel*, slides over the picture. At each place it "
     "multiplies the pixels under it by its own numbers and adds them up: big where the picture looks like the "
     "kernel (an edge, a curve, a corner). The result is a *feature map*. Nobody writes the kernels: they start "
     "random and are learned.", site.PLAYGROUND, "Try step 1"),
    (2, "⚡", "ReLU", "Negative numbers become 0: *y = max(0, x)*. The network keeps only the evidence that a "
     "pattern **is** there.", site.PLAYGROUND, "Try step 2"),
    (3, "🔽", "Pooling", "Each 2×2 block of the feature map becomes its largest number. The map gets four times "
     "smaller, keeps its strongest responses, and a small shift of the object stops mattering.", site.PLAYGROUND,
     "Try step 3"),
    (None, "🧱", "Blocks, stacked", "Convolution, ReLU and pooling make one *block*; VGG16 stacks five. Early "
     "blocks find edges, deep ones combine them into textures, shapes and object parts.", site.FEATURE_MAPS,
     "See VGG16's layers"),
    (4, "📏", "Flatten", "The last small maps are laid out as one long list of numbers.", site.PLAYGROUND,
     "Try step 4"),
    (5, "🎲", "Dropout", "While the network trains, a random half of the list is switched off at each step, so it "
     "cannot lean on any one clue.", site.PLAYGROUND, "Try step 5"),
    (6, "🕸️", "Dense", "Every number in the list gets a weight; weighted sums score each possible answer.",
     site.PLAYGROUND, "Try step 6"),
    (7, "📊", "Softmax", "The scores become chances that add up to 100 %: *crystal 92 %, no crystal 8 %*.",
     site.PLAYGROUND, "Try step 7"),
]  # fmt: skip

st.subheader("The pipeline, step by step")
columns = st.columns(4)
for index, (number, icon, name, text, page, link) in enumerate(STEPS):
    with columns[index % 4].container(border=True):
        st.markdown(f"**{icon} {f'{number}. ' if number else ''}{name}**\n\n{text}")
        st.page_link(page.path, label=link, icon="👉")

st.subheader("Try it yourself")
PAGES = [
    (site.PLAYGROUND, "Draw or type a small picture and a kernel, then step through convolution, ReLU and pooling "
     "cell by cell, with every multiplication written out, and on to flatten, dropout, dense and softmax."),
    (site.FEATURE_MAPS, "Feed a photo to VGG16 and see what each of its 13 convolution and 5 pooling layers "
     "responds to, from edges to textures, and what picture excites each filter most."),
    (site.CRYSTAL_CHECK, "Upload microscope photos of crystallization drops: *crystal* or *no crystal*, how sure, "
     "where in the drop the model looked, and how the verdict adds up."),
    (site.LEARNING, "Train a tiny CNN to tell an X, an O and a line apart, from random kernels, and watch its "
     "kernels become stroke and edge detectors."),
]  # fmt: skip
for column, (page, text) in zip(st.columns(4), PAGES):
    with column.container(border=True):
        st.page_link(page.path, label=f"**{page.title}**", icon=page.icon)
        st.markdown(text)

with st.expander("What the crystal check uses, and why not the textbook recipe"):
    st.markdown(
        """
The explanation this app grew out of took VGG16, replaced its last layers by a flatten, a dropout
and a dense layer with two answers (*GotCrystal*, *NoCrystal*), and trained that new end on about
twenty photos. Twenty photos are too few to train thousands of weights, so the crystal check keeps
the idea and makes it smaller:

- it looks only at the drop, made grey, and uses VGG16 up to the last convolution of its fourth
  block, with the filters of an edge detector left as they are;
- instead of flattening, it asks of each of that layer's 512 filters *"how strongly does your
  pattern appear anywhere in the drop?"*, so a crystal anywhere counts;
- its one trained layer gives one score, and one score through 1 / (1 + exp(−score)) is a softmax
  over two answers; a penalty on large weights does dropout's job of not leaning on one clue.

The original notebook reported 100 % accuracy, but its test photos were its training photos. Here
every figure comes from photos the model did not train on: see *About this model* on the crystal
check.
"""
    )
timing.page_done(run_timing)
