"""The feature-map page's sections: ``pages/2_Feature_maps.py`` tells the story, the parts are here.

**What a link carries** (:mod:`ui.share`): the weights, the sample (by a short name: an upload or a
photo handed over by the crystal check is never put in a link), the layer, the enlarged channel, and
the grid's order, count and brightness scale. The channel and the count depend on the layer (block 1
has 64 channels, block 5 has 512), so their widgets have one key per layer (per channel count) inside
the layer fragment (:mod:`ui.fragments`). The address keeps them under keys of their own,
``fm_channel`` and ``fm_maps``: the current layer's value where it differs from the layer's default
(its strongest channel on this image; its first 64 maps), None otherwise. A link's channel is read
against the link's layer, so ``layer=block1_conv2&channel=300`` gets the notice, not an error.
:func:`open_page` puts the values a link brought onto their layer's widgets once, at the page's first
run in the visitor's session, as it does with a feature the crystal check asks to open.
"""

from __future__ import annotations

import re

import numpy as np
import streamlit as st

from crystal.vision.backbone import WeightsSource
from crystal.vision.images import SUPPORTED
from crystal.vision.layer_maps import LAYERS, filters_of, layer_facts, where_it_responds
from crystal.vision.samples import Sample
from ui import feature_maps, filter_pictures, share, site
from ui.feature_maps import LayerView
from ui.fragments import keep_widget_value
from ui.image_input import FOCUS_KEY, HANDOFF_KEY, NamedImage, choose_images, decode

DEFAULT_LAYER = "block1_conv2"
DEFAULT_MAPS = 64  # maps shown in the grid at first (all of block 1's)
STRONGEST_SHOWN = 4  # filters in the row of "what the strongest filters look for"
ORDERS = {"strongest": "Strongest first", "number": "By channel number"}
AVERAGE_RESPONSE = "Average response: how strongly the filter responds over the whole picture, on average."
OVERLAY_WORDS = (
    "The map laid over the picture the network saw. Where the filter does not respond, the picture is only "
    "darkened; the more it responds, the warmer the colour: purple, then red and orange, up to pale yellow "
    "at this map's own strongest value."
)


def settings(sources: list[WeightsSource], samples: list[Sample]) -> list[share.Setting]:
    """What a link to this page carries, in the order it is read (the layer before what depends on it)."""
    return [
        share.choice("weights", "fm_weights", [source.key for source in sources]),
        _sample_setting(samples),
        share.choice("layer", "fm_layer", list(LAYERS), default=DEFAULT_LAYER),
        _per_layer_number("channel", "fm_channel", lowest=0, top=lambda channels: channels - 1),
        share.choice("order", "fm_sort", list(ORDERS)),
        _per_layer_number("maps", "fm_maps", lowest=1, top=lambda channels: channels),
        share.switch("same_scale", "fm_shared", False),
    ]


def short_name(sample_name: str) -> str:
    """A sample's name as a link writes it.

    >>> short_name("Another lab's drop with crystals (Diamond) #2"), short_name("Cat (Chelsea)")
    ('another-labs-drop-with-crystals-diamond-2', 'cat-chelsea')
    """
    return re.sub(r"[^a-z0-9]+", "-", sample_name.lower().replace("'", "")).strip("-")


def _sample_setting(samples: list[Sample]) -> share.Setting:
    names = {short_name(sample.name): sample.name for sample in samples}

    def read(text: str) -> str:
        if text not in names:
            raise ValueError(f"{text[:30]!r} is not one of the sample images")
        return names[text]

    return share.Setting("sample", "fm_sample", samples[0].name, short_name, read)


def _per_layer_number(name: str, key: str, lowest: int, top) -> share.Setting:
    """A whole number whose largest value, ``top(channels)``, depends on the layer the link opens on."""

    def read(text: str) -> int:
        layer = st.session_state.get("fm_layer", DEFAULT_LAYER)  # the link's layer: read just before
        highest = top(layer_facts(layer).output_shape[2])
        try:
            return share.reads_whole_number(lowest, highest)(text)
        except ValueError as err:
            raise ValueError(f"{err} (on {layer})") from None

    return share.Setting(name, key, None, str, read)


