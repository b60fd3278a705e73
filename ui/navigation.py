"""The sidebar's list of pages, with readable titles.

Streamlit's automatic list names the home page after its file ("app"), so it is switched off in
``.streamlit/config.toml`` (``showSidebarNavigation = false``) and every page draws this one.
(``st.navigation`` would rename pages too, but in Streamlit 1.67 it clashes with the ``pages/``
folder the project keeps: the sidebar falls back to file names after a page is opened by URL.)
"""

import streamlit as st

PAGES = [
    ("app.py", "Home", "🔬"),
    ("pages/1_Convolution_and_pooling.py", "Convolution & pooling", "🧮"),
    ("pages/2_Feature_maps.py", "VGG16 feature maps", "🧠"),
    ("pages/3_Crystal_check.py", "Crystal check", "💎"),
    ("pages/4_Kernels_that_learn.py", "Kernels that learn", "🌱"),
]


def sidebar_navigation() -> None:
    """Links to every page at the top of the sidebar."""
    with st.sidebar:
        for path, title, icon in PAGES:
            st.page_link(path, label=title, icon=icon)
        st.divider()
