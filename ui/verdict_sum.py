"""How a crystal verdict was added up, in the playground's words: features × weights, a score, softmax.

The crystal model's last step is the playground's dense layer with one score: each of 512 pooled
VGG16 features times its weight, plus a bias. This section shows the few features that pushed the
verdict most each way, their sum, and each one's map as the head saw it, with a way to open that
same feature in the feature-map page.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from crystal.model.features import LAYER
from crystal.model.predict import CrystalModel, Prediction
from crystal.model.verdict import added_up
from crystal.numbers import format_number
from crystal.vision.render import overlay_peak, to_jpeg_bytes, to_png_bytes
from ui import filter_pictures, site
from ui.image_input import FOCUS_KEY, HANDOFF_KEY, NamedImage


def how_it_added_up(prediction: Prediction, model: CrystalModel, name: str) -> None:
    """The section, for the photo called ``name``."""
    values, contributions = (
        model.weights.standardised(prediction.pooled),
        model.weights.contributions(prediction.pooled),
    )
    shown = list(prediction.feature_maps)  # strongest towards crystal first, then strongest away
    st.markdown(
        "The model's last step is the playground's **dense** layer with a single score. VGG16 (up to its layer "
        f"`{LAYER}`) describes the drop with **{contributions.size} features**: for each, how strongly its pattern "
        f"shows in the {model.card.settings.top_k} most telling patches of the drop, measured against the training "
        "photos (0 is their average). Each feature's value is multiplied by its **weight**, learned from the "
        "training photos, and the products and a **bias** add up to the score. A last step, learned from photos "
        "the model never saw, turns the score into an honest chance (its *calibration*). These features pushed "
        "this verdict most:"
    )
    st.dataframe(
        pd.DataFrame(
            {
                "Feature": [f"{LAYER} #{c}" for c in shown],
                "Value": [values[c] for c in shown],
                "Weight": [model.weights.kernel[c] for c in shown],
                "Value × weight": [contributions[c] for c in shown],
                "Pushes": ["towards crystal" if contributions[c] > 0 else "away from crystal" for c in shown],
            }
        ),
        hide_index=True,
        column_config={k: st.column_config.NumberColumn(format="%.3f") for k in ("Value", "Weight", "Value × weight")},
    )
    lines = added_up(contributions, model.weights.bias, shown, model.weights.calibration)
    st.code("\n".join(lines), language=None, wrap_lines=True)
    st.caption(
        f"The calibration shrinks the score: trained on {model.data.training.photos} photos, the raw score is far "
        "surer than the model has any right to be. One score through 1 / (1 + exp(−score)) is the playground's "
        "softmax in disguise: softmax over two scores, this one for *crystal* and 0 for *no crystal*."
    )
    st.markdown(
        "**What those features saw**, on the drop as the model saw it (grey, contrast-normalised, "
        f"{prediction.view.shape[1]}×{prediction.view.shape[0]} pixels): the yellower, the more the feature responds "
        "there. Under each, **what the feature looks for**, where the model ships a picture of it:"
    )
    grey = np.repeat(prediction.view[..., None], 3, axis=2)
    for column, channel in zip(st.columns(len(shown)), shown):
        way = "towards" if contributions[channel] > 0 else "away from"
        column.image(
            to_jpeg_bytes(overlay_peak(grey, prediction.feature_maps[channel])),
            caption=f"#{channel}: {format_number(contributions[channel], decimals=2)}",
            alt=f"Where feature {LAYER} #{channel}, which pushed the verdict {way} crystal, responds on the drop",
            width="stretch",
        )
        looks_for = filter_pictures.shipped_picture(channel)
        if looks_for is not None:
            column.image(
                looks_for,
                width="stretch",
                caption=f"What #{channel} looks for",
                alt=f"A picture made to excite feature #{channel} as strongly as possible",
            )
        if column.button(
            f"Open #{channel}", key=f"open_feature_{channel}", help="In the feature-map page, on this same input"
        ):
            st.session_state[HANDOFF_KEY] = NamedImage(f"{name}, as the crystal model saw it", to_png_bytes(grey))
            st.session_state[FOCUS_KEY] = (LAYER, channel)
            st.switch_page(site.FEATURE_MAPS.path)
    st.caption(filter_pictures.SHIPPED_CAPTION)
