"""VGG16 feature maps: what each of the 13 convolution and 5 pooling layers responds to in one image."""

import numpy as np
import streamlit as st

from crystal.vision.backbone import available_sources
from crystal.vision.layer_maps import LAYERS, layer_facts
from crystal.vision.samples import list_samples
from ui import feature_maps
from ui.fragments import keep_widget_value
from ui.image_input import FOCUS_KEY, HANDOFF_KEY, choose_images, decode
from ui.navigation import sidebar_navigation
from ui.server import timing

st.set_page_config(page_title="VGG16 feature maps", page_icon="🧠", layout="wide")
run_timing = timing.page_started("feature maps")
sidebar_navigation()
st.title("🧠 What each layer of VGG16 sees")
st.markdown(
    """
Every layer of VGG16 holds many small **filters**. Each filter slides over the picture and writes
down, at every place, how strongly it finds its own pattern there: that grid of numbers is a
**feature map**, one per filter. Below, bright means *"my pattern is here"*, dark means *"not here"*.
Early layers react to edges, colours and fine grain; deeper layers combine those into textures,
shapes and larger structures, and see ever bigger parts of the image at once.
"""
)

# --- Weights -------------------------------------------------------------------------------------
sources = {source.key: source for source in available_sources()}
source_key = st.radio(
    "Weights",
    list(sources),
    format_func=lambda key: sources[key].title,
    horizontal=True,
    key="fm_weights",
    help="The numbers inside the filters. Different training gives the same network different eyes.",
)
source = sources[source_key]
st.caption(f"**In use: {source.title}.** {source.trained_for}")
if "imagenet" not in sources:
    st.caption(
        "Keras' original ImageNet weights are not on this computer. To compare with them, download "
        "`vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5` (from the Keras applications release) into "
        "`~/.keras/models/` and reload this page."
    )

# --- Image ---------------------------------------------------------------------------------------
focus = st.session_state.pop(FOCUS_KEY, None)  # a feature the crystal page asked to open
if focus is not None:
    st.session_state.fm_layer, st.session_state[f"fm_channel_{focus[0]}"] = focus
handoff = st.session_state.get(HANDOFF_KEY)
use_handoff = handoff is not None and st.radio(
    "Image",
    [True, False],
    format_func=lambda yes: f"From the crystal check: {handoff.name}" if yes else "A sample or an upload",
    horizontal=True,
    key=f"fm_handoff_{handoff.digest[:12]}",  # a new handoff is shown first again
)
chosen = [handoff] if use_handoff else choose_images(list_samples(), key="fm")
if not chosen:
    st.info("Upload an image (JPEG, PNG, BMP or TIFF) to see its feature maps.")
    st.stop()
image = chosen[0]
decoded = decode(image)
if decoded.problem:
    st.error(decoded.problem)
    st.stop()
for note in decoded.notes:
    st.warning(note, icon="⚠️")
rgb = decoded.rgb

digest = image.digest
preview, seen = feature_maps.shown_image(digest, rgb)
left, right = st.columns(2)
left.image(preview, caption=f"{image.name}: {rgb.shape[1]}×{rgb.shape[0]} pixels", output_format="JPEG")
right.image(
    seen,
    caption="What VGG16 is given: the central square, resized to 224×224 pixels",
    width=336,
)
right.caption(
    "VGG16 was trained on 224×224 pictures. We cut the largest square out of the middle, so "
    "shapes are not squashed (a round drop stays round); the edges of a wide or tall image are left out. "
    "The network then subtracts the average colour of its training photos from every pixel, so it "
    "works with how much brighter or darker than usual each spot is."
)

maps = feature_maps.maps_of(source_key, seen)

# --- Overview ------------------------------------------------------------------------------------
st.subheader("All 18 layers at a glance")
st.caption(
    "Each small picture is one layer's average over all its feature maps: where that layer responds at "
    "all. Left to right the maps get coarser (pooling halves them) while each value sees more of the image."
)
st.image(feature_maps.layer_summaries(source_key, digest, maps), caption=list(maps), width=96)