def open_page(page_settings: list[share.Setting]) -> None:
    """The settings of the link this page was opened with (with a notice for any it cannot use), or a
    feature the crystal check asked to open; either way the channel and the count go onto their
    layer's widgets."""
    first = "fm_opened" not in st.session_state
    share.open_shared(site.FEATURE_MAPS, page_settings)
    st.session_state.fm_opened = True
    focus = st.session_state.pop(FOCUS_KEY, None)  # (layer, channel) from the crystal check
    if focus is not None:
        st.session_state.fm_layer, st.session_state.fm_channel = focus
    if first or focus is not None:
        layer = st.session_state.fm_layer
        if st.session_state.fm_channel is not None:
            st.session_state[f"fm_channel_{layer}"] = st.session_state.fm_channel
        if st.session_state.fm_maps is not None:
            st.session_state[f"fm_top_{layer_facts(layer).output_shape[2]}"] = st.session_state.fm_maps


def choose_weights(sources: list[WeightsSource]) -> WeightsSource:
    """The weights in use, in plain words; a choice only where this server has more than one."""
    by_key = {source.key: source for source in sources}
    if st.session_state.get("fm_weights") not in by_key:
        st.session_state.fm_weights = sources[0].key
    if len(sources) > 1:
        st.radio(
            "Weights",
            list(by_key),
            format_func=lambda key: by_key[key].name,
            horizontal=True,
            key="fm_weights",
            help="The numbers inside the filters. Different training gives the same network different eyes.",
        )
    source = by_key[st.session_state.fm_weights]
    st.caption(f"**The network's filters: {source.name}.** {source.trained_for}")
    return source


def choose_image(samples: list[Sample]) -> tuple[NamedImage, np.ndarray, bool]:
    """``(image, its pixels, whether it is a sample)``: a photo the crystal check handed over (offered
    first), a sample or an upload. Stops the page with a message when there is none to show."""
    handoff = st.session_state.get(HANDOFF_KEY)
    use_handoff = handoff is not None and st.radio(
        "Image",
        [True, False],
        format_func=lambda yes: f"From the crystal check: {handoff.name}" if yes else "A sample or an upload",
        horizontal=True,
        key=f"fm_handoff_{handoff.digest[:12]}",  # a new handoff is shown first again
    )
    chosen = [handoff] if use_handoff else choose_images(samples, key="fm")
    if not chosen:
        st.info(f"Upload an image ({SUPPORTED}) to see its feature maps.")
        st.stop()
    decoded = decode(chosen[0])
    if decoded.problem:
        st.error(decoded.problem)
        st.stop()
    for note in decoded.notes:
        st.warning(note, icon="⚠️")
    return chosen[0], decoded.rgb, not use_handoff and st.session_state.get("fm_source") == "Sample image"


def show_image(image: NamedImage, rgb: np.ndarray) -> np.ndarray:
    """The image and the 224×224 square VGG16 is given (returned)."""
    preview, seen = feature_maps.shown_image(image.digest, rgb)
    left, right = st.columns(2)
    size = f"{rgb.shape[1]}×{rgb.shape[0]} pixels"
    left.image(preview, caption=f"{image.name}: {size}", output_format="JPEG", alt=f"The chosen image, {image.name}")
    right.image(
        seen,
        caption="What VGG16 is given: the central square, resized to 224×224 pixels",
        width="stretch",
        alt=f"What VGG16 is given: the central square of {image.name}, resized to 224×224 pixels",
    )
    right.caption(
        "VGG16 was trained on 224×224 pictures. We cut the largest square out of the middle, so "
        "shapes are not squashed (a round drop stays round); the edges of a wide or tall image are left out. "
        "The network then subtracts the average colour of its training photos from every pixel, so it "
        "works with how much brighter or darker than usual each spot is."
    )
    return seen


def overview(source_key: str, digest: str, maps: dict[str, np.ndarray]) -> None:
    st.subheader("All 18 layers at a glance")
    st.caption(
        "Each small picture is one layer's average over all its feature maps: where that layer responds at "
        "all. Left to right the maps get coarser (pooling halves them) while each value sees more of the image."
    )
    pictures, words = feature_maps.layer_summaries(source_key, digest, maps)
    st.image(pictures, caption=list(maps), width=96, alt=words)


