"""The home page: the pipeline in plain words, each step linked to where it can be tried, its numbers
those of the playground's own steps."""

import re

from streamlit.testing.v1 import AppTest

from .conftest import ROOT, app_page


def test_every_step_links_to_a_page_and_its_number_is_the_playgrounds():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception, at.exception
    pages = {path.stem.split("_", 1)[1] for path in (ROOT / "pages").glob("*.py")}  # URL names, as Streamlit makes them
    links = [(link.proto.label, link.proto.page) for link in at.get("page_link")]
    tries = [page for label, page in links if label.startswith(("Try", "See"))]
    assert len(tries) == 8 and set(tries) <= pages and "Feature_maps" in tries, tries
    cards = [m.value for m in at.markdown if m.value.startswith("**")]
    numbered = dict(re.findall(r"\*\*\S+ (\d)\. ([\w ]+)\*\*", " ".join(cards)))
    steps = app_page("pages/1_Convolution_and_pooling.py").run()
    headers = dict(h.value.split(" · ", 1) for h in steps.header if " · " in h.value)
    assert numbered == {n: headers[n].split(" (")[0] for n in numbered} and len(numbered) == 7, (numbered, headers)
    assert sorted(label for label, _ in links if label.startswith("Try step")) == [
        f"Try step {n}" for n in sorted(numbered)
    ]
