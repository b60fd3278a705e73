"""VGG16 feature maps: what each of the 13 convolution and 5 pooling layers responds to in one image.

The sections are in :mod:`ui.feature_map_sections`; what a link to this page carries is said there.
"""

import numpy as np
import streamlit as st

from crystal.vision.backbone import available_sources
from crystal.vision.samples import list_samples
from ui import feature_map_sections as section
from ui import feature_maps, navigation, share, site
from ui.server import timing

run = navigation.begin(site.FEATURE_MAPS)
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

sources, samples = available_sources(), list_samples()
settings = section.settings(sources, samples)
section.open_page(settings)  # a shared link's settings, or a feature the crystal check asked to open
source = section.choose_weights(sources)
image, rgb, from_sample = section.choose_image(samples)
seen = section.show_image(image, rgb)
section.overview(source.key, image.digest, feature_maps.maps_of(source.key, seen))


@st.fragment
def one_layer(
    source_key: str, digest: str, seen: np.ndarray, image_name: str, from_sample: bool, settings: list[share.Setting]
) -> None:
    """The layer slider and everything below it. Streamlit reruns only this part when one of its
    widgets changes, so switching layers or maps skips the image and overview above."""
    rerun_timing = timing.fragment_started(site.FEATURE_MAPS.timing)
    layer = section.choose_layer()
    layer_maps = feature_maps.maps_of(source_key, seen)[layer]
    view = section.layer_grid(source_key, digest, layer, layer_maps)
    section.close_up(source_key, digest, layer, layer_maps, view, seen, image_name)
    section.strongest_filters(source_key, layer, view)
    section.share_this(settings, from_sample)  # after every widget: the address says what is shown
    timing.page_done(rerun_timing)


one_layer(source.key, image.digest, seen, image.name, from_sample, settings)
timing.page_done(run)