def choose_layer() -> str:
    """The layer slider, and the layer's facts."""
    st.subheader("One layer, all its feature maps")
    layer = st.select_slider(
        "Layer",
        LAYERS,
        key="fm_layer",
        help="conv = convolution (filters + ReLU); pool = 2×2 max pooling. Blocks 1 to 5 go from shallow to deep.",
    )
    facts = layer_facts(layer)
    height, width, channels = facts.output_shape
    with st.container(horizontal=True, gap="medium"):  # side by side where they fit whole, else on new rows
        st.metric(
            "Output",
            f"{height}×{width}×{channels}",
            help="Height × width of each map × number of maps.",
            width="content",
        )
        st.metric(
            "Weights (parameters)",
            f"{facts.params:,}",
            help="Numbers learned in training; pooling has none.",
            width="content",
        )
        st.metric(
            "Sees a patch of",
            f"{facts.receptive_field}×{facts.receptive_field} px",
            help="Receptive field: the square of the 224×224 input that one value of this layer depends on.",
            width="content",
        )
        st.metric(
            "Step between values",
            f"{facts.jump} px",
            help="How far apart in the input two neighbouring values are.",
            width="content",
        )
    st.info(f"**{facts.kind.capitalize()}.** {facts.note}")
    return layer


def layer_grid(source_key: str, digest: str, layer: str, layer_maps: np.ndarray) -> LayerView:
    """The grid's controls and the numbered grid of the layer's maps."""
    channels = layer_maps.shape[2]
    sort = st.radio(
        "Order of the maps",
        list(ORDERS),
        format_func=ORDERS.get,
        horizontal=True,
        key="fm_sort",
        help="Strongest first: the filters with the highest average response to this picture come first. "
        + AVERAGE_RESPONSE,
    )
    keep_widget_value(f"fm_top_{channels}", min(channels, DEFAULT_MAPS))  # this part is a fragment: see ui.fragments
    shown = st.slider(
        "How many maps to show",
        1,
        channels,
        key=f"fm_top_{channels}",
        help="Show only the first maps in the chosen order, e.g. the 16 strongest.",
    )
    st.session_state.fm_maps = None if shown == min(channels, DEFAULT_MAPS) else shown
    shared_scale = st.toggle(
        "Same brightness scale for all maps",
        key="fm_shared",
        help="Off: each map is stretched to its own range, so weak patterns show. On: brightness compares across maps.",
    )
    view = feature_maps.layer_view(source_key, digest, layer, sort == "strongest", shown, shared_scale, layer_maps)
    first = ", ".join(f"#{c}" for c in view.order[:8]) + (" ..." if shown > 8 else "")
    st.image(
        view.grid,
        output_format=view.grid_format,
        caption=f"{shown} of {channels} feature maps of {layer}, left to right, top to bottom, each numbered in its "
        f"corner: channels {first}",
        alt=f"A grid of {shown} of the {channels} feature maps of {layer}, "
        + ("strongest first" if sort == "strongest" else "by channel number")
        + ", each tile numbered. The strongest on this image: "
        + ", ".join(f"#{c}" for c in view.strongest[:5]),
    )
    return view


