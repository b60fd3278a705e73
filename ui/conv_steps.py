"""A walk-through control: a step slider, and a Play button that moves it on by itself.

The slider and whatever the step draws live in one fragment, so dragging the slider or playing
redraws only that part of the page. Playing is a timer on the fragment (``run_every``), which
only a whole-page run can start or stop: the fragment asks for one whenever Play or Pause has
changed what the timer should be doing. Nothing ever sleeps, so every other widget stays live.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from ui.fragments import keep_widget_value

PLAY_SECONDS = 0.8


def walkthrough(total: int, *, key: str, label: str, show: Callable[[int], None], help: str) -> None:
    """Let the user pick one of ``total`` steps; ``show(index)`` draws step ``index`` (0-based).

    The slider's key contains ``total``, so when a setting changes how many steps there are the
    slider starts again at the last step, where the whole result is visible.
    """
    playing_key, started_key, step_key = f"{key}_playing", f"{key}_started", f"{key}_step_of_{total}"
    timer_on = st.session_state.get(playing_key, False)

    @st.fragment(run_every=PLAY_SECONDS if timer_on else None)
    def body() -> None:
        playing = st.session_state.get(playing_key, False)
        if playing != timer_on:
            st.rerun()
        keep_widget_value(step_key, total)  # the page's steps are a fragment: see ui.fragments
        if playing and not st.session_state.pop(started_key, False):
            st.session_state[step_key] = min(st.session_state[step_key] + 1, total)
            st.session_state[playing_key] = st.session_state[step_key] < total
        if total == 1:
            st.caption("There is only one step here.")
            show(0)
            return
        slider_column, button_column = st.columns([5, 1], vertical_alignment="bottom")
        step = slider_column.slider(label, 1, total, key=step_key, help=help)
        if playing:
            button_column.button("⏸ Pause", key=f"{key}_pause", on_click=_pause, args=(playing_key,), width="stretch")
        else:
            button_column.button(
                "▶ Play",
                key=f"{key}_play",
                on_click=_play,
                args=(playing_key, started_key, step_key, total),
                help="Walk through the steps one by one, from the current one (or from the start if at the end).",
                width="stretch",
            )
        show(step - 1)

    body()


def _play(playing_key: str, started_key: str, step_key: str, total: int) -> None:
    if st.session_state.get(step_key, total) >= total:
        st.session_state[step_key] = 1
    st.session_state[playing_key] = True
    st.session_state[started_key] = True  # show the current step once before moving on


def _pause(playing_key: str) -> None:
    st.session_state[playing_key] = False
