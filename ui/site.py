"""The site map: every page's file, title, icon and web address, written once.

The sidebar (:func:`ui.navigation.sidebar_navigation`), the home page's cards, every link and page
switch between pages, and the share links (:mod:`ui.share`) all take their page from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Page:
    path: str  # the script, from the repository's root: what st.page_link and st.switch_page take
    title: str
    icon: str
    timing: str  # the page's name in the load benchmark's timing log (ui.server.timing)

    @property
    def url_path(self) -> str:
        """The page's address after the server's: Streamlit's, the file name without its number."""
        return "" if self.path == "app.py" else Path(self.path).stem.split("_", 1)[1]


HOME = Page("app.py", "Home", "🔬", "home")
PLAYGROUND = Page("pages/1_Convolution_and_pooling.py", "Convolution & pooling", "🧮", "playground")
FEATURE_MAPS = Page("pages/2_Feature_maps.py", "VGG16 feature maps", "🧠", "feature maps")
CRYSTAL_CHECK = Page("pages/3_Crystal_check.py", "Crystal check", "💎", "crystal check")
LEARNING = Page("pages/4_Kernels_that_learn.py", "Kernels that learn", "🌱", "learn")
PAGES = (HOME, PLAYGROUND, FEATURE_MAPS, CRYSTAL_CHECK, LEARNING)