# --- One layer -----------------------------------------------------------------------------------
@st.fragment
def one_layer(source_key: str, digest: str, seen: np.ndarray) -> None:
    """The layer slider and everything below it. Streamlit reruns only this part when one of its
    widgets changes, so switching layers or maps skips the image and overview above."""
    rerun_timing = timing.fragment_started("feature maps")
    maps = feature_maps.maps_of(source_key, seen)
    st.subheader("One layer, all its feature maps")
    layer = st.select_slider(
        "Layer",
        LAYERS,
        value="block1_conv2",
        key="fm_layer",
        help="conv = convolution (filters + ReLU); pool = 2×2 max pooling. Blocks 1 to 5 go from shallow to deep.",
    )
    facts = layer_facts(layer)
    height, width, channels = facts.output_shape
    columns = st.columns(4)
    columns[0].metric("Output", f"{height}×{width}×{channels}", help="Height × width of each map × number of maps.")
    columns[1].metric(
        "Weights (parameters)", f"{facts.params:,}", help="Numbers learned in training; pooling has none."
    )
    columns[2].metric(
        "Sees a patch of",
        f"{facts.receptive_field}×{facts.receptive_field} px",
        help="Receptive field: the square of the 224×224 input that one value of this layer depends on.",
    )
    columns[3].metric(
        "Step between values", f"{facts.jump} px", help="How far apart in the input two neighbouring values are."
    )
    st.info(f"**{facts.kind.capitalize()}.** {facts.note}")

    layer_maps = maps[layer]
    sort = st.radio(
        "Order of the maps",
        ["Strongest first", "By channel number"],
        horizontal=True,
        key="fm_sort",
        help="Strongest first: sorted by mean activation, the filters that respond most to this image come first.",
    )
    keep_widget_value(f"fm_top_{channels}", min(channels, 64))  # this part is a fragment: see ui.fragments
    shown = st.slider(
        "How many maps to show",
        1,
        channels,
        key=f"fm_top_{channels}",
        help="Show only the first maps in the chosen order, e.g. the 16 strongest.",
    )
    shared_scale = st.toggle(
        "Same brightness scale for all maps",
        key="fm_shared",
        help="Off: each map is stretched to its own range, so weak patterns show. On: brightness compares across maps.",
    )
    order, means, grid, grid_format = feature_maps.layer_view(
        source_key, digest, layer, sort == "Strongest first", shown, shared_scale, layer_maps
    )
    st.image(
        grid,
        output_format=grid_format,
        caption=f"{shown} of {channels} feature maps of {layer}, left to right, top to bottom: "
        f"channels {', '.join(f'#{c}' for c in order[:8])}{' ...' if shown > 8 else ''}",
    )

    # --- One channel ---------------------------------------------------------------------------------
    st.subheader("One feature map, up close")
    keep_widget_value(f"fm_channel_{layer}", order[0])
    channel = st.selectbox(
        "Feature map",
        order,
        format_func=lambda c: f"#{c} (mean activation {means[c]:.2f})",
        key=f"fm_channel_{layer}",
        help="Every map of the layer, in the same order as the grid above.",
    )
    heat_column, overlay_column = st.columns(2)
    with heat_column:
        st.plotly_chart(
            feature_maps.heatmap_figure(layer_maps[..., channel], f"{layer}, map #{channel}"), key="fm_heatmap"
        )
        st.caption(
            "Hover to read the values. Zero means the filter found nothing there (ReLU cut it off)."
            + (" Shown as averages of 2×2 blocks to keep the page light." if height > feature_maps.HEATMAP_SIDE else "")
        )
    with overlay_column:
        overlay = feature_maps.channel_overlay_jpeg(source_key, digest, layer, channel, seen, layer_maps[..., channel])
        st.image(overlay, caption="The same map laid over the input", width=430)
        st.caption("Bright, yellow areas are where this filter responds most strongly.")
    timing.page_done(rerun_timing)


one_layer(source_key, digest, seen)
timing.page_done(run_timing)
