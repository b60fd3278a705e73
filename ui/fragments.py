"""Widgets inside fragments (``st.fragment``) whose key changes with what is shown.

A page's fragment reruns on its own when one of its widgets changes. A widget with a key that
depends on the content (the walk-through's step slider, one per number of steps; the feature-map
page's controls, one per layer) can then vanish and come back without a whole run in between.
Streamlit keeps its value on the server meanwhile, but the browser draws the returning widget at
its default and sends that back on the next change, so the page and the widget disagree.
:func:`keep_widget_value` hands the value over through Session State on every run, which makes the
browser show what the server uses.
"""

from __future__ import annotations

from typing import Any

import streamlit as st


def keep_widget_value(key: str, default: Any) -> None:
    """Before the widget with ``key`` is made (without a ``value=`` of its own): its value is the one
    it had, or ``default`` the first time, and the browser is told so."""
    st.session_state[key] = st.session_state.get(key, default)
