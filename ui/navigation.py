"""Every page's start: its tab title and icon, the timing of this run, and the sidebar's list of pages.

Streamlit's automatic list names the home page after its file ("app"), so it is switched off in
``.streamlit/config.toml`` (``showSidebarNavigation = false``) and every page draws this one from
the site map (:mod:`ui.site`). (``st.navigation`` would rename pages too, but in Streamlit 1.67 it
clashes with the ``pages/`` folder the project keeps: the sidebar falls back to file names after a
page is opened by its address.)
"""

from __future__ import annotations

import streamlit as st

from ui.server import timing
from ui.site import PAGES, Page


def begin(page: Page) -> timing.PageRun | None:
    """A page's first call: its configuration, the start of its timing, and the sidebar."""
    st.set_page_config(page_title=page.title, page_icon=page.icon, layout="wide")
    run = timing.page_started(page.timing)
    sidebar_navigation()
    return run


def sidebar_navigation() -> None:
    """Links to every page at the top of the sidebar."""
    with st.sidebar:
        for page in PAGES:
            st.page_link(page.path, label=page.title, icon=page.icon)
        st.divider()