def close_up(source_key: str, digest: str, layer: str, layer_maps: np.ndarray, view: LayerView, seen, image_name: str):
    """One channel: its map over the picture, what its filter looks for, and its values to hover over."""
    st.subheader("One feature map, up close")
    keep_widget_value(f"fm_channel_{layer}", view.strongest[0])
    channel = st.selectbox(
        "Feature map",
        view.order,
        format_func=lambda c: f"#{c} (average response {view.means[c]:.1f})",
        key=f"fm_channel_{layer}",
        help="Every map of the layer, in the same order as the grid above. " + AVERAGE_RESPONSE,
    )
    st.session_state.fm_channel = None if channel == view.strongest[0] else channel
    channel_map = layer_maps[..., channel]
    on_picture, looks_for = st.columns(2)
    with on_picture:
        st.markdown(f"**Where #{channel} responds in your picture**")
        st.image(
            feature_maps.channel_overlay_jpeg(source_key, digest, layer, channel, seen, channel_map),
            width="stretch",
            alt=f"Feature map #{channel} of {layer} laid over {image_name}: {where_it_responds(channel_map)}",
        )
        st.caption(OVERLAY_WORDS)
    with looks_for:
        what_it_looks_for(source_key, layer, channel)
    numbers, words = st.columns(2, vertical_alignment="center")  # on a phone: after the two pictures
    numbers.plotly_chart(feature_maps.heatmap_figure(channel_map, f"{layer}, map #{channel}"), key="fm_heatmap")
    words.caption(
        "The same map as numbers: hover over it (or tap it) to read them. Zero means the filter found nothing "
        "there (ReLU cut it off)."
        + (
            " Shown as averages of 2×2 blocks to keep the page light."
            if channel_map.shape[0] > feature_maps.HEATMAP_SIDE
            else ""
        )
    )


def what_it_looks_for(source_key: str, layer: str, channel: int) -> None:
    """The picture of what the channel's filter looks for: at once when the server has made it, else
    behind a button (it takes seconds)."""
    conv = filters_of(layer)
    st.markdown(f"**What filter #{channel} looks for**")
    if conv != layer:
        st.caption(
            f"Pooling has no filters of its own: map #{channel} here is map #{channel} of {conv}, shrunk (the "
            f"strongest value of each 2×2 window kept). So this is what filter #{channel} of {conv} looks for."
        )
    button = st.empty()  # gone once the picture is there
    asked = filter_pictures.already_made(source_key, conv, channel) or button.button(
        f"Show what this filter looks for (about {filter_pictures.seconds_to_make(conv)} s)",
        key=f"fm_look_{conv}_{channel}",
        help="The computer makes a picture that this filter responds to as strongly as it can. "
        "Once made, it is kept for everyone on this server.",
    )
    status = st.empty()  # the place in the queue and the progress bar
    if asked:
        picture = filter_pictures.picture_of(source_key, conv, channel, status=status)
        button.empty()
        st.image(picture, width="stretch", alt=_picture_words(conv, channel))
        st.caption(filter_pictures.CAPTION)


def strongest_filters(source_key: str, layer: str, view: LayerView) -> None:
    """What the layer's strongest filters on this image look for, in a row."""
    conv, channels = filters_of(layer), view.strongest[:STRONGEST_SHOWN]
    st.subheader(f"What the {len(channels)} strongest filters look for")
    st.caption(
        f"The filters of {layer} with the highest average response to this picture"
        + (f": filters of {conv}, whose maps this pooling layer shrinks." if conv != layer else ".")
    )
    missing = [c for c in channels if not filter_pictures.already_made(source_key, conv, c)]
    button = st.empty()
    asked = not missing or button.button(
        f"Show what the {len(channels)} strongest filters look for "
        f"(about {filter_pictures.seconds_to_make(conv, len(missing))} s)",
        key=f"fm_row_{conv}",
        help="The filters with the highest average response to this picture. " + AVERAGE_RESPONSE,
    )
    status = st.empty()
    if asked:
        pictures = filter_pictures.pictures_of(source_key, conv, channels, status=status)
        button.empty()
        for column, channel, picture in zip(st.columns(len(channels)), channels, pictures):
            column.image(
                picture,
                caption=f"#{channel}: average response {view.means[channel]:.1f}",
                width="stretch",
                alt=_picture_words(conv, channel),
            )
        st.caption(filter_pictures.CAPTION)


def _picture_words(conv: str, channel: int) -> str:
    return f"A picture the computer made to excite filter #{channel} of {conv} as strongly as it can"


def share_this(page_settings: list[share.Setting], from_sample: bool) -> None:
    """The address says what the page shows; the sidebar offers it as a link and a QR code."""
    params = share.current(page_settings)
    if not from_sample:
        params.pop("sample", None)
    share.keep_in_address(params)
    share.share_button(site.FEATURE_MAPS, lambda: params)
    if not from_sample:
        st.sidebar.caption("Your own photo is never put in a link: the link opens a sample image on this layer.")
