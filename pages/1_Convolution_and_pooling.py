"""Convolution & pooling playground: draw or type a small picture and watch a kernel slide over it.

The numbers come from :mod:`crystal.playground`; this page gathers the inputs and hands them to the
walk through the network (:mod:`ui.playground`), one step at a time.
"""

import streamlit as st

from ui import conv_inputs, playground, share, site
from ui.navigation import begin
from ui.server import timing

run_timing = begin(site.PLAYGROUND)
share.open_shared(site.PLAYGROUND, playground.SETTINGS)
st.title("🧮 Convolution & pooling playground")
st.markdown(
    """
A **convolution** slides a small grid of weights, the **kernel**, over a picture. At each place it
multiplies every number under it by the matching weight and adds the products up: that sum is one
cell of the output, the *feature map*, which is big wherever the picture looks like the kernel.
**ReLU** then replaces negative numbers by 0, and **pooling** shrinks the map by keeping only the
largest (or the average) number of each small block. Then the network's end: the pooled grid is
**flattened** into a list, a **dense** layer weighs it into a score for *crystal* and one for *no
crystal*, and **softmax** turns the scores into chances (**dropout** switches entries off while the
network trains). Change anything below and step through it.
"""
)

picture_column, kernel_column = conv_inputs.input_columns()
with picture_column:
    st.subheader("The picture")
    image = conv_inputs.choose_picture()
with kernel_column:
    st.subheader("The kernel")
    kernel = conv_inputs.choose_kernel()
if image is not None and kernel is not None:
    playground.through_the_network(image, kernel)
share.keep_in_address(playground.shared_now())
share.share_button(site.PLAYGROUND, playground.shared_now)
timing.page_done(run_timing)
