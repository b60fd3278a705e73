"""A walk-through control: a step slider, and a Play button that moves it on by itself.

The slider and whatever the step draws live in one fragment, so dragging the slider or playing
redraws only that part of the page. Playing is a timer on the fragment (``run_every``), which
only a whole-page run can start or stop: the fragment asks for one whenever Play, Pause or the
speed has changed what the timer should be doing. Nothing ever sleeps, so every other widget stays
live. The step on screen is kept under ``{key}_shared`` for a share link (0: the last step, where
the whole result shows), and a shared link's step (``{key}_start``) is where the slider starts.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from ui.fragments import keep_widget_value

PLAY_SPEEDS = {"slow": 1.0, "normal": 0.5, "fast": 0.2}
"""Seconds per step while playing: a 10×10 picture's 100 steps take 100, 50 or 20 seconds."""
PLAY_SECONDS = PLAY_SPEEDS["normal"]


def walkthrough(total: int, *, key: str, label: str, show: Callable[[int], None], help: str) -> None:
    """Let the user pick one of ``total`` steps; ``show(index)`` draws step ``index`` (0-based).

    The slider's key contains ``total``, so when a setting changes how many steps there are the
    slider starts again at the last step, where the whole result is visible.
    """
    playing_key, started_key, step_key = f"{key}_playing", f"{key}_started", f"{key}_step_of_{total}"
    speed_key, shared_key = f"{key}_speed", f"{key}_shared"
    timer = _seconds(speed_key) if st.session_state.get(playing_key) else None

    @st.fragment(run_every=timer)
    def body() -> None:
        playing = st.session_state.get(playing_key, False)
        if (_seconds(speed_key) if playing else None) != timer:
            st.rerun()
        opened = st.session_state.pop(f"{key}_start", 0)  # a shared link's step, once
        if opened:
            st.session_state[step_key] = min(opened, total)
        keep_widget_value(step_key, total)  # the page's steps are a fragment: see ui.fragments
        if playing and not st.session_state.pop(started_key, False):
            st.session_state[step_key] = min(st.session_state[step_key] + 1, total)
            st.session_state[playing_key] = st.session_state[step_key] < total
        if total == 1:
            st.caption("There is only one step here.")
            st.session_state[shared_key] = 0
            show(0)
            return
        slider_column, speed_column, button_column = st.columns([6, 2, 2], vertical_alignment="bottom")
        step = slider_column.slider(label, 1, total, key=step_key, help=help)
        keep_widget_value(speed_key, "normal")
        speed_column.segmented_control(
            "Speed",
            list(PLAY_SPEEDS),
            key=speed_key,
            required=True,
            help="How fast Play moves on: a step a second, two, or five",
        )
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
        st.session_state[shared_key] = 0 if step == total else step
        show(step - 1)

    body()


def _seconds(speed_key: str) -> float:
    return PLAY_SPEEDS.get(st.session_state.get(speed_key) or "normal", PLAY_SECONDS)


def _play(playing_key: str, started_key: str, step_key: str, total: int) -> None:
    if st.session_state.get(step_key, total) >= total:
        st.session_state[step_key] = 1
    st.session_state[playing_key] = True
    st.session_state[started_key] = True  # show the current step once before moving on


def _pause(playing_key: str) -> None:
    st.session_state[playing_key] = False
